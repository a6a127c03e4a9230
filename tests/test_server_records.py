"""Every document task is recorded by a real Prefect server under load.

A server under load dropped task-run events until its task-run recorder and event persister
batches were raised; pipeline/prefect_server.py (SERVER_ENV) starts it with larger ones. Here the
server `sistercity serve` supervises (LocalPrefectServer, its own PREFECT_HOME) takes two flow
runs at once, each over an inbox of tiny TXT documents, and its API must then list the COMPLETED
`process_batch` task runs of each flow run, whose batches (named by their documents' positions,
"process_batch 6-10/20") cover every processed document exactly once. (Until issue #19 a run made one
`process_document` task run per document.) At this size the test also
passed with Prefect's default batches: it guards the recording, it does not reproduce the overload
that made the server drop events (that needs a sustained event backlog far beyond a test's minute).
Slow (a real server starts and two flow processes run); run in CI.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.prefect_server import LocalPrefectServer
from tests.conftest import DEMO

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
DOCS = 20  # per inbox; two inboxes run at the same time

RUN = """
import json, sys
from pathlib import Path
from pipeline.config import Settings
from pipeline.flows import process_inbox
inbox, db, reports = sys.argv[1:4]
state = process_inbox(Settings(db=db, reports=Path(reports), inbox=Path(inbox), ocr=False), return_state=True)
print("RESULT " + json.dumps({"flow_run": str(state.state_details.flow_run_id), "counts": state.result()["counts"]}))
"""


def tiny_inbox(folder: Path, tag: str) -> Path:
    case = folder / "karangsari-seokjin"
    case.mkdir(parents=True)
    (case / "case.toml").write_text((DEMO / "karangsari-seokjin" / "case.toml").read_text(encoding="utf-8"),
                                    encoding="utf-8")
    for i in range(DOCS):
        (case / f"catatan_{tag}_{i:02d}.txt").write_text(
            f"Catatan rapat {tag} nomor {i}. Pemerintah Kota Karangsari dan Seokjin membahas pertukaran pelajar "
            f"tahun {2010 + i}. Anggaran belum disetujui DPRD sehingga kegiatan ditunda.\n", encoding="utf-8")
    return folder


def recorded(api: str, flow_run: str) -> list:
    """The process_batch task runs the server holds for this flow run."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter, TaskRunFilterName
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api}), get_client(sync_client=True) as client:
        return client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(like_="process_batch")),
            limit=10 * DOCS)


def covered(task_runs) -> list[int]:
    """The documents' positions the batches name ("process_batch 6-10/20" -> 6..10), every batch's together:
    each position once when the batches cover every document once."""
    positions = []
    for t in task_runs:
        first, last = t.name.rsplit(" ", 1)[1].split("/")[0].split("-")
        positions += range(int(first), int(last) + 1)
    return sorted(positions)


