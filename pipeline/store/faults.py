"""Fault injection for the crash tests: kill this process with SIGKILL at a named point.

Off unless the environment sets SISTERCITY_FAULT=POINT or POINT@N (the Nth time
the process reaches POINT). A SIGKILL cannot be caught, so nothing gets to
clean up: exactly what a power cut or the OOM killer does. Points:
`claimed` (document claimed, not yet processed), `processed` (processed, not
yet saved), `save:rows` (inside the save transaction, rows written, not
committed), `saved` (committed, run not yet updated).
"""

from __future__ import annotations

import logging
import os
import signal
from collections import Counter

log = logging.getLogger(__name__)

ENV = "SISTERCITY_FAULT"
_hits: Counter[str] = Counter()


def fault(point: str) -> None:
    spec = os.environ.get(ENV)
    if not spec:
        return
    name, _, nth = spec.partition("@")
    if name != point:
        return
    _hits[point] += 1
    if _hits[point] == int(nth or 1):
        log.error("%s=%s: killing process %d at %s", ENV, spec, os.getpid(), point)
        logging.shutdown()
        os.kill(os.getpid(), signal.SIGKILL)
