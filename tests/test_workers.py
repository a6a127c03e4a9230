"""`--workers 2`: the document tasks run in two worker processes (Prefect's ProcessPoolTaskRunner),
each loading the models once, and the store ends with exactly the contents of a plain one-process
run (tests/store/worker.py's run, no Prefect) over the same inbox. Slow; run in CI."""

from __future__ import annotations

import os
import socket

import pytest

from pipeline.config import Settings
from tests.store.dbs import dump, inbox_files, make_inbox, row_counts

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def plain_run(tmp_path_factory):
    """The store contents after one plain run (no Prefect, one process) over tests/store/dbs.py's inbox."""
    from tests.store.worker import shared_runner

    runner = shared_runner()
    folder = tmp_path_factory.mktemp("plain")
    inbox = make_inbox(folder / "inbox")
    url = f"sqlite:///{folder / 'plain.db'}"
    pid, out = runner.start(url, inbox)
    assert runner.wait(pid) == 0, runner.stderr()
    return dump(url, inbox)


def test_two_worker_processes_store_what_one_process_stores(prefect_harness, plain_run, tmp_path):
    from pipeline.flows import process_inbox

    inbox = make_inbox(tmp_path / "inbox")
    url = f"sqlite:///{tmp_path / 'workers.db'}"
    settings = Settings(db=url, reports=tmp_path / "reports", inbox=inbox, workers=2, ocr=False)
    result = process_inbox(settings)

    n = len(inbox_files(inbox))
    assert result["counts"]["seen"] == n and result["counts"]["new"] + result["counts"]["failed"] == n
    workers = result["workers"]
    assert sum(w["documents"] for w in workers.values()) == n
    assert 1 <= len(workers) <= 2 and f"{socket.gethostname()}:{os.getpid()}" not in workers, workers
    assert all(w["model_loads"] == 1 for w in workers.values()), f"models loaded more than once per process: {workers}"
    assert dump(url, inbox) == plain_run
    assert row_counts(url)["claims"] == 0
    assert (tmp_path / "reports" / "verdicts.json").exists()
