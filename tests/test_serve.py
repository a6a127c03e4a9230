"""`sistercity serve`: with no PREFECT_API_URL it starts a local Prefect server, serves the
inbox flow on a cron schedule, and a run of that deployment processes the inbox.
Slow (a real Prefect server starts); run in CI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipeline.prefect_server import free_port
from tests.conftest import DEMO

pytestmark = pytest.mark.slow


def _wait(what, fn, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_serve_schedules_and_runs_the_inbox_flow(tmp_path):
    import httpx

    inbox = tmp_path / "inbox" / "karangsari-seokjin"
    inbox.mkdir(parents=True)
    for name in ("case.toml", "wawancara_dtkp.md", "berita_jembatan_2018.pdf"):
        shutil.copy(DEMO / "karangsari-seokjin" / name, inbox)
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    exe = Path(sys.executable).with_name("sistercity")
    proc = subprocess.Popen([str(exe), "serve", str(tmp_path / "inbox"), "--cron", "0 2 * * *", "--port", str(port),
                             "--db", str(tmp_path / "s.db"), "--reports", str(tmp_path / "reports")],
                            env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        def deployment():
            try:
                found = httpx.post(f"{api}/deployments/filter", json={}, timeout=5).json()
            except httpx.HTTPError:
                return None
            return next((d for d in found if d["name"] == "sistercity-inbox"), None)

        dep = _wait("the deployment", deployment, 240)
        assert [s["schedule"]["cron"] for s in dep["schedules"]] == ["0 2 * * *"]
        def create_run():
            # the server answers 503 while its SQLite database is busy (its scheduler and the runner write to it
            # too); Prefect's own client retries those, and so do these raw requests
            resp = httpx.post(f"{api}/deployments/{dep['id']}/create_flow_run", json={}, timeout=10)
            return None if resp.status_code == 503 else resp.json()

        run = _wait("a flow run created", create_run, 60)
        assert "id" in run, run

        def finished():
            resp = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=5)
            if resp.status_code == 503:
                return None
            state = resp.json()["state"]["type"]
            return state if state in {"COMPLETED", "FAILED", "CRASHED"} else None

        assert _wait("the flow run", finished, 300) == "COMPLETED"
        assert (tmp_path / "reports" / "verdicts.json").exists()
        from pipeline.store.db import Store

        assert sorted(d.source for d in Store(str(tmp_path / "s.db")).documents()) == ["berita_jembatan_2018.pdf", "wawancara_dtkp.md"]
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    # the local server went down with `serve`
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{api}/health", timeout=3)
