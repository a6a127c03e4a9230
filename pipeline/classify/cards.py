"""What the pipeline reads from the passage classifiers' model cards besides the model: the stance
confusion measured out of fold (`PassageClassifier.stance_confusion_`), which the verdicts correct
their evidence balance for (`pipeline.aggregate.adjust`)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from pipeline.classify.model import versions
from pipeline.paths import models_dir as default_models_dir

log = logging.getLogger(__name__)


def confusion_from_card(card: dict) -> dict[str, list[list[float]]]:
    return {el: m for el, m in (card.get("stance_confusion") or {}).items() if m}


def shipped_confusion(models_dir: Path | None = None, version: str | None = None) -> dict[str, list[list[float]]]:
    """The stance confusion in the model card of passage classifier `version` (a folder name such as
    "passage_clf.v4") in `models_dir` (the `models` setting; default: the repository's models/), or of the newest
    one when `version` is None or not shipped ({} when there is none)."""
    models_dir = default_models_dir() if models_dir is None else models_dir
    found = versions(Path(models_dir))
    chosen = next((p for p in found if p.name == version), found[-1] if found else None)
    if chosen is None or not (chosen / "card.json").exists():
        return {}
    try:
        return confusion_from_card(json.loads((chosen / "card.json").read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        log.warning("%s: unreadable model card (%s); verdicts use unadjusted counts", chosen / "card.json", exc)
        return {}
