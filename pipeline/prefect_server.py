"""The Prefect API processes sistercity starts: a local server for `serve`, a temporary API for `run`.

Prefect refuses to schedule flows on its ephemeral API, so when no
PREFECT_API_URL is set, `serve` runs `prefect server start` itself (SQLite
database under PREFECT_HOME), waits until its health check answers, restarts it
if it dies, and stops it on exit.

`run` with no API configured uses Prefect's temporary API (ephemeral mode), which Prefect itself starts
only when the flow is called, and then waits 4-5 s for it while the run's process does nothing
(issue #19). `TemporaryAPI` starts the same server process (the same command and settings as Prefect's
`SubprocessASGIServer`) as the run begins, so that it comes up on the other core while the run's
process loads its models, and the flow then uses it through PREFECT_API_URL. No Prefect import at
module level here: only processes (TemporaryAPI reads Prefect's settings when it starts one).
"""

from __future__ import annotations

import atexit
import importlib.util
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


# Prefect settings for a run of this package, set (unless already in the environment) before Prefect is
# imported. Prefect's temporary API takes 4-17 s to start on a 2-core machine: above its 20 s default
# timeout in the worst case. Analytics off; only warnings from Prefect's loggers.
PREFECT_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def use_prefect_defaults() -> None:
    """PREFECT_DEFAULTS into this process's environment where not set, then EPHEMERAL_ENV (use_ephemeral_env)."""
    for key, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    use_ephemeral_env()


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



