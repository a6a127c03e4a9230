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

    def start(self) -> None:
        env = {**SERVER_ENV, **os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
        env.pop("PREFECT_API_URL", None)
        if self.home is not None:
            env["PREFECT_HOME"] = str(self.home)
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
