"""`sistercity run` with no Prefect API configured starts Prefect's temporary API itself, ahead of the flow
(pipeline/prefect_server.py TemporaryAPI), so that it comes up while the run loads its models and forks its
workers (issue #19): the flow run and its batch task runs must still be recorded there, in Prefect's database
under PREFECT_HOME, the API must be gone when the run has ended, and the console script must end with its
summary printed and its reports written (it skips Python's teardown: cli.exit_now). Slow (a whole run in its
own process, with a new Prefect database); run in CI."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.store.dbs import inbox_files, make_inbox

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def uvicorn_children(home: Path) -> list[str]:
    """Command lines of Prefect API processes still running with this PREFECT_HOME."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            env = Path(f"/proc/{entry}/environ").read_bytes()
        except OSError:
            continue
        if "prefect.server.api.server:create_app" in cmd and f"PREFECT_HOME={home}".encode() in env:
            found.append(cmd)
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_run_records_the_flow_and_its_batches_on_the_temporary_api_it_started(tmp_path):
    inbox = make_inbox(tmp_path / "inbox")
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update({"PREFECT_HOME": str(home), "PYTHONPATH": str(ROOT), "PREFECT_LOGGING_LEVEL": "ERROR"})
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(inbox), "--db", str(tmp_path / "s.db"),
                           "--reports", str(tmp_path / "reports"), "--workers", "2", "--no-ocr"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "seen" in proc.stderr and "aggregate_report" in proc.stderr  # the summary, flushed before the quick exit
    assert (tmp_path / "reports" / "verdicts.json").exists()
    n = len(inbox_files(inbox))

    con = sqlite3.connect(home / "prefect.db")
    try:
        flow_runs = con.execute("SELECT fr.id, fr.state_type FROM flow_run fr JOIN flow f ON f.id = fr.flow_id "
                                "WHERE f.name = 'process_inbox'").fetchall()
        assert [state for _, state in flow_runs] == ["COMPLETED"]
        batches = con.execute("SELECT name, state_type FROM task_run WHERE flow_run_id = ? AND name LIKE "
                              "'process_batch %'", (flow_runs[0][0],)).fetchall()
    finally:
        con.close()
    positions = []
    for name, state in batches:
        assert state == "COMPLETED", (name, state)
        first, last = name.rsplit(" ", 1)[1].split("/")[0].split("-")
        positions += range(int(first), int(last) + 1)
    assert sorted(positions) == list(range(1, n + 1))  # a first run: every file processed (new or failed), once

    deadline = time.monotonic() + 10  # the API is stopped before the run's process ends; allow the kernel a moment
    while uvicorn_children(home) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert uvicorn_children(home) == []
