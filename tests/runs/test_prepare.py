"""The run's start before its flow (pipeline/runs/prepare.py, issue #19): the workers begin the first documents
while the run's process imports Prefect and waits for its API; the flow's batch tasks take them over.

The first test is fast (a stand-in pool); the others fork real workers over tests/store/dbs.py's inbox (slow)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

import pytest

from pipeline.config import Settings
from pipeline.ingest.discover import Found
from tests.store.dbs import dump, inbox_files, make_inbox, row_counts


class _Pool:
    """A stand-in DocumentPool: records which documents it ran, each taking `seconds`."""

    workers = 2

    def __init__(self, seconds: float = 0.02):
        self.ran: list[str] = []
        self.seconds = seconds
        self._lock = threading.Lock()

    def run(self, path, case, refused):
        with self._lock:
            self.ran.append(str(path))
        time.sleep(self.seconds)
        return (f"result of {path}", None)


def test_early_start_never_starts_a_document_twice_and_stops_at_handover():
    """A document a batch task takes before the feeders reach it is never started by them; one they started is
    handed to its batch task once (a retry goes to the pool); after `handover` nothing new is started."""
    from pipeline.runs.prepare import EarlyStart

    todo = [Found(path=Path(f"/inbox/{i:02d}.txt"), case=None, relpath=f"{i:02d}.txt") for i in range(40)]
    pool = _Pool()
    early = EarlyStart(pool, todo)
    deadline = time.monotonic() + 10
    while early.started < 4 and time.monotonic() < deadline:
        time.sleep(0.005)
    first = early.take(todo[0])
    assert first is not None and first.result(timeout=10) == ("result of /inbox/00.txt", None)
    assert early.take(todo[0]) is None  # once: a retry of it goes to the pool
    assert early.take(todo[30]) is None  # not started yet: now the batch task's
    early.handover()
    left = early.close(timeout=10)
    started = early.started
    time.sleep(0.1)
    assert early.started == started  # nothing started after the handover
    assert len(pool.ran) == started == len(set(pool.ran)) and "/inbox/30.txt" not in pool.ran
    assert pool.ran == [str(f.path) for f in todo[:started]]  # in the order of todo (largest first in a run)
    assert len(left) == started - 1  # the results no batch task took are handed back by close


def _wait_started(prepared, n: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while prepared.early.started < n and time.monotonic() < deadline:
        time.sleep(0.02)
    assert prepared.early.started >= n, f"only {prepared.early.started} documents started before the flow"


@pytest.mark.slow
def test_documents_begun_before_the_flow_are_reported_once_each_by_their_batch_task(prefect_harness, tmp_path,
                                                                                     monkeypatch):
    """`sistercity run`'s order: `prepare` forks the workers and starts them on the first documents before the
    flow; the flow's batch tasks take those over. Every document is reported once (one result, one log line of
    its batch task), none is processed twice, the store is that of a flow that forked its own workers, and no
    claim is left."""
    from pipeline import flows
    from pipeline.runs.prepare import preparing

    reported = []
    real_done = flows._done

    def done(f, result, results, logger, deliver):
        if result is not None:
            reported.append(f.relpath)
        real_done(f, result, results, logger, deliver)

    monkeypatch.setattr(flows, "_done", done)
    inbox = make_inbox(tmp_path / "inbox")
    n = len(inbox_files(inbox))
    url = f"sqlite:///{tmp_path / 'early.db'}"
    settings = Settings(db=url, reports=tmp_path / "reports", inbox=inbox, workers=2, ocr=False)
    with preparing(settings) as prepared:
        _wait_started(prepared, 4)  # some done, some in flight when the flow takes over
        result = flows.run_inbox(settings, None, prepared)
    assert prepared.early.started >= 4
    assert sorted(reported) == sorted(set(reported)) and len(reported) == n
    assert result["counts"]["seen"] == n and result["counts"]["new"] + result["counts"]["failed"] == n
    assert sum(w["documents"] for w in result["workers"].values()) == n
    assert all(w["model_loads"] == 1 for w in result["workers"].values()), result["workers"]
    assert result["run"] == prepared.run_id
    assert row_counts(url)["claims"] == 0

    url2 = f"sqlite:///{tmp_path / 'flow.db'}"
    flows.process_inbox(Settings(db=url2, reports=tmp_path / "reports2", inbox=inbox, workers=2, ocr=False))
    assert dump(url, inbox) == dump(url2, inbox)
    for name in ("documents.jsonl", "passages.jsonl", "entities.jsonl", "verdicts.json"):
        assert (tmp_path / "reports" / name).read_bytes() == (tmp_path / "reports2" / name).read_bytes(), name


@pytest.mark.slow
def test_a_document_failing_before_the_flow_fails_alone(prefect_harness, tmp_path, monkeypatch):
    """The first documents (largest first) are begun before the flow: one that raises, and one that kills its
    worker (twice, the second time alone in a fresh pool), fail with their reasons when their batch task takes
    them; every other document is stored as usual and no claim is left."""
    import signal

    import pipeline.runs.ingest as ingest
    from pipeline import flows
    from pipeline.ingest.discover import discover
    from pipeline.runs.pool import largest_first
    from pipeline.runs.prepare import preparing

    inbox = make_inbox(tmp_path / "inbox")
    order = [Path(f.path).name for f in largest_first([f for f in discover(inbox)[1] if not f.refused])]
    raises, kills = order[0], order[1]
    run_process, real = os.getpid(), ingest.run_document

    def faulty(path, *args, **kwargs):
        name = os.path.basename(str(path))
        if name == raises:
            raise RuntimeError("a stage bug on this file")
        if name == kills and os.getpid() != run_process:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest, "run_document", faulty)  # before the fork: the workers inherit it
    url = f"sqlite:///{tmp_path / 'faulty.db'}"
    settings = Settings(db=url, reports=tmp_path / "reports", inbox=inbox, workers=2, ocr=False)
    with preparing(settings) as prepared:
        _wait_started(prepared, 3)
        assert [Path(f.path).name for f in prepared.todo[:2]] == [raises, kills]
        result = flows.run_inbox(settings, None, prepared)

    reasons = {f["path"].rsplit("/", 1)[-1]: f["error"] for f in result["failures"]}
    assert reasons[raises].startswith("worker_error: ") and "RuntimeError: a stage bug on this file" in reasons[raises]
    assert "BrokenProcessPool" in reasons[kills]
    n = len(inbox_files(inbox))
    assert result["counts"]["new"] + result["counts"]["failed"] + result["counts"]["skipped"] == n
    stored = dump(url, inbox)
    assert not any(k.endswith((raises, kills)) for k in stored)  # not stored: the next run tries them again
    assert row_counts(url)["claims"] == 0


@pytest.mark.slow
@pytest.mark.parametrize("error, status", [(RuntimeError("Prefect's temporary API did not come up"), "failed"),
                                           (KeyboardInterrupt(), "interrupted")])
def test_a_start_no_flow_takes_is_recorded_and_its_claims_released(tmp_path, error, status):
    """When the flow never starts (its API fails, the run is interrupted), the documents begun before it end, the
    workers stop, the run is recorded `failed` or `interrupted` with the reason and what was done, and no claim is
    left for the next run to wait on."""
    from pipeline.runs.prepare import _READY, preparing
    from pipeline.store.db import Store

    inbox = make_inbox(tmp_path / "inbox")
    url = f"sqlite:///{tmp_path / 'stopped.db'}"
    settings = Settings(db=url, reports=tmp_path / "reports", inbox=inbox, workers=2, ocr=False)
    with pytest.raises(type(error)):
        with preparing(settings) as prepared:
            _wait_started(prepared, 3)
            pids = list(prepared.pool.pids)
            raise error
    assert not _READY
    run = Store(url).runs()[0]
    assert run["id"] == prepared.run_id and run["status"] == status
    assert "before its flow started" in run["failures"][-1]["error"]
    done = sum(run["counts"][k] for k in ("new", "changed", "failed"))
    assert done >= 3 and done == len(dump(url, inbox))  # what the workers saved before they stopped, counted
    assert row_counts(url)["claims"] == 0
    for pid in pids:  # the workers are gone
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


# In a fresh process (the test session has imported Prefect already), what `sistercity run --workers 2` does
# before its flow (pipeline/cli.py): the temporary API started with no Prefect import, then `prepare`; what the
# run's process and a worker have imported once the workers are on their first documents.
SCRIPT = """
import json, sys, time
from pathlib import Path
from pipeline.prefect_server import TemporaryAPI
api = TemporaryAPI.start_early()
from pipeline.config import Settings
from pipeline.lean import loaded
from pipeline.runs.prepare import preparing
from tests.store.dbs import make_inbox
folder = Path(sys.argv[1])
settings = Settings(db=f"sqlite:///{folder / 'run.db'}", reports=folder / "reports", inbox=make_inbox(folder / "inbox"),
                    workers=2, ocr=False)
with preparing(settings) as prepared:
    while prepared.early.started < 2:
        time.sleep(0.01)
    run = loaded(("prefect",))
    worker = prepared.pool.call(loaded, ("prefect",)).result()
api.stop()
print(json.dumps({"run": run, "worker": worker, "started": prepared.early.started}))
"""


@pytest.mark.slow  # about 8 s: the models loaded and warmed up in a new process
def test_the_workers_begin_before_prefect_is_imported_and_hold_none_of_it(tmp_path):
    """Issue #19: nothing of Prefect is imported before the workers are on their first documents (its settings
    are read when the flow imports it), so none of it is on the way to the first document or in the workers."""
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=root, capture_output=True, text=True,
                         timeout=180, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                                           "PREFECT_HOME": str(tmp_path / "prefect-home")})
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["started"] >= 2 and got["run"] == [] and got["worker"] == [], got
