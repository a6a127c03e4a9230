"""Two runs at once over the same inbox and store: each document is processed by exactly one of
them and stored exactly once, with the same contents as a single run. On SQLite and PostgreSQL.

Both runs are forked from tests/store/worker.py's warm server at the same moment (no Prefect) and
pause briefly after each document, so they overlap for the whole inbox and race for every claim.
"""

from __future__ import annotations

import json
import os
from collections import Counter

import pytest

from tests.store.dbs import KINDS, PG_ENV, dump, fresh_database, inbox_files, make_inbox, row_counts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runner():
    from tests.store.worker import shared_runner

    return shared_runner()


@pytest.mark.parametrize("kind", KINDS)
def test_two_runs_at_once_process_each_document_once(kind, runner, tmp_path):
    from pipeline.store.db import Store

    if kind == "postgresql" and not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set (.ci/run starts a PostgreSQL server and sets it)")
    inbox = make_inbox(tmp_path / "inbox")
    files = inbox_files(inbox)
    with fresh_database(kind, tmp_path) as url:
        log = tmp_path / "processed.log"
        (a, out_a), (b, out_b) = (runner.start(url, inbox, log, pause=0.3) for _ in range(2))
        assert runner.wait(a) == 0, out_a.read_text()
        assert runner.wait(b) == 0, out_b.read_text()

        work = [line.split(" ", 1) for line in log.read_text().splitlines()]
        per_document = Counter(path for _, path in work)
        assert set(per_document) == files
        assert max(per_document.values()) == 1, f"processed twice: {[p for p, n in per_document.items() if n > 1]}"
        by_run = Counter(int(pid) for pid, _ in work)
        assert set(by_run) == {a, b}, f"the runs did not overlap (documents per run: {dict(by_run)})"

        results = [json.loads(out.read_text())["counts"] for out in (out_a, out_b)]
        for counts in results:
            assert counts["seen"] == len(files)
            assert counts["new"] + counts["failed"] + counts["busy"] + counts["skipped"] == len(files)
        assert sum(c["new"] + c["failed"] for c in results) == len(files)

        stored = dump(url, inbox)
        assert set(stored) == {p.replace(str(inbox.resolve()), "<inbox>") for p in files}
        assert row_counts(url) == {"documents": len(files), "claims": 0,
                                   "passages": sum(len(d["passages"]) for d in stored.values()),
                                   "entities": sum(len(d["entities"]) for d in stored.values())}
        store = Store(url)
        assert [r["status"] for r in store.runs()] == ["ok", "ok"]
        store.close()

    # the same contents as one run alone
    alone = tmp_path / "alone"
    alone.mkdir()
    url = f"sqlite:///{alone / 'alone.db'}"
    pid, _ = runner.start(url, inbox)
    assert runner.wait(pid) == 0
    assert dump(url, inbox) == stored