def test_every_task_run_is_recorded_by_a_loaded_server(tmp_path):
    server = LocalPrefectServer(home=tmp_path / "prefect-home")
    server.start()
    try:
        env = {**os.environ, "PREFECT_API_URL": server.api_url, "PREFECT_HOME": str(tmp_path / "client-home"),
               "PYTHONPATH": str(ROOT), "PREFECT_LOGGING_LEVEL": "ERROR"}
        procs = [subprocess.Popen([sys.executable, "-c", RUN, str(tiny_inbox(tmp_path / f"inbox-{tag}", tag)),
                                   str(tmp_path / f"{tag}.db"), str(tmp_path / f"reports-{tag}")],
                                  env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for tag in ("a", "b")]
        runs = []
        for proc in procs:
            out, err = proc.communicate(timeout=240)
            assert proc.returncode == 0, err[-3000:]
            runs.append(json.loads(next(line for line in out.splitlines() if line.startswith("RESULT "))[7:]))
        for run in runs:
            assert run["counts"]["new"] == DOCS and run["counts"]["failed"] == 0, run["counts"]

        # The server records task runs from events, asynchronously: poll until every one is there
        # in a final state, or the deadline passes; then check exactly what it holds.
        deadline = time.monotonic() + 60
        while True:
            found = {run["flow_run"]: recorded(server.api_url, run["flow_run"]) for run in runs}
            done = all(covered(t) == list(range(1, DOCS + 1)) and all(r.state_type == "COMPLETED" for r in t)
                       for t in found.values())
            if done or time.monotonic() > deadline:
                break
            time.sleep(1)
        for run in runs:
            task_runs = found[run["flow_run"]]
            assert covered(task_runs) == list(range(1, run["counts"]["new"] + 1)), (
                f"flow run {run['flow_run']}: the process_batch task runs recorded ({[t.name for t in task_runs]}) "
                f"do not cover the {run['counts']['new']} documents processed once each")
            assert 1 < len(task_runs) < DOCS  # batches: more than one, fewer than a task per document
            assert len({t.id for t in task_runs}) == len(task_runs)
            assert sorted(str(t.state_type.value) for t in task_runs) == ["COMPLETED"] * len(task_runs)
    finally:
        server.stop()


def test_the_temporary_api_records_every_task_run_and_stores_no_events(tmp_path):
    """`sistercity run` with no PREFECT_API_URL: Prefect's temporary API, with the services that only
    feed a UI off (pipeline/prefect_server.py EPHEMERAL_ENV), still records the flow run and its
    COMPLETED process_batch task runs, covering every document, and its database holds no events."""
    import sqlite3

    from pipeline.prefect_server import EPHEMERAL_ENV

    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL" and k not in EPHEMERAL_ENV}
    env.update({"PREFECT_HOME": str(home), "PREFECT_LOGGING_LEVEL": "ERROR"})
    docs = 5
    inbox = tiny_inbox(tmp_path / "inbox", "t")
    for extra in sorted((inbox / "karangsari-seokjin").glob("catatan_t_*.txt"))[docs:]:
        extra.unlink()
    proc = subprocess.run([str(Path(sys.executable).with_name("sistercity")), "run", str(inbox), "--db",
                           f"sqlite:///{tmp_path / 'store.db'}", "--reports", str(tmp_path / "reports"), "--no-ocr"],
                          env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    con = sqlite3.connect(home / "prefect.db")
    try:
        tasks = con.execute("SELECT state_type, name FROM task_run WHERE name LIKE 'process_batch%'").fetchall()
        flows = con.execute("SELECT state_type FROM flow_run").fetchall()
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
    finally:
        con.close()
    assert {state for state, _ in tasks} == {"COMPLETED"}
    assert covered([SimpleNamespace(name=name) for _, name in tasks]) == list(range(1, docs + 1))
    assert flows == [("COMPLETED",)]
    assert events == 0


def test_the_temporary_api_settings_stay_out_of_a_long_running_server(monkeypatch):
    import pipeline.prefect_server as ps

    monkeypatch.setattr(ps, "_ephemeral_applied", {})
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv(ps.APPLIED_MARK, raising=False)
    for key in ps.EPHEMERAL_ENV:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED", "false")  # the user's own choice
    applied = ps.use_ephemeral_env()
    assert set(applied) == set(ps.EPHEMERAL_ENV) - {"PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"}
    assert all(os.environ[k] == v for k, v in ps.EPHEMERAL_ENV.items())
    env = LocalPrefectServer(home=Path("/tmp/unused")).environment()
    assert not set(applied) & set(env)
    assert env["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "false"
    assert env["PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE"] == "100"

    # a process started from that one inherits the settings and the mark naming them: still kept out
    monkeypatch.setattr(ps, "_ephemeral_applied", {})
    assert os.environ[ps.APPLIED_MARK] == ",".join(sorted(applied))
    env = LocalPrefectServer(home=Path("/tmp/unused")).environment()
    assert not set(applied) & set(env) and ps.APPLIED_MARK not in env
    assert env["PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED"] == "false"

    monkeypatch.delenv(ps.APPLIED_MARK)
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:4200/api")
    for key in ps.EPHEMERAL_ENV:
        monkeypatch.delenv(key, raising=False)
    assert ps.use_ephemeral_env() == {}
