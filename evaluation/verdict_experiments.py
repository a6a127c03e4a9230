"""Verdict aggregation variants, leave-one-case-out, on the gold passages.

Run: nice .venv/bin/python evaluation/verdict_experiments.py [--out evaluation/verdict_comparison.md]

For each held-out case a classifier (passage_clf.v4 configuration) is trained on the
other five; it labels the held-out case's gold passages, and its own inner
leave-one-case-out predictions on the five training cases (`model.oof_`) are
what the verdict cut-offs are fitted on (never the held-out case, never its
verdicts). This is a fast proxy of `sistercity evaluate`, which runs the same
models over the ingested documents instead of the gold passages.
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.aggregate.adjust import adjusted_balance  # noqa: E402
from pipeline.aggregate.verdicts import (  # noqa: E402
    SOURCE_WEIGHT,
    balance_rows,
    fit_element_thresholds,
    fit_thresholds,
)
from pipeline.classify.model import PassageClassifier  # noqa: E402
from pipeline.classify.train import V4_PARAMS, doc_case, load_examples  # noqa: E402
from pipeline.data import ELEMENTS  # noqa: E402


def fold_predictions(ex, cache: Path):
    if cache.exists():
        return pickle.loads(cache.read_bytes())
    groups = [doc_case(e.doc) for e in ex]
    out = {}
    for case in sorted(set(groups)):
        tr = [e for e, g in zip(ex, groups) if g != case]
        te = [e for e, g in zip(ex, groups) if g == case]
        m = PassageClassifier(**V4_PARAMS).fit(tr)
        out[case] = {"pred": m.predict(te), "test": [(e.case, e.doc_type) for e in te], "oof": m.oof_,
                     "confusion": {el: c for el, c in m.stance_confusion_.items() if c}}
        print("fold", case, flush=True)
    cache.write_bytes(pickle.dumps(out))
    return out


def oof_rows(oof: dict) -> list[dict]:
    classes = oof["stance_classes"]
    return [{"case": c, "doc_type": t, "stance": s, "elements": el,
             "scores": dict(zip(ELEMENTS, sc)), "stance_scores": dict(zip(classes, ss))}
            for c, t, s, el, sc, ss in zip(oof["attributed"], oof["doc_types"], oof["stance"], oof["elements"],
                                           oof["scores"], oof["stance_scores"])]


def pred_rows(fold: dict) -> list[dict]:
    return [{"case": c, "doc_type": t, **p} for (c, t), p in zip(fold["test"], fold["pred"])]


def counts(rows: list[dict]) -> list[dict]:
    """The rows with probabilities set to 1: their balance is the source-weighted count of labelled evidence."""
    return [{**r, "scores": {el: 1.0 for el in ELEMENTS}, "stance_scores": {r["stance"]: 1.0}} for r in rows]


def gold_rows(ex) -> list[dict]:
    return [{"case": e.case, "doc_type": e.doc_type, "stance": e.stance, "elements": e.elements,
             "scores": {el: float(el in e.elements) for el in ELEMENTS},
             "stance_scores": {e.stance: 1.0}} for e in ex]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "evaluation" / "verdict_comparison.md")
    args = ap.parse_args()
    ex = load_examples(ROOT / "annotations" / "passages.jsonl")
    gold_v = tomllib.loads((ROOT / "annotations" / "verdicts.toml").read_text(encoding="utf-8"))
    key = json.dumps(V4_PARAMS, sort_keys=True).encode().hex()[:24]
    folds = fold_predictions(ex, Path(f"/tmp/sc_verdict_folds_v2_{key}.pkl"))
    gold_all = gold_rows(ex)
    lines = ["# Verdict aggregation variants (leave-one-case-out, gold passages labelled by the fold's classifier)", "",
             "Written by `nice .venv/bin/python evaluation/verdict_experiments.py`. Agreement with "
             "annotations/verdicts.toml over 30 case-element cells. `fit on` = whose labels the cut-offs are "
             "fitted on (always the five training cases only).", "",
             "| evidence weighting | fit on | cut-offs | agreement | cells wrong |", "|---|---|---|---|---|"]
    variants = [(m, f, "shared") for m in ("hard", "soft") for f in ("gold", "predicted")]
    variants += [(m, "predicted", "per element") for m in ("hard", "soft")]
    variants += [("adjusted", "gold", "shared")]
    for mode, fit_on, cutoffs in variants:
        agree, wrong = 0, []
        for case, fold in folds.items():
            train_cases = [c for c in gold_v if c != case]
            cells = {(c, el): gold_v[c][el] for c in train_cases for el in ELEMENTS}
            source = gold_all if fit_on == "gold" else oof_rows(fold["oof"])
            bal = balance_rows(source, train_cases, mode if fit_on == "predicted" else "hard")
            bal = bal if mode != "adjusted" else balance_rows(gold_all, train_cases, "hard")
            t = (fit_thresholds if cutoffs == "shared" else fit_element_thresholds)(bal, cells)
            held = balance_rows(pred_rows(fold), [case], "hard" if mode == "adjusted" else mode)
            if mode == "adjusted":  # source-weighted counts, adjusted for the fold model's stance confusion
                t.confusion = fold["confusion"]
                held = balance_rows(counts(pred_rows(fold)), [case], "hard")
                held = {k: (*adjusted_balance(p, n, t.confusion.get(k[1])), m) for k, (p, n, m) in held.items()}
            for el in ELEMENTS:
                status = t.status(*held[(case, el)], el)[0]
                if status == gold_v[case][el]:
                    agree += 1
                else:
                    wrong.append(f"{case[:8]}/{el[:5]} {status}≠{gold_v[case][el]}")
        lines.append(f"| {mode} | {fit_on} | {cutoffs} | {agree / 30:.3f} | {'; '.join(wrong)} |")
        print(lines[-1], flush=True)
    lines += ["", f"Source weights: {SOURCE_WEIGHT}.", ""]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
