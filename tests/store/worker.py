"""Ingestion runs over an inbox without Prefect, for the crash and concurrency tests.

`run_inbox` takes the same steps as the `process_inbox` flow (claim, process, save, heartbeat per
document, then removals and the run record), calling `ingest_into_store` directly.

Loading spaCy and the models takes a new Python process several seconds, so runs are forked
from a warm server process instead (`Runner`, which starts `python -m tests.store.worker`): each
run is still its own process, with its own pid and database connections, that the test can kill
with SIGKILL or that SISTERCITY_FAULT (pipeline.store.faults) kills at a chosen point. The server
reaps every run it forked, so a killed run's pid is really gone when the next run looks at it.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_inbox(url: str, inbox: Path, log: Path | None = None, pause: float = 0.0) -> dict:
    """One run. `log` gets a line `pid path` per document actually processed; `pause` sleeps
    after processing each document (widens the window in which two runs overlap)."""
    import pipeline.runs.ingest as process
    from pipeline.config import Settings
    from pipeline.ingest.discover import discover
    from pipeline.runs.ingest import ingest_into_store
    from pipeline.stages import StageTimer, load_models
    from pipeline.store.db import Store, new_owner

    models = load_models()
    cases, files = discover(inbox)
    found = list(files)
    real = process.run_document

    def counted(path, *args, **kwargs):
        doc = real(path, *args, **kwargs)
        if log is not None:
            with open(log, "a") as fh:  # O_APPEND: lines from two processes never interleave
                fh.write(f"{os.getpid()} {Path(path).resolve()}\n")
        if pause:
            time.sleep(pause)
        return doc

    process.run_document = counted
    try:
        store = Store(url)
        owner = new_owner()
        run_id = store.start_run(str(inbox), models.versions, owner=owner)
        timer = StageTimer()
        counts = {"seen": len(found), "new": 0, "changed": 0, "skipped": 0, "busy": 0, "failed": 0, "removed": 0}
        failures, present = [], set()
        for f in found:
            r = ingest_into_store(store, f.path, f.case, cases, models, Settings(max_mb=50, ocr=False),
                                  timer=timer, owner=owner, run_id=run_id)
            present.add(r.path)
            counts[r.outcome] += 1
            if r.outcome == "failed":
                failures.append({"path": r.path, "error": r.error})
            store.heartbeat(run_id, counts, failures, timer.seconds)
        counts["removed"] = len(store.mark_removed(str(inbox.resolve()), present))
        store.finish_run(run_id, counts, failures, timer.seconds)
        store.close()
    finally:
        process.run_document = real
    return {"run": run_id, "pid": os.getpid(), "counts": counts}


def _warm_up() -> None:
    from pipeline.config import Settings
    from pipeline.ingest.discover import discover
    from pipeline.stages import load_models, run_document

    models = load_models()
    cases = discover(ROOT / "corpora" / "demo")[0]
    with tempfile.TemporaryDirectory() as tmp:
        warm = Path(tmp) / "warm.txt"
        warm.write_text("Pemerintah Kota Karangsari menandatangani nota kesepahaman dengan Seokjin pada 12 Maret 2014.\n")
        run_document(warm, "karangsari-seokjin", cases, models, Settings(max_mb=1, ocr=False))


def _child(job: dict) -> None:
    """In the forked process: run, write the result (or the traceback) to job["out"], exit."""
    code = 0
    try:
        os.environ.pop("SISTERCITY_FAULT", None)
        os.environ.update(job.get("env") or {})
        result = run_inbox(job["db"], Path(job["inbox"]), Path(job["log"]) if job.get("log") else None,
                           job.get("pause", 0.0))
        Path(job["out"]).write_text(json.dumps(result))
    except BaseException:  # noqa: BLE001 - reported to the test through the out file
        Path(job["out"]).write_text(json.dumps({"error": traceback.format_exc()}))
        code = 1
    os._exit(code)


def serve() -> None:
    """Read jobs from stdin, one JSON per line: {"op": "start", ...job} answers {"pid"} at once;
    {"op": "wait", "pid"} answers {"pid", "returncode"} (negative: killed by that signal)."""
    _warm_up()
    out = sys.stdout
    out.write(json.dumps({"ready": os.getpid()}) + "\n")
    out.flush()
    for line in sys.stdin:
        job = json.loads(line)
        if job["op"] == "start":
            pid = os.fork()
            if pid == 0:
                _child(job)
            reply = {"pid": pid}
        else:
            _, status = os.waitpid(job["pid"], 0)
            code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
            reply = {"pid": job["pid"], "returncode": code}
        out.write(json.dumps(reply) + "\n")
        out.flush()


class Runner:
    """The test side: a warm server process that forks runs on demand."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.errors = open(folder / "runner.stderr", "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.store.worker"], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.errors)
        self.jobs = 0
        assert "ready" in self._read(), self.stderr()

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the run server died: {self.stderr()}")
        return json.loads(line)

    def _ask(self, msg: dict) -> dict:
        self.proc.stdin.write(json.dumps(msg) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def stderr(self) -> str:
        self.errors.flush()
        return (self.folder / "runner.stderr").read_text()[-3000:]

    def start(self, db: str, inbox: Path, log: Path | None = None, fault: str | None = None,
              pause: float = 0.0) -> tuple[int, Path]:
        self.jobs += 1
        out = self.folder / f"run{self.jobs}.json"
        env = {"SISTERCITY_FAULT": fault} if fault else {}
        pid = self._ask({"op": "start", "db": db, "inbox": str(inbox), "log": str(log) if log else None,
                         "pause": pause, "env": env, "out": str(out)})["pid"]
        return pid, out

    def wait(self, pid: int) -> int:
        return self._ask({"op": "wait", "pid": pid})["returncode"]

    def kill(self, pid: int) -> None:
        os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)
        self.errors.close()


_shared: Runner | None = None


def shared_runner() -> Runner:
    """One warm server for the whole test session (closed at exit): warming up costs seconds."""
    global _shared
    if _shared is None:
        folder = Path(tempfile.mkdtemp(prefix="sistercity-runner-"))
        _shared = Runner(folder)
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        atexit.register(_shared.close)  # runs first
    return _shared


if __name__ == "__main__":
    serve()
