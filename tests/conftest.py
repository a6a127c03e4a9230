"""Shared fixtures. Slow things (models, the demo corpus run) load once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
DEMO = ROOT / "corpora" / "demo"


def has_tesseract() -> bool:
    return shutil.which("tesseract") is not None


needs_tesseract = pytest.mark.skipif(not has_tesseract(), reason="tesseract not installed (make setup installs it)")


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def models():
    from pipeline.stages import load_models

    return load_models()


@pytest.fixture(scope="session")
def demo_cases():
    from pipeline.ingest.discover import discover

    return discover(DEMO)[0]


@pytest.fixture(scope="session")
def case_karangsari(demo_cases):
    return next(c for c in demo_cases if c.slug == "karangsari-seokjin")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for every flow-level test of the session (it takes 9-17 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
