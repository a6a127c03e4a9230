"""Decision-rule variants on the real pairs, and the in-corpus figures per group of cases.

    python evaluation/rule_variants.py --real ../shared/realdev

1. The main job's stages run once over the real pairs with the shipped model (as `sistercity evaluate --real`);
   the verdicts are then re-aggregated under variants of the verdict rules: the shipped rules, the probability
   reading's floor (`soft_floor`) from 0.05 to 1.0 and off, a one-off visit or signing told by news counted as an
   account (`news_events_announced=False`), and the stated obstacles off.
2. The sentence stance accuracy when the positive and obstacle log-probabilities are raised by an offset
   (0 to 1.0) before the arg-max: whether the stance figure is a threshold or a ranking problem.
3. From evaluation/results.json (`sistercity evaluate`): the classifier and verdict figures of the first six cases,
   the round-2 and the round-3 cases, as means over each group's cases (stance also pooled).
Writes evaluation/rule_variants.md and .json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
from pathlib import Path

import numpy as np

from pipeline.paths import PROJECT_DIR

GROUPS = {
    "first six": ["karangsari-seokjin", "tanjungwaru-aldenbruck", "pasirlaut-xilanzhou", "wirapura-asakuni",
                  "lembahsari-portardley", "muarakencana-oostervaart"],
    "round 2": ["sungaibening-norrvik", "telukamara-calabara", "randuagung-cheonmae", "kualadewa-karacam",
                "watugede-hinokawa", "tanjungpalma-kellerton"],
    "round 3": ["sukalaya-hartwick", "bandarpesisir-kualasetia", "lintangraya-ebersfeld", "nusaraja-marlowe",
                "sungaiemas-thanhlam", "batusari-minamiura"],
    "round 4": ["tirtamulya-holmvik", "ranuasri-valdorso", "sekarwangi-daejin", "bukitlayang-sanisidro",
                "padangrimba-wrenfield", "teluksirih-yalikoy"],
    "round 5": ["lubukjaya-carrowmore", "wanasari-aokizawa", "tanjungkeling-puertoalcala", "sungaitebu-serilantau",
                "rantaubiru-holzbrunnen", "selatmulia-portalderney"],
}
STANCES = ("positive", "obstacle", "neutral")


def real_variants(real: Path) -> dict:
    from pipeline.quality.real import (
        _normalised,
        locate,
        obstacle_recall,
        overlapping_passage,
        pooled_obstacle_recall,
        stage_pairs,
        verdict_figures,
        verdict_rows,
    )
    from pipeline.stages import aggregate_stage

    staged = stage_pairs(real)
    pairs, documents, cases, slugs, shipped = staged.pairs, staged.documents, staged.cases, staged.slugs, \
        staged.thresholds
    variants = {"shipped rules": {}, **{f"soft_floor {f:g}": {"soft_floor": f} for f in (0.05, 0.1, 0.2, 0.5, 1.0)},
                "no probability reading (soft_floor None)": {"soft_floor": None},
                "news events as accounts": {"news_events_announced": False},
                "no stated obstacles": {"stated_obstacles": False}}
    verdicts_out = {}
    for name, change in variants.items():
        verdicts = aggregate_stage(documents, slugs, dataclasses.replace(shipped, **change), cases=cases)
        rows = [r for p in pairs for r in verdict_rows(p, verdicts)]
        figures = verdict_figures(rows)
        verdicts_out[name] = {"exact": figures["exact"], "within_one": figures["within_one"],
                              "obstacle_code_recall": pooled_obstacle_recall({p.slug: obstacle_recall(p, verdicts)
                                                                               for p in pairs})}
    by_pair: dict[str, dict] = {}
    for d in documents:
        by_pair.setdefault(Path(d.path).parent.name, {})[d.source] = d
    gold, scores = [], []
    for pair in pairs:
        for s in pair.sentences:
            doc = by_pair.get(pair.slug, {}).get(s["file"])
            where = locate(s["text"], _normalised(doc.text)) if doc else None
            passage = overlapping_passage(doc, *where) if where else None
            if passage is None:
                continue
            gold.append(s["stance"])
            scores.append([passage.stance_scores.get(k, 0.0) for k in STANCES])
    logp, gold_a = np.log(np.array(scores) + 1e-9), np.array(gold)
    offsets = {}
    for b in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
        pred = np.array(STANCES)[(logp + np.array([b, b, 0.0])).argmax(1)]
        offsets[f"{b:g}"] = {"stance_accuracy": round(float(np.mean(pred == gold_a)), 4),
                             "predicted_evidence": int((pred != "neutral").sum())}
    return {"model": staged.model, "verdicts": verdicts_out, "stance_offsets": offsets,
            "sentences": len(gold)}


def group_figures(results: Path | dict) -> dict:
    """Per group of cases, from results.json (a path) or the results themselves (evaluate_classifier_and_verdicts)."""
    r = json.loads(results.read_text(encoding="utf-8")) if isinstance(results, Path) else results
    per_case, cells = r["classifier"]["per_case"], r["verdicts"]["per_case"]
    out = {}
    for name, cases in GROUPS.items():
        cases = [c for c in cases if c in per_case]
        if not cases:
            continue
        n = sum(per_case[c]["n"] for c in cases)
        g = {k: round(statistics.mean(per_case[c][k] for c in cases), 4)
             for k in ("stance_accuracy", "element_macro_f1", "obstacle_micro_f1")}
        g["stance_accuracy_pooled"] = round(sum(per_case[c]["stance_accuracy"] * per_case[c]["n"] for c in cases) / n, 4)
        for key in ("predicted", "evidence_status", "oracle"):
            hits = [cells[c][e][key] == cells[c][e]["gold"] for c in cases for e in cells[c]]
            g[f"verdicts_{key}"] = round(sum(hits) / len(hits), 4)
        out[name] = g
    return out


def render(res: dict) -> str:
    lines = ["# Decision-rule variants on the real pairs; in-corpus figures per group", "",
             "Written by `python evaluation/rule_variants.py --real ../shared/realdev`.", ""]
    if "real" in res:
        r = res["real"]
        lines += [f"## Verdict rules on the real pairs ({r['model']})", "",
                  "| rules | verdicts exact | within one | obstacle code recall |", "|---|---|---|---|"]
        for name, v in r["verdicts"].items():
            lines.append(f"| {name} | {v['exact']:.3f} | {v['within_one']:.3f} | {v['obstacle_code_recall']:.3f} |")
        lines += ["", f"## Stance decision offsets on the real sentences ({r['sentences']} sentences)", "",
                  "| offset added to positive and obstacle log-probabilities | stance accuracy | sentences read as evidence |",
                  "|---|---|---|"]
        lines.insert(-3, "Offset 0 is the arg-max of the stored stance probabilities; the shipped decision adds the "
                         "model's own tuned offsets (its accuracy is in evaluation/REAL.md).")
        lines.insert(-3, "")
        for b, v in r["stance_offsets"].items():
            lines.append(f"| {b} | {v['stance_accuracy']:.3f} | {v['predicted_evidence']} |")
        lines.append("")
    lines += ["## In-corpus figures per group of cases (evaluation/results.json, means over the group's cases)", "",
              "| group | stance (mean / pooled) | element macro-F1 | obstacle micro-F1 | verdicts | evidence only | oracle |",
              "|---|---|---|---|---|---|---|"]
    for name, g in res["groups"].items():
        lines.append(f"| {name} | {g['stance_accuracy']:.3f} / {g['stance_accuracy_pooled']:.3f} | "
                     f"{g['element_macro_f1']:.3f} | {g['obstacle_micro_f1']:.3f} | {g['verdicts_predicted']:.3f} | "
                     f"{g['verdicts_evidence_status']:.3f} | {g['verdicts_oracle']:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path)
    ap.add_argument("--results", type=Path, default=PROJECT_DIR / "evaluation" / "results.json")
    ap.add_argument("--out", type=Path, default=PROJECT_DIR / "evaluation")
    args = ap.parse_args()
    res: dict = {"groups": group_figures(args.results)}
    if args.real:
        res["real"] = real_variants(args.real)
    (args.out / "rule_variants.json").write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    (args.out / "rule_variants.md").write_text(render(res), encoding="utf-8")
    print(render(res))


if __name__ == "__main__":
    main()
