"""A local Prefect server that `sistercity serve` starts and supervises.

Prefect refuses to schedule flows on its ephemeral API, so when no
PREFECT_API_URL is set, `serve` runs `prefect server start` itself (SQLite
database under PREFECT_HOME), waits until its health check answers, restarts it
if it dies, and stops it on exit. No Prefect import here: only a process.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

log = logging.getLogger(__name__)

# Prefect's server records task runs from the events the flow sends. By default its task-run
# recorder writes them one per transaction (batch size 1: about 25 ms of server CPU per task on our
# 2-core machine; 9 ms with the sizes below) and its event persister 20 at a time; a server under
# load dropped task-run events until these were raised (issue #7). A batch that is not full is still
# written every flush interval (5 s), and at a clean stop. A value already in the environment wins.
# Not used for the temporary API of `sistercity run`, which stops when its process exits (flows.py).
# README "Production".
SERVER_ENV = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_BATCH_SIZE": "200",
}


# Prefect's temporary API (`sistercity run` with no PREFECT_API_URL) is a subprocess of the run that
# lives only as long as the run and has no UI, so the services that only feed a UI or automations are
# turned off for it: storing every event (the table that had grown ~/.prefect/prefect.db to 150 MB),
# the automations' triggers, and streaming events out to websockets. Task runs and flow runs are still
# recorded (the task-run recorder reads the same events). On 200 documents this cut the temporary API's
# CPU from 10-18 s to 8.4-8.8 s (bench/RESULTS.md). A value already in the environment wins, and a
# long-running server (`serve`'s, or the user's) never gets them: without them it answers 503 to
# creating a flow run of a deployment (tests/test_serve.py).
EPHEMERAL_ENV = {
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_EVENTS_STREAM_OUT_ENABLED": "false",
}
_ephemeral_applied: dict[str, str] = {}
# Names the keys of EPHEMERAL_ENV that sistercity (not the user) put into the environment, so that a
# process started from this one (which inherits them) still knows to keep them from a long-running server.
APPLIED_MARK = "SISTERCITY_EPHEMERAL_ENV_APPLIED"


def use_ephemeral_env() -> dict[str, str]:
    """Put EPHEMERAL_ENV into this process's environment when Prefect will start its temporary API
    (no PREFECT_API_URL), before Prefect is imported; returns what was set."""
    if not os.environ.get("PREFECT_API_URL"):
        for key, value in EPHEMERAL_ENV.items():
            if key not in os.environ:
                os.environ[key] = value
                _ephemeral_applied[key] = value
        if _ephemeral_applied:
            os.environ[APPLIED_MARK] = ",".join(sorted(_ephemeral_applied))
    return dict(_ephemeral_applied)


def _set_by_us(key: str, value: str) -> bool:
    """Whether `key`=`value` of the environment is one of EPHEMERAL_ENV that sistercity set (in this
    process, or in a parent process that marked it), not the user's own setting."""
    marked = set(filter(None, os.environ.get(APPLIED_MARK, "").split(",")))
    return EPHEMERAL_ENV.get(key) == value and (_ephemeral_applied.get(key) == value or key in marked)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPrefectServer:
    def __init__(self, port: int | None = None, home: Path | None = None, startup_timeout: float = 180.0):
        self.port = port or free_port()
        self.home = home
        self.startup_timeout = startup_timeout
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def _command(self) -> list[str]:
        exe = Path(sys.executable).with_name("prefect")
        prefix = [str(exe)] if exe.exists() else [sys.executable, "-m", "prefect"]
        return [*prefix, "server", "start", "--host", "127.0.0.1", "--port", str(self.port), "--analytics-off"]

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as resp:
                return resp.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def environment(self) -> dict[str, str]:
        """The server's environment: this process's, without the temporary API's settings, with SERVER_ENV."""
        own = {k: v for k, v in os.environ.items() if k != APPLIED_MARK and not _set_by_us(k, v)}
        env = {**SERVER_ENV, **own, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
        env.pop("PREFECT_API_URL", None)
        if self.home is not None:
            env["PREFECT_HOME"] = str(self.home)
        return env

    def start(self) -> None:
        env = self.environment()
        self.process = subprocess.Popen(self._command(), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the local Prefect server exited with code {self.process.returncode} while starting "
                                   f"(port {self.port}); run `prefect server start` yourself to see why")
            if self.healthy():
                log.info("local Prefect server up at %s", self.api_url)
                return
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"the local Prefect server did not answer within {self.startup_timeout:.0f} s")

    def supervise(self, every: float = 5.0) -> None:
        """Restart the server in the background whenever its process has died."""
        def watch() -> None:
            while not self._stop.wait(every):
                if self.process is not None and self.process.poll() is not None:
                    log.warning("local Prefect server died (code %s); restarting", self.process.returncode)
                    self.restarts += 1
                    try:
                        self.start()
                    except (RuntimeError, TimeoutError) as exc:
                        log.error("could not restart the local Prefect server: %s", exc)

        self._watcher = threading.Thread(target=watch, name="prefect-server-supervisor", daemon=True)
        self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
