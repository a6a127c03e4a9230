"""Issue #16, finding 13: after kill -9 of a run, its children (Prefect's temporary API, the OCR pool's
workers) do not live on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="Linux only")

PARENT = r"""
import subprocess, sys, time
from pipeline.children import watch_children
watch_children()
if sys.argv[1] == "ocr":
    from pipeline.ingest.ocr import _pool
    pool = _pool(2)
    pids = list(pool.submit(sorted, [1]).result() and pool._processes)
else:
    pids = [subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"]).pid]
print(" ".join(map(str, pids)), flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("kind", ["server", "ocr"])
def test_children_die_when_the_parent_is_killed(kind):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    parent = subprocess.Popen([sys.executable, "-c", PARENT, kind], stdout=subprocess.PIPE, text=True, env=env)
    try:
        pids = [int(p) for p in parent.stdout.readline().split()]
        assert pids and all(alive(p) for p in pids)
        time.sleep(1.0)  # the watchdog notes children every half second
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.1)
        assert not any(alive(p) for p in pids), pids
    finally:
        parent.kill()
