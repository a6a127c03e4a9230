"""pipeline/prefect_server.py's TemporaryAPI without Prefect: a stand-in server process shows how it waits for
the API, tries another port when uvicorn finds its port taken (exit code 3, as Prefect's own does), and says
so when the process dies while starting. (A real run against it: tests/test_temporary_api.py.)"""

from __future__ import annotations

import sys
import time

import pytest

from pipeline.prefect_server import TemporaryAPI

# answers /api/health and /api/admin/version on the port given, after exiting with code 3 on the first port tried
SERVER = r"""
import http.server, sys
port, taken = int(sys.argv[1]), sys.argv[2]
if str(port) == taken:
    sys.exit(3)
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path in ("/api/health", "/api/admin/version") else 404)
        self.end_headers()
        self.wfile.write(b'"ok"')
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""


class StandIn(TemporaryAPI):
    def __init__(self, taken: str = "-", exit_code: int | None = None):
        super().__init__()
        self.taken, self.exit_code, self.ports = taken, exit_code, []

    def _command(self) -> list[str]:
        self.ports.append(self.port)
        if self.exit_code is not None:
            return [sys.executable, "-c", f"import sys; sys.exit({self.exit_code})"]
        return [sys.executable, "-c", SERVER, str(self.port), self.taken]


def test_waits_until_the_api_answers_then_stops_it():
    api = StandIn()
    api.start()
    try:
        api.wait(timeout=30)
        assert api.healthy() and api.up_after is not None and api.api_url.endswith(f":{api.port}/api")
    finally:
        process = api.process
        api.stop()
    assert process.poll() is not None and api.process is None


def test_a_port_taken_meanwhile_is_tried_again_on_another():
    api = StandIn()
    api.taken = str(api.port)  # the first port chosen is "taken": the stand-in exits with code 3 there
    api.start()
    try:
        api.wait(timeout=30)
        assert len(api.ports) == 2 and api.ports[0] != api.ports[1] == api.port and api.healthy()
    finally:
        api.stop()


def test_an_api_that_dies_while_starting_is_an_error_naming_its_exit_code():
    api = StandIn(exit_code=1)
    api.start()
    with pytest.raises(RuntimeError, match="exited with code 1"):
        api.wait(timeout=30)
    assert len(api.ports) == 1  # not a taken port: not tried again


def test_temporary_api_wait_sees_an_api_that_came_up_as_its_watcher_ended():
    """The watcher thread sets `_up` and ends; if that happens between wait()'s timed-out check of `_up` and its
    check that the watcher is alive, wait() must return, not report an API that "exited with code None"
    (seen once in CI under load)."""
    import threading

    class LateEvent(threading.Event):
        calls = 0

        def wait(self, timeout=None):
            self.calls += 1
            if self.calls == 1:  # the watcher sets it just after this wait timed out
                self.set()
                return False
            return super().wait(timeout)

    class Running:
        returncode = None

        def poll(self):
            return None

    api = TemporaryAPI(port=9)
    api.process, api.started, api.up_after = Running(), time.monotonic(), 0.1
    api._up = LateEvent()
    api._watcher = threading.Thread(target=lambda: None)
    api._watcher.start()
    api._watcher.join()  # ended, as the watcher does once the API is up
    api.wait(timeout=5)  # returns: the API is up
    assert api._up.calls == 2
    api.process = None


class EarlyStandIn(StandIn):
    """`start_early`'s API, with Prefect's settings wanting a temporary API or not (`wanted`)."""

    wanted = True

    def _wanted_by_prefect(self) -> bool:
        return self.wanted


@pytest.mark.parametrize("wanted", [True, False])
def test_an_api_started_early_is_used_only_when_prefects_settings_want_one(wanted, monkeypatch):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.setattr(EarlyStandIn, "wanted", wanted)
    api = EarlyStandIn.start_early()
    try:
        assert api is not None and api.process is not None  # started at once, before Prefect's settings are read
        process = api.process
        assert api.needed() is wanted and api.needed() is wanted  # asked once; the same answer after
        if wanted:
            api.wait(timeout=30)
            assert api.healthy()
        else:  # an API of the profile's own, or ephemeral mode off: stopped, and Prefect decides
            assert api.process is None and process.poll() is not None
    finally:
        api.stop()


def test_no_api_is_started_early_when_the_environment_names_one(monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert EarlyStandIn.start_early() is None


def test_prefects_own_settings_want_a_temporary_api_when_none_is_configured(monkeypatch, tmp_path):
    """The real question `needed` asks, in a Prefect home with no profile naming an API."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["PREFECT_HOME"] = str(tmp_path)
    code = "from pipeline.prefect_server import TemporaryAPI; print(TemporaryAPI()._wanted_by_prefect())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "True", out.stderr[-2000:]
    env["PREFECT_SERVER_EPHEMERAL_ENABLED"] = "false"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr[-2000:]
