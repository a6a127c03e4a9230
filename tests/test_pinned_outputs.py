"""Issue #19 (the per-document cost): speeding up a stage must not change a byte of what a run writes.

A plain run (tests/store/worker.py's loop: the stage functions and the store, no Prefect) over
tests/store/dbs.py's small inbox (five demo documents of two cases and two bad files), then the
contract files and reports from the store (pipeline/runs/report.py), each file's SHA-256 compared
with the digests pinned in tests/data/pinned_outputs.json. The inbox's folder is written as
"<inbox>" before hashing (documents.jsonl holds absolute paths); nothing else is masked. The
embedding cache is off, so every passage is embedded by the threads of this run (classify/embed.py).

A change that is meant to change the outputs (a new model, a new rule) re-pins them, after checking
the differences, with `PYTHONPATH=. python -m tests.test_pinned_outputs --update`.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # about 20 s: the models, then five documents embedded with no cache

PINNED = Path(__file__).resolve().parent / "data" / "pinned_outputs.json"


def run_and_hash(folder: Path) -> dict[str, str]:
    """SHA-256 of every file the run and its reports write into folder/reports (inbox folder masked)."""
    from pipeline.classify import embed
    from pipeline.ingest.discover import discover
    from pipeline.runs.report import report_from_store
    from pipeline.stages import load_models
    from pipeline.store.db import Store
    from tests.store.dbs import make_inbox
    from tests.store.worker import run_inbox

    inbox = make_inbox(folder / "inbox")
    url = f"sqlite:///{folder / 'pinned.db'}"
    embed.use_cache(None)
    try:
        run_inbox(url, inbox)
    finally:
        embed.use_cache(embed.DEFAULT_CACHE)
    reports = folder / "reports"
    store = Store(url)
    report_from_store(store, reports, {"models": load_models().versions}, cases=discover(inbox)[0], lang="id")
    store.close()
    prefix = str(inbox.resolve()).encode()
    return {p.name: hashlib.sha256(p.read_bytes().replace(prefix, b"<inbox>")).hexdigest()
            for p in sorted(reports.iterdir()) if p.is_file() and not p.name.startswith(".")}


def test_a_run_writes_the_pinned_files_byte_for_byte(tmp_path):
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    got = run_and_hash(tmp_path)
    assert {"documents.jsonl", "passages.jsonl", "entities.jsonl", "verdicts.json", "report.md"} <= set(got)
    assert sorted(got) == sorted(pinned), "other files written than pinned"
    changed = sorted(name for name in got if got[name] != pinned[name])
    assert not changed, (f"{', '.join(changed)} differ from the pinned outputs ({PINNED}); if the change is meant, "
                         "check the differences and re-pin: PYTHONPATH=. python -m tests.test_pinned_outputs --update")


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        raise SystemExit("usage: PYTHONPATH=. python -m tests.test_pinned_outputs --update")
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        digests = run_and_hash(Path(tmp))
    PINNED.write_text(json.dumps(digests, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(f"pinned {len(digests)} files in {PINNED}")
