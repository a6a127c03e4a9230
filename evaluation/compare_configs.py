"""Whole-classifier configurations compared leave-one-case-out (the figures `sistercity train` puts in a card).

Run: nice .venv/bin/python evaluation/compare_configs.py [--out evaluation/config_comparison.md]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

from pipeline.classify.train import V4_PARAMS, doc_case, leave_one_case_out, load_examples  # noqa: E402
from pipeline.data import ELEMENTS  # noqa: E402

CONFIGS = {
    "v3: LR, calibrated, fixed cut-offs 0.5 / 0.4": {},
    "v4: linear SVM C=0.1, calibrated, cut-offs tuned by inner leave-one-case-out": V4_PARAMS,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "evaluation" / "config_comparison.md")
    args = ap.parse_args()
    ex = load_examples(ROOT / "annotations" / "passages.jsonl")
    groups = [doc_case(e.doc) for e in ex]
    lines = ["# Classifier configurations, leave-one-case-out (pooled over the six held-out cases)", "",
             "Written by `nice .venv/bin/python evaluation/compare_configs.py`.", "",
             "| configuration | params | element macro-F1 | " + " | ".join(ELEMENTS)
             + " | stance acc. | obstacle micro-F1 | element ECE | weakest case (element macro-F1) | seconds |",
             "|---|---|---|" + "---|" * len(ELEMENTS) + "---|---|---|---|---|"]
    for name, params in CONFIGS.items():
        t = time.perf_counter()
        r = leave_one_case_out(ex, groups, **params)
        o = r["overall"]
        weakest = min(r["per_case"].items(), key=lambda kv: kv[1]["element_macro_f1"])
        lines.append(f"| {name} | `{json.dumps(params)}` | {o['element_macro_f1']:.3f} | "
                     + " | ".join(f"{o['f1_' + el]:.3f}" for el in ELEMENTS)
                     + f" | {o['stance_accuracy']:.3f} | {o['obstacle_micro_f1']:.3f} | {o['element_ece']:.3f} | "
                     f"{weakest[0]} ({weakest[1]['element_macro_f1']:.3f}) | {time.perf_counter() - t:.0f} |")
        print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
