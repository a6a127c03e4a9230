"""The Prefect flow end to end on a small inbox (SQLite and PostgreSQL): new, unchanged, changed, removed, bad files.

Slow (one temporary Prefect API for the session: tests/conftest.py's prefect_harness), and run in CI.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from pipeline.config import Settings
from tests.conftest import DEMO
from tests.report.contract import check_outputs
from tests.store.dbs import KINDS, dead_owner, fresh_database

pytestmark = pytest.mark.slow


@pytest.fixture
def harness(prefect_harness):
    """The session's Prefect API (tests/conftest.py), shared with test_workers.py and test_dask.py."""


@pytest.mark.parametrize("kind", KINDS)
def test_incremental_runs(kind, harness, tmp_path, data_dir):
    with fresh_database(kind, tmp_path) as url:
        incremental_runs(url, tmp_path, data_dir)


def incremental_runs(url, tmp_path, data_dir):
    from pipeline.flows import process_inbox
    from pipeline.store.db import Store

    inbox = tmp_path / "inbox"
    case = inbox / "karangsari-seokjin"
    case.mkdir(parents=True)
    shutil.copy(DEMO / "karangsari-seokjin" / "case.toml", case)
    for name in ("wawancara_dtkp.md", "notulen_rapat_pokja_2016.docx", "berita_jembatan_2018.pdf"):
        shutil.copy(DEMO / "karangsari-seokjin" / name, case)
    for name in ("corrupt.pdf", "empty.txt", "notes.xyz"):
        shutil.copy(data_dir / name, case)
    settings = Settings(db=url, reports=tmp_path / "reports", inbox=inbox)

    crashed = Store(settings.db).start_run(str(inbox), {}, owner=dead_owner())  # a run killed earlier

    first = process_inbox(settings)
    assert first["counts"] == {"seen": 6, "new": 3, "changed": 0, "skipped": 0, "busy": 0, "failed": 3, "removed": 0}
    assert {f["path"].rsplit("/", 1)[-1] for f in first["failures"]} == {"corrupt.pdf", "empty.txt", "notes.xyz"}
    out = check_outputs(tmp_path / "reports")
    n_passages = len(out["passages"])
    assert n_passages > 30

    written = {p: Path(p).stat().st_mtime_ns for p in first["reports"].values()}
    second = process_inbox(settings)
    assert second["counts"]["skipped"] == 6 and second["counts"]["new"] == 0
    assert second["workers"] == {}, "an unchanged document was handed to a task"
    assert {p: Path(p).stat().st_mtime_ns for p in second["reports"].values()} == written, "unchanged inputs, yet the reports were rewritten"

    (case / "wawancara_dtkp.md").write_text((case / "wawancara_dtkp.md").read_text() + "\n\nN: Satu lagi, ya. Anggaran pemeliharaan jembatan belum ada.\n")
    (case / "berita_jembatan_2018.pdf").unlink()
    third = process_inbox(settings)
    assert third["counts"]["changed"] == 1 and third["counts"]["removed"] == 1 and third["counts"]["skipped"] == 4
    store = Store(settings.db)
    docs = store.documents()
    assert sorted(d.source for d in docs) == ["corrupt.pdf", "empty.txt", "notes.xyz", "notulen_rapat_pokja_2016.docx", "wawancara_dtkp.md"]
    assert len({(p.doc, p.start) for d in docs for p in d.passages}) == sum(len(d.passages) for d in docs)
    out = check_outputs(tmp_path / "reports")
    assert all(d["source"] != "berita_jembatan_2018.pdf" for d in out["documents"])
    runs = store.runs()
    assert [(r["status"], r["counts"].get("seen")) for r in runs] == [("ok", 5), ("ok", 6), ("ok", 6), ("interrupted", None)]
    assert runs[-1]["id"] == crashed and all(r["seconds"] for r in runs[:3])


def test_inbox_on_an_fsspec_filesystem(harness, tmp_path):
    """The flow over a memory:// inbox: the documents are stored under their URLs, and skipped when unchanged."""
    import fsspec

    from pipeline.flows import process_inbox
    from pipeline.store.db import Store

    fs = fsspec.filesystem("memory")
    root = f"/flow-inbox-{uuid.uuid4().hex[:8]}"
    for name in ("case.toml", "wawancara_dtkp.md", "notulen_rapat_pokja_2016.docx"):
        fs.pipe(f"{root}/karangsari-seokjin/{name}", (DEMO / "karangsari-seokjin" / name).read_bytes())
    settings = Settings(db=str(tmp_path / "s.db"), reports=tmp_path / "reports", inbox=f"memory://{root}")
    try:
        first = process_inbox(settings)
        assert first["counts"]["new"] == 2 and first["counts"]["failed"] == 0
        assert sorted(d.path for d in Store(settings.db).documents()) == [
            f"memory://{root}/karangsari-seokjin/notulen_rapat_pokja_2016.docx", f"memory://{root}/karangsari-seokjin/wawancara_dtkp.md"]
        check_outputs(tmp_path / "reports")
        fs.rm(f"{root}/karangsari-seokjin/notulen_rapat_pokja_2016.docx")
        second = process_inbox(settings)
        assert (second["counts"]["skipped"], second["counts"]["removed"]) == (1, 1)
        assert [d.source for d in Store(settings.db).documents()] == ["wawancara_dtkp.md"]
    finally:
        fs.rm(root, recursive=True)