def _healthy(api_url: str) -> bool:
    """Whether a Prefect API answers its health check (within 2 s)."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False

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
        return _healthy(self.api_url)

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


class TemporaryAPI:
    """Prefect's temporary API for one run, started ahead of the flow: the server process Prefect's ephemeral
    mode starts (`prefect.server.api.server.SubprocessASGIServer`: uvicorn on Prefect's app factory, no UI,
    the ephemeral server's services, the same settings passed down, the same database under PREFECT_HOME),
    but started by `start_if_needed()` (or `start_early()`, which reads Prefect's settings only when the flow is
    about to start) as soon as the run begins, without importing Prefect's server (2.4 s of the run's CPU), and
    waited for only when the flow is about to start (`wait`). The run's process
    then talks to it through PREFECT_API_URL (`using`). Stopped when this process exits (atexit, registered
    before Prefect's own handlers, so it runs after they have sent their last events), or by `stop`."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None
        self.started = 0.0
        self.up_after: float | None = None  # seconds from start to up (health check and first request answered)
        self._up = threading.Event()  # set once the API has answered its health check and a first request
        self._watcher: threading.Thread | None = None
        self._env: dict[str, str] = {}
        self._stopped = False
        self._port_retries = 3
        self._unconfirmed = False  # started by start_early: Prefect's settings not read yet (`needed`)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    @classmethod
    def start_if_needed(cls) -> TemporaryAPI | None:
        """A started TemporaryAPI when Prefect would start its temporary API for a flow (no PREFECT_API_URL in
        the environment or Prefect's profile, ephemeral mode enabled), else None (a server is configured)."""
        use_prefect_defaults()
        if os.environ.get("PREFECT_API_URL"):
            return None
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        if settings.api.url or not settings.server.ephemeral.enabled:
            return None
        api = cls()
        api.start(settings.to_environment_variables(exclude_unset=True))
        return api

    @classmethod
    def start_early(cls) -> TemporaryAPI | None:
        """`start_if_needed` without importing Prefect into this process first (`sistercity run`): with no
        PREFECT_API_URL in the environment the API is started at once, and whether Prefect would use a temporary
        API (its profile, prefect.toml or .env may name an API, or turn ephemeral mode off) is asked only when the
        run's process imports Prefect anyway, for the flow (`needed`). The server reads those settings itself
        (the same environment and folder), as Prefect's own temporary API does. Prefect's settings (0.7 s of the
        run's CPU) then come neither before the API's start nor before the workers begin their documents
        (pipeline/runs/prepare.py), and the workers forked meanwhile hold none of Prefect."""
        use_prefect_defaults()
        if os.environ.get("PREFECT_API_URL"):
            return None
        api = cls()
        api.start()
        api._unconfirmed = True
        return api

    def needed(self) -> bool:
        """Whether Prefect would use a temporary API here: always for `start_if_needed`'s, which asked before it
        started; for `start_early`'s, Prefect's settings are read now, and when they name an API of their own or
        turn ephemeral mode off, this API is stopped and the flow uses Prefect's API as configured."""
        if not self._unconfirmed:
            return not self._stopped
        self._unconfirmed = False
        if not self._wanted_by_prefect():
            log.info("Prefect's settings name an API of their own: the temporary API is not used")
            self.stop()
            return False
        return True

    def _wanted_by_prefect(self) -> bool:
        from prefect.settings import get_current_settings

        settings = get_current_settings()
        return not settings.api.url and settings.server.ephemeral.enabled

    def _command(self) -> list[str]:
        spec = importlib.util.find_spec("prefect")
        app_dir = Path(next(iter(spec.submodule_search_locations))).parent if spec and spec.submodule_search_locations else None
        return [sys.executable, "-m", "uvicorn", *(["--app-dir", str(app_dir)] if app_dir else []), "--factory",
                "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(self.port),
                "--log-level", "error", "--lifespan", "on"]

    def start(self, prefect_env: dict[str, str] | None = None) -> None:
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1",
               **(prefect_env or {})}
        env.pop("PREFECT_API_URL", None)
        self._env = env
        from pipeline.children import watch_children

        watch_children()  # it dies with this process, even on kill -9
        self.started = time.monotonic()
        # its output goes where Prefect's own temporary API's goes: to this process's (a pipe could fill up)
        self.process = subprocess.Popen(self._command(), env=env)
        atexit.register(self.stop)
        self._watcher = threading.Thread(target=self._await_up, name="prefect-api-start", daemon=True)
        self._watcher.start()

    def _await_up(self) -> None:
        """In the background, while the run loads its models: poll the health check, then make the first
        request the flow's client makes (its API version, 0.4 s the first time: the server opens its
        database), so the flow starts on an API that is up and warm. Ends when the API is up, or its
        process has exited (uvicorn's code 3, its port taken since `free_port` chose it: tried again on
        another port, as Prefect does, up to three times)."""
        while True:
            process = self.process
            if process is None or self._stopped:
                return
            code = process.poll()
            if code is not None:
                if code != 3 or self._port_retries <= 0:
                    return
                self._port_retries -= 1
                self.port = free_port()
                log.info("Prefect's temporary API found its port taken; starting it on port %d", self.port)
                self.process = subprocess.Popen(self._command(), env=self._env)
                if self._stopped:  # stop() ran meanwhile: it did not see this process
                    self.stop()
                continue
            if self.healthy():
                try:
                    with urllib.request.urlopen(f"{self.api_url}/admin/version", timeout=10):
                        pass
                except (urllib.error.URLError, OSError):
                    pass
                self.up_after = round(time.monotonic() - self.started, 2)
                self._up.set()
                return
            time.sleep(0.05)

    def healthy(self) -> bool:
        return _healthy(self.api_url)

    def wait(self, timeout: float | None = None) -> None:
        """Until the API answers its health check; raises when its process exits or `timeout` seconds
        (default PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS) pass since it was started."""
        if self.process is None:
            raise RuntimeError("the temporary Prefect API was not started")
        limit = timeout if timeout is not None else float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", 120))
        while True:
            if self._up.wait(0.05):
                log.info("Prefect's temporary API up at %s after %s s, waited for after %.1f s", self.api_url,
                         self.up_after, time.monotonic() - self.started)
                return
            if self._watcher is None or not self._watcher.is_alive():
                if self._up.is_set():  # the watcher set it and ended between the wait above and this check
                    continue
                process = self.process
                code = process.poll() if process is not None else "unknown (stopped)"
                raise RuntimeError(f"Prefect's temporary API (port {self.port}) exited with code {code} while "
                                   "starting (its messages, if any, are above)")
            if time.monotonic() - self.started > limit:
                self.stop()
                raise TimeoutError(f"Prefect's temporary API did not answer within {limit:.0f} s (port {self.port}); "
                                   "raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, or start a server and "
                                   "set PREFECT_API_URL")

    def using(self):
        """A context in which Prefect's client in this process talks to this API. The flow run's heartbeats
        are off there: they let a lasting server's automations find crashed runs, and this API (whose
        automations are off, EPHEMERAL_ENV) ends with the run; on, they cost the run up to a second at its
        end (Prefect joins the heartbeat thread, which sleeps in one-second steps)."""
        import prefect.settings as ps

        return ps.temporary_settings(updates={ps.PREFECT_API_URL: self.api_url,
                                              ps.PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None})

    def stop(self) -> None:
        self._stopped = True
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
