"""Issue #19 (worker memory): the processes that load the models, and the workers forked from them, never
import PyTorch or pandas (pipeline/lean.py), which spaCy and scikit-learn would pull in for nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.lean import unavailable

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process (the test session may have imported PyTorch already): the models loaded and warmed up as
# `sistercity run --workers 2` does, one worker forked, then what the run's process and the worker imported.
SCRIPT = """
import json, sys
import pipeline.flows
from pipeline.config import Settings
from pipeline.runs.pool import DocumentPool, warm_up
from pipeline.stages import load_models
from pipeline.lean import loaded
models = load_models()
warm_up([], models, Settings(ocr=False))
import thinc.compat
with DocumentPool(1, {"models": models}) as pool:
    worker = pool.call(loaded).result()
print(json.dumps({"run": loaded(), "worker": worker, "thinc_torch": thinc.compat.has_torch,
                  "spacy": "spacy" in sys.modules, "sklearn": "sklearn" in sys.modules}))
"""


@pytest.mark.slow  # about 6 s: the models loaded and warmed up in a new process
def test_the_run_and_its_workers_never_import_torch_or_pandas():
    out = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["spacy"] and got["sklearn"], "the models were not loaded"
    assert got["run"] == [] and got["worker"] == [], got
    assert got["thinc_torch"] is False


def test_unavailable_holds_only_within_its_block():
    import importlib

    for name in ("xmlrpc.client", "xmlrpc"):  # a package of the standard library no stage imports
        sys.modules.pop(name, None)
    with unavailable("xmlrpc"):
        with pytest.raises(ModuleNotFoundError, match="kept out by pipeline/lean.py"):
            importlib.import_module("xmlrpc.client")
        assert importlib.import_module("email.utils").__name__ == "email.utils"  # other packages import as usual
    assert importlib.import_module("xmlrpc.client").__name__ == "xmlrpc.client"
