"""`--workers 2`: the documents are processed in two worker processes forked from the run after the models
are loaded (pipeline/runs/pool.py; Prefect runs one task per batch, in threads of the run),
none loading them again, and the store ends with exactly the contents of a plain one-process
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


def test_workers_replaced_every_two_documents_store_what_one_process_stores(prefect_harness, plain_run, tmp_path,
                                                                             monkeypatch):
    """Issue #19: the pool replaces its workers by fresh forks after RECYCLE_AFTER documents each (a worker's memory
    no longer grows with the run); mid-run, from the flow's threads, the store ends the same, every document
    processed once and no model loaded again."""
    from pipeline.flows import process_inbox
    from pipeline.runs import pool

    monkeypatch.setattr(pool, "RECYCLE_AFTER", 2)
    inbox = make_inbox(tmp_path / "inbox")
    url = f"sqlite:///{tmp_path / 'recycled.db'}"
    result = process_inbox(Settings(db=url, reports=tmp_path / "reports", inbox=inbox, workers=2, ocr=False))
    n = len(inbox_files(inbox))
    assert result["counts"]["new"] + result["counts"]["failed"] == n
    workers = result["workers"]
    assert sum(w["documents"] for w in workers.values()) == n
    assert max(w["documents"] for w in workers.values()) <= 4 and len(workers) >= -(-n // 4), workers
    assert all(w["model_loads"] == 1 for w in workers.values()), workers
    assert dump(url, inbox) == plain_run
    assert row_counts(url)["claims"] == 0


CONTRACT = ("documents.jsonl", "passages.jsonl", "entities.jsonl", "verdicts.json")


def test_one_and_two_workers_store_the_same_and_write_the_same_files(prefect_harness, plain_run, tmp_path):
    """Issue #19: the forked workers change where documents are processed, never what is stored or
    written: a 1-worker and a 2-worker run over one inbox leave equal stores and byte-identical
    contract files and reports."""
    from pipeline.flows import process_inbox

    inbox = make_inbox(tmp_path / "inbox")
    outs = {}
    for workers in (1, 2):
        url = f"sqlite:///{tmp_path / f'w{workers}.db'}"
        reports = tmp_path / f"reports-{workers}"
        result = process_inbox(Settings(db=url, reports=reports, inbox=inbox, workers=workers, ocr=False))
        assert result["counts"]["new"] + result["counts"]["failed"] == len(inbox_files(inbox))
        outs[workers] = (dump(url, inbox), reports, result)
    assert outs[1][0] == outs[2][0] == plain_run
    assert list(outs[1][2]["workers"]) == [f"{socket.gethostname()}:{os.getpid()}"]  # 1 worker: this process
    names = sorted(p.name for p in outs[1][1].iterdir() if p.is_file() and not p.name.startswith("."))
    assert set(CONTRACT) <= set(names)
    assert names == sorted(p.name for p in outs[2][1].iterdir() if p.is_file() and not p.name.startswith("."))
    for name in names:
        assert (outs[1][1] / name).read_bytes() == (outs[2][1] / name).read_bytes(), f"{name} differs"


def test_a_document_that_raises_or_kills_its_worker_fails_alone(prefect_harness, plain_run, tmp_path, monkeypatch):
    """In a batch, a document whose processing raises fails with the reason, and one that kills its
    worker process (SIGKILL) fails once it has killed a fresh worker too, alone in the pool; every other
    document of the inbox is stored exactly as in a plain run, and no claim is left behind."""
    import signal

    import pipeline.runs.ingest as ingest
    from pipeline.flows import process_inbox

    run_process, real = os.getpid(), ingest.run_document

    def faulty(path, *args, **kwargs):
        name = os.path.basename(str(path))
        if name == "mou_2014.pdf":
            raise RuntimeError("a stage bug on this file")
        if name == "wawancara_bagian_kerjasama.md" and os.getpid() != run_process:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(ingest, "run_document", faulty)
    inbox = make_inbox(tmp_path / "inbox")
    url = f"sqlite:///{tmp_path / 'faulty.db'}"
    result = process_inbox(Settings(db=url, reports=tmp_path / "reports", inbox=inbox, workers=2, ocr=False))

    reasons = {f["path"].rsplit("/", 1)[-1]: f["error"] for f in result["failures"]}
    assert set(reasons) == {"corrupt.pdf", "empty.txt", "mou_2014.pdf", "wawancara_bagian_kerjasama.md"}
    assert reasons["mou_2014.pdf"].startswith("worker_error: ") and "RuntimeError: a stage bug on this file" in reasons["mou_2014.pdf"]
    assert "mou_2014.pdf" in reasons["mou_2014.pdf"]
    assert "BrokenProcessPool" in reasons["wawancara_bagian_kerjasama.md"]
    # a document saved by the other worker just before the pool broke is found stored on its second try
    assert result["counts"]["new"] + result["counts"]["skipped"] == len(inbox_files(inbox)) - 4
    assert result["counts"]["failed"] == 4
    stored = dump(url, inbox)
    left_out = {k for k in plain_run if k.endswith(("mou_2014.pdf", "wawancara_bagian_kerjasama.md"))}
    assert len(left_out) == 2 and not left_out & set(stored)  # not stored: the next run tries them again
    assert stored == {k: v for k, v in plain_run.items() if k not in left_out}
    assert row_counts(url)["claims"] == 0


def test_workers_forked_before_the_flow_are_the_flows(prefect_harness, plain_run, tmp_path, monkeypatch):
    """`flows.run_inbox` (what `sistercity run` runs) loads the models, warms them up and forks the workers
    before the flow starts (`prepare`, while Prefect's temporary API starts); the flow then hands its
    documents to those workers: none forks or loads again, and the store and files are those of the
    flow forking its own."""
    from pipeline import flows
    from pipeline.runs import prepare as early

    made = []  # (where, pool) of every pool of workers forked
    real_prepare, real_pool = early.prepare, flows.DocumentPool
    where = ["flow"]

    def prepare(settings):
        where[0] = "prepare"
        try:
            return real_prepare(settings)
        finally:
            where[0] = "flow"

    def pool(*args, **kwargs):
        made.append((where[0], real_pool(*args, **kwargs)))
        return made[-1][1]

    monkeypatch.setattr(early, "prepare", prepare)  # run_inbox prepares through early.preparing
    monkeypatch.setattr(flows, "DocumentPool", pool)
    monkeypatch.setattr(early, "DocumentPool", pool)
    inbox = make_inbox(tmp_path / "inbox")
    outs = {}
    for how in ("prepared", "in the flow"):
        url = f"sqlite:///{tmp_path / f'{how}.db'}"
        settings = Settings(db=url, reports=tmp_path / f"reports-{how}", inbox=inbox, workers=2, ocr=False)
        result = flows.run_inbox(settings) if how == "prepared" else flows.process_inbox(settings)
        assert all(w["model_loads"] == 1 for w in result["workers"].values()), result["workers"]
        assert 1 <= len(result["workers"]) <= 2 and f"{socket.gethostname()}:{os.getpid()}" not in result["workers"]
        assert [w for w, _ in made] == (["prepare"] if how == "prepared" else ["flow"]), made  # one fork, done there
        assert not flows._READY
        made.clear()
        outs[how] = (dump(url, inbox), tmp_path / f"reports-{how}")
    assert outs["prepared"][0] == outs["in the flow"][0] == plain_run
    for name in CONTRACT:
        assert (outs["prepared"][1] / name).read_bytes() == (outs["in the flow"][1] / name).read_bytes(), name
