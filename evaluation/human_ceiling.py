"""Human reference for the classifier bars: the double-coded samples scored with the classifier's metric.

Run: nice .venv/bin/python evaluation/human_ceiling.py
Writes evaluation/human_ceiling.md and evaluation/human_ceiling.json (see pipeline/quality/human_ceiling.py).
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from pipeline.classify.model import versions  # noqa: E402
from pipeline.quality.human_ceiling import write  # noqa: E402

BARS = {"element macro-F1": 0.85, "stance accuracy": 0.85, "obstacle micro-F1": 0.70}


def main() -> None:
    found = versions(ROOT / "models")  # the shipped (newest) passage classifier's leave-one-case-out figures
    card = json.loads((found[-1] / "card.json").read_text(encoding="utf-8")) if found else {}
    model = {**card["leave_one_case_out"]["overall"], "name": card["name"]} if "leave_one_case_out" in card else None
    r = write(ROOT / "annotations", ROOT / "evaluation", model, BARS)
    for name, s in r["pooled"].items():
        print(f"{name}: element macro-F1 {s['element_macro_f1']:.3f}, stance {s['stance_accuracy']:.3f}, "
              f"obstacle micro-F1 {s['obstacle_micro_f1']:.3f}")


if __name__ == "__main__":
    main()
