"""Issue #19 (worker memory): the processes that load the models, and the workers forked from them, never
import PyTorch or pandas (pipeline/lean.py), which spaCy and scikit-learn would pull in for nothing; the
workers of `sistercity run` are forked before Prefect is imported (pipeline/runs/prepare.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.lean import unavailable

ROOT = Path(__file__).resolve().parents[2]

# In a fresh process (the test session may have imported PyTorch and Prefect already), what `sistercity run
# --workers 2` does before its flow (pipeline/cli.py): `prepare` loads the models, warms them up and forks the
# workers, then Prefect is imported; what the run's process and a worker had imported at that point.
SCRIPT = """
import json, sys
from pathlib import Path
from pipeline.prefect_server import TemporaryAPI
api = TemporaryAPI.start_early()  # as `sistercity run` does: Prefect's settings are read in another process
from pipeline.config import Settings
from pipeline.lean import loaded
from pipeline.runs.prepare import prepare, take_ready
from pipeline.store.db import store_url
from tests.store.dbs import make_inbox
folder = Path(sys.argv[1])
settings = Settings(db=f"sqlite:///{folder / 'run.db'}", reports=folder / "reports", inbox=make_inbox(folder / "inbox"),
                    workers=2, ocr=False)
prepare(settings)
names = ("torch", "pandas", "prefect")
run = loaded(names)
import thinc.compat
import pipeline.flows
pool = take_ready(store_url(settings.db), settings, pipeline.flows.discover(settings.inbox)[0])
worker = pool.call(loaded, names).result()
pool.close()
api.stop()
print(json.dumps({"run": run, "worker": worker, "thinc_torch": thinc.compat.has_torch, "pids": pool.pids,
                  "spacy": "spacy" in sys.modules, "sklearn": "sklearn" in sys.modules}))
"""


@pytest.mark.slow  # about 8 s: the models loaded and warmed up in a new process
def test_the_workers_of_a_run_never_import_torch_pandas_or_prefect(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "HOME": str(Path.home()),
                              "PREFECT_HOME": str(tmp_path / "prefect-home")})
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["spacy"] and got["sklearn"] and got["pids"], "the models were not loaded, or no workers forked"
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
