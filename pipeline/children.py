"""Child processes die with the process that started them, even when it is killed with SIGKILL.

A run starts children that are not its own to clean up once it is gone: Prefect's temporary API (a
uvicorn process, about 195 MB, still listening after a `kill -9` of the run), the OCR pool's workers,
the worker processes of `--workers N`. `watch_children()` starts one small watchdog process per
process. It notes the children of its parent every half second, and when the parent is gone (its end
of a pipe closes, which the kernel does however the parent died, or its pid no longer names it), it
sends SIGTERM to the children it noted that still run, then SIGKILL to any left after five seconds.

PR_SET_PDEATHSIG was the other way: it has to be set in each child, and it fires when the *thread*
that started the child ends (Prefect starts its API from whatever thread first needs it), so a
watchdog it is. Linux only (it reads /proc); elsewhere this does nothing.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

log = logging.getLogger(__name__)

_WATCHDOG = r"""
import os, signal, sys, threading, time

parent, me = int(sys.argv[1]), os.getpid()


def started(pid):
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def children():
    try:
        tasks = os.listdir(f"/proc/{parent}/task")
    except OSError:
        return []
    pids = []
    for task in tasks:
        try:
            with open(f"/proc/{parent}/task/{task}/children") as fh:
                pids += [int(p) for p in fh.read().split()]
        except OSError:
            pass
    return pids


parent_started = started(parent)
known = {}
gone = threading.Event()


def poll():
    while not gone.is_set():
        for pid in children():
            if pid != me and pid not in known:
                known[pid] = started(pid)
        if started(parent) != parent_started:
            gone.set()
        time.sleep(0.5)


def wait_for_eof():
    sys.stdin.buffer.read()
    gone.set()


threading.Thread(target=poll, daemon=True).start()
threading.Thread(target=wait_for_eof, daemon=True).start()
gone.wait()
alive = [p for p, s in known.items() if s is not None and started(p) == s]
for sig, wait in ((signal.SIGTERM, 5.0), (signal.SIGKILL, 0.0)):
    for p in alive:
        try:
            os.kill(p, sig)
        except OSError:
            pass
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and any(started(p) == known[p] for p in alive):
        time.sleep(0.1)
    alive = [p for p in alive if started(p) == known[p]]
"""

_watchdog: subprocess.Popen | None = None
_lock = threading.Lock()


def watch_children() -> subprocess.Popen | None:
    """Start this process's watchdog (once; again after a fork). Returns it, or None where /proc has no
    list of a process's children."""
    global _watchdog
    with _lock:
        if _watchdog is not None and _watchdog.poll() is None and _watchdog.args[-1] == str(os.getpid()):
            return _watchdog
        if not os.path.exists(f"/proc/{os.getpid()}/task/{os.getpid()}/children"):
            return None
        # its own session: a Ctrl-C to the run's process group does not stop it before it has done its work
        _watchdog = subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid())], stdin=subprocess.PIPE,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        log.debug("child watchdog %d for process %d", _watchdog.pid, os.getpid())
        return _watchdog
