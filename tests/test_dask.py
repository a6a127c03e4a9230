"""`--dask-address`: the document tasks go to a Dask cluster (prefect-dask's DaskTaskRunner). A local
cluster of two worker processes on this machine stands in for several machines; the store ends with
exactly the contents of a plain one-process run. Slow; run in CI."""

from __future__ import annotations

import os
import socket

import pytest

from pipeline.config import Settings
from tests.store.dbs import dump, inbox_files, make_inbox, row_counts
from tests.test_workers import plain_run  # noqa: F401 - the shared reference fixture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed (pip install 'sistercity[dask]')")
    pytest.importorskip("prefect_dask")
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as c:
        yield c


def test_documents_processed_on_a_dask_cluster(prefect_harness, cluster, plain_run, tmp_path):  # noqa: F811
    from pipeline.flows import process_inbox

    inbox = make_inbox(tmp_path / "inbox")
    url = f"sqlite:///{tmp_path / 'dask.db'}"
    settings = Settings(db=url, reports=tmp_path / "reports", inbox=inbox, ocr=False,
                        dask_address=cluster.scheduler_address)
    result = process_inbox(settings)

    n = len(inbox_files(inbox))
    assert result["counts"]["new"] + result["counts"]["failed"] == n
    dask_pids = {f"{socket.gethostname()}:{w.pid}" for w in cluster.workers.values() if w.pid}
    assert set(result["workers"]) <= dask_pids and f"{socket.gethostname()}:{os.getpid()}" not in result["workers"]
    assert all(w["model_loads"] == 1 for w in result["workers"].values())
    assert dump(url, inbox) == plain_run
    assert row_counts(url)["claims"] == 0

    again = process_inbox(settings)  # unchanged: every task finds its document stored, and skips it
    assert again["counts"]["skipped"] == n and dump(url, inbox) == plain_run
