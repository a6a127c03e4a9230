"""Where the project's shipped files live, whatever the working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent


def models_dir() -> Path:
    return Path(os.environ.get("SISTERCITY_MODELS", PROJECT_DIR / "models"))


def demo_corpus() -> Path:
    return PROJECT_DIR / "corpora" / "demo"


def annotations_dir() -> Path:
    return Path(os.environ.get("SISTERCITY_ANNOTATIONS", PROJECT_DIR / "annotations"))
