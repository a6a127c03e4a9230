"""How the worker pool's documents are ordered (pipeline/runs/pool.py); the pool itself runs in tests/test_workers.py."""

from __future__ import annotations


def test_documents_are_handed_out_largest_expected_work_first(tmp_path):
    """Issue #19: with several workers the documents go out in order of expected work (file size times the
    text a byte of that format holds), so the short ones fill the end of the run; ties keep the inbox order."""
    from pipeline.ingest.discover import Found
    from pipeline.runs.pool import TEXT_PER_BYTE, expected_work, largest_first

    sizes = {"a.txt": 3000, "b.pdf": 3000, "c.docx": 38000, "d.md": 3000, "e.txt": 9000}
    found = []
    for name, size in sizes.items():
        (tmp_path / name).write_bytes(b"x" * size)
        found.append(Found(path=tmp_path / name, case=None, relpath=name))
    found.append(Found(path=tmp_path / "gone.txt", case=None, relpath="gone.txt"))
    assert expected_work(found[1]) == 3000 * TEXT_PER_BYTE[".pdf"]
    assert expected_work(found[-1]) == 0.0  # unreadable: unknown, last
    order = [f.relpath for f in largest_first(found)]
    assert order == ["e.txt", "c.docx", "a.txt", "d.md", "b.pdf", "gone.txt"]


def test_each_worker_embeds_on_its_share_of_the_cores():
    """Issue #19: new passages are embedded by one thread per CPU in a single process; forked workers split
    the cores between them instead of each starting one thread per CPU (the vectors do not depend on it)."""
    from pipeline.classify import embed
    from pipeline.runs.pool import DocumentPool

    embed.set_threads(4)
    try:
        with DocumentPool(2, {}) as pool:
            assert pool.call(embed.threads).result(timeout=60) == 2
        with DocumentPool(3, {}) as pool:
            assert pool.call(embed.threads).result(timeout=60) == 1
    finally:
        embed.set_threads(None)


def test_workers_are_replaced_by_fresh_forks_after_recycle_after_documents_each(monkeypatch):
    """Issue #19: a worker's memory grew with every document it processed (681-695 MB after 5,000); the pool
    replaces its workers after `recycle_after` documents each, every document still processed once, in the
    worker it was handed to, and the old workers exit once their documents are done."""
    import os
    import time
    from collections import Counter
    from pathlib import Path

    import pytest

    from pipeline.runs import pool as pool_module
    from pipeline.runs.ingest import Ingested
    from pipeline.runs.pool import DocumentPool

    def one(store, path, case, cases, models, settings, owner, run_id, refused):  # inherited by the forked workers
        result = Ingested(str(path), "new", case)
        result.worker = str(os.getpid())
        return result, None

    monkeypatch.setattr(pool_module, "ingest_one", one)
    monkeypatch.setattr(pool_module, "Store", lambda url: object())
    job = {"store_url": "sqlite://", "cases": [], "models": None, "settings": None, "owner": "o", "run_id": 1}
    with pytest.raises(ValueError, match="recycle_after"):
        DocumentPool(1, job, recycle_after=0)
    with DocumentPool(2, job, recycle_after=3) as pool:
        first = set(pool.pids)
        results = [pool.run(f"d{i}", "case", None) for i in range(13)]
        assert [error for _, error in results] == [None] * 13
        assert [r.path for r, _ in results] == [f"d{i}" for i in range(13)]
        per_worker = Counter(r.worker for r, _ in results)
        assert pool.recycled == 2  # 6 documents (3 per worker) for each set of workers: 6 + 6 + 1
        assert max(per_worker.values()) <= 6 and len(per_worker) >= 3, per_worker
        assert {int(w) for w in per_worker} - first, "no document went to a fresh worker"
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() for pid in first) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(Path(f"/proc/{pid}").exists() for pid in first), "the replaced workers did not exit"
    with DocumentPool(1, job, recycle_after=None) as pool:
        assert {r.worker for r, _ in (pool.run(f"d{i}", None, None) for i in range(5))} == {str(pool.pids[0])}
        assert pool.recycled == 0


def test_the_pools_default_recycling_is_the_modules_setting_when_it_is_made(monkeypatch):
    from pipeline.runs import pool as pool_module

    monkeypatch.setattr(pool_module, "RECYCLE_AFTER", None)
    with pool_module.DocumentPool(1, {}) as pool:
        assert pool.recycle_after is None
    monkeypatch.setattr(pool_module, "RECYCLE_AFTER", 7)
    with pool_module.DocumentPool(1, {}) as pool:
        assert pool.recycle_after == 7
