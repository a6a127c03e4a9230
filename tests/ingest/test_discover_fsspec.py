"""An inbox given as an fsspec URL (here fsspec's in-memory filesystem): cases and documents are
discovered through fsspec, documents are fetched for hashing and extraction, unchanged ones are
skipped by content hash, changed ones replaced, missing ones reported, removed ones marked."""

from __future__ import annotations

import uuid

import pytest

from pipeline.config import Settings
from pipeline.ingest.discover import InboxError, discover, inbox_key
from pipeline.runs.ingest import ingest_into_store
from tests.conftest import DEMO

CASE = "karangsari-seokjin"
NAMES = ("wawancara_dtkp.md", "notulen_rapat_pokja_2016.docx", "berita_jembatan_2018.pdf")


@pytest.fixture
def memory_inbox():
    fsspec = pytest.importorskip("fsspec")
    fs = fsspec.filesystem("memory")
    root = f"/inbox-{uuid.uuid4().hex[:8]}"
    fs.pipe(f"{root}/{CASE}/case.toml", (DEMO / CASE / "case.toml").read_bytes())
    for name in NAMES:
        fs.pipe(f"{root}/{CASE}/{name}", (DEMO / CASE / name).read_bytes())
    fs.pipe(f"{root}/loose.txt", b"Catatan tanpa kasus.\n")
    fs.pipe(f"{root}/{CASE}/.hidden/skip.md", b"tersembunyi\n")
    yield fs, root, f"memory://{root}"
    fs.rm(root, recursive=True)


def test_discovers_cases_and_documents_through_fsspec(memory_inbox):
    _, root, url = memory_inbox
    cases, files = discover(url)
    local_cases, _ = discover(DEMO / CASE)
    assert [c.slug for c in cases] == [CASE]
    assert cases[0].cities == local_cases[0].cities and cases[0].title == local_cases[0].title
    found = {f.relpath: f for f in files}
    assert sorted(found) == sorted([f"{CASE}/{n}" for n in NAMES] + ["loose.txt"])
    assert found["loose.txt"].case is None and found[f"{CASE}/wawancara_dtkp.md"].case == CASE
    assert found["loose.txt"].path == f"memory://{root}/loose.txt"
    assert inbox_key(url) == f"memory://{root}"


def test_missing_or_bad_remote_inboxes_are_clear_errors(memory_inbox):
    fs, root, url = memory_inbox
    with pytest.raises(InboxError, match="does not exist"):
        discover(url + "-nope")
    with pytest.raises(InboxError, match="is not a folder"):
        discover(f"{url}/loose.txt")
    from pipeline.ingest.cases import CaseFileError

    fs.pipe(f"{root}/broken/case.toml", b"slug = [unclosed")
    with pytest.raises(CaseFileError, match=f"memory://{root}/broken/case.toml"):
        discover(url)


def test_remote_documents_are_stored_like_local_ones_and_skipped_when_unchanged(memory_inbox, models, demo_cases, tmp_path):
    from pipeline.store.db import Store

    fs, root, url = memory_inbox
    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    local = Store(f"sqlite:///{tmp_path / 'local.db'}")

    def ingest(target, path, case):
        return ingest_into_store(target, path, case, demo_cases, models, Settings(max_mb=50, ocr=False))

    cases, files = discover(url)
    found = list(files)
    first = {f.relpath: ingest(store, f.path, f.case).outcome for f in found}
    assert first == {**{f"{CASE}/{n}": "new" for n in NAMES}, "loose.txt": "new"}
    for name in NAMES:  # the same documents from a local folder: identical contents
        ingest(local, DEMO / CASE / name, CASE)
    remote_docs = {d.source: d for d in store.documents()}
    for d in local.documents():
        r = remote_docs[d.source]
        assert r.path == f"{url}/{CASE}/{d.source}"
        assert (r.doc, r.sha256, r.text, r.type) == (d.doc, d.sha256, d.text, d.type)
        assert [(p.start, p.end, p.elements, p.stance) for p in r.passages] == [(p.start, p.end, p.elements, p.stance) for p in d.passages]
        assert [(e.start, e.label) for e in r.entities] == [(e.start, e.label) for e in d.entities]

    again = {f.relpath: ingest(store, f.path, f.case).outcome for f in discover(url)[1]}
    assert set(again.values()) == {"skipped"}

    fs.pipe(f"{root}/{CASE}/wawancara_dtkp.md", (DEMO / CASE / "wawancara_dtkp.md").read_bytes() + b"\nN: Satu lagi.\n")
    fs.rm(f"{root}/{CASE}/berita_jembatan_2018.pdf")
    third = {f.relpath: ingest(store, f.path, f.case).outcome for f in discover(url)[1]}
    assert third == {f"{CASE}/wawancara_dtkp.md": "changed", f"{CASE}/notulen_rapat_pokja_2016.docx": "skipped",
                     "loose.txt": "skipped"}
    present = {f.path for f in discover(url)[1]}
    assert store.mark_removed(inbox_key(url), present) == [f"{url}/{CASE}/berita_jembatan_2018.pdf"]
    assert sorted(d.source for d in store.documents()) == ["loose.txt", "notulen_rapat_pokja_2016.docx", "wawancara_dtkp.md"]

    gone = ingest(store, f"{url}/{CASE}/vanished.pdf", CASE)  # listed, then deleted before it was read
    assert gone.outcome == "failed" and "vanished.pdf" in gone.error and "unreadable" in gone.error
