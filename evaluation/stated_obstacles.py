"""How good are the stated obstacles (pipeline/aggregate/obstacles.py)?

    python evaluation/stated_obstacles.py [--real ../shared/realdev]

1. On the corpus's gold passages (annotations/passages.jsonl, coder A; the gold stance stands in for the
   classifier's "obstacle passage" flag): of the (passage, code) pairs the rule states, the share the coders
   gave that passage (precision), and per case the stated codes that are none of the case's gold codes.
2. With --real: the obstacle code recall of `sistercity evaluate --real` (the main job's stages with the
   shipped model) with the stated obstacles on and off.
Writes evaluation/stated_obstacles.md and .json.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections import Counter, defaultdict
from pathlib import Path

from pipeline.aggregate.obstacles import stated_obstacles
from pipeline.aggregate.verdicts import BACKGROUND_CUES
from pipeline.data import Passage
from pipeline.paths import PROJECT_DIR


def corpus_figures(passages_jsonl: Path) -> dict:
    rows = [json.loads(line) for line in passages_jsonl.open(encoding="utf-8")]
    rows = [r for r in rows if r.get("coder", "A") == "A"]
    passages, gold = [], {}
    for i, r in enumerate(rows):
        p = Passage(doc=r["doc"], page=1, start=i, end=i, text=r["text"], stance=r["stance"], elements=r["elements"])
        passages.append(p)
        gold[i] = set(r["obstacles"])
    stated = {(s.passage.start, s.code) for s in stated_obstacles(p for p in passages if not BACKGROUND_CUES.search(p.text))}
    right = sum(code in gold[i] for i, code in stated)
    wrong = Counter(code for i, code in stated if code not in gold[i])
    case_gold, case_stated = defaultdict(set), defaultdict(set)
    for r in rows:
        case_gold[r["doc"].split("/")[0]] |= set(r["obstacles"])
    for i, code in stated:
        case_stated[rows[i]["doc"].split("/")[0]].add(code)
    outside = {c: sorted(case_stated[c] - case_gold[c]) for c in sorted(case_stated) if case_stated[c] - case_gold[c]}
    gold_obstacle_passages = sum(r["stance"] == "obstacle" and bool(r["obstacles"]) for r in rows)
    return {"passages": len(rows), "stated_pairs": len(stated), "precision": round(right / len(stated), 4) if stated else None,
            "wrong_by_code": dict(sorted(wrong.items(), key=lambda kv: (-kv[1], kv[0]))), "case_codes_stated": sum(len(v) for v in case_stated.values()),
            "case_codes_outside_gold": outside, "gold_obstacle_passages_with_codes": gold_obstacle_passages}


def real_figures(real: Path) -> dict:
    from pipeline.quality.real import obstacle_recall, pooled_obstacle_recall, stage_pairs
    from pipeline.stages import aggregate_stage

    staged = stage_pairs(real)
    out = {"model": staged.model}
    for name, on in (("with_stated", True), ("without_stated", False)):
        verdicts = aggregate_stage(staged.documents, staged.slugs,
                                   dataclasses.replace(staged.thresholds, stated_obstacles=on), cases=staged.cases)
        per = {p.slug: obstacle_recall(p, verdicts) for p in staged.pairs}
        out[name] = {"recall": pooled_obstacle_recall(per), "per_pair": {k: v for k, v in per.items() if v["gold"]}}
    return out


def render(res: dict) -> str:
    c = res["corpus"]
    lines = ["# Stated obstacles: how often right", "",
             "Written by `python evaluation/stated_obstacles.py --real ../shared/realdev`. The rule: "
             "pipeline/aggregate/obstacles.py (README, \"How the verdict is reached\").", "",
             "## On the corpus's gold passages", "",
             f"{c['stated_pairs']} (passage, code) pairs stated over {c['passages']} gold passages; "
             f"precision against the coders' codes for that passage: **{c['precision']:.3f}** "
             "(the gold stance stands in for the classifier's obstacle flag; the cue lexicon was written from the "
             "codebook, not fitted to these labels, but it is the same codebook the labels follow, so this is "
             "an in-domain figure).", "",
             f"Wrong pairs by code: {c['wrong_by_code']}.", "",
             f"Per case, {c['case_codes_stated']} distinct codes stated; those that are none of the case's gold "
             f"codes: {c['case_codes_outside_gold'] or 'none'}.", ""]
    r = res.get("real")
    if r:
        lines += ["## On the real pairs (obstacle code recall, `sistercity evaluate --real` figure)", "",
                  f"Model {r['model']}: with stated obstacles **{r['with_stated']['recall']:.3f}**, without "
                  f"{r['without_stated']['recall']:.3f}.", "",
                  "| pair | gold codes | found with | found without |", "|---|---|---|---|"]
        for pair, v in r["with_stated"]["per_pair"].items():
            w = r["without_stated"]["per_pair"][pair]
            lines.append(f"| {pair} | {', '.join(v['gold'])} | {', '.join(v['found']) or '–'} | "
                         f"{', '.join(w['found']) or '–'} |")
        lines += ["", "The rule was written with the realdev error analysis in view (evaluation/real_errors.md, "
                  "OBS and CON kinds), so this set flatters it; the pairs kept apart are its test."]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path)
    ap.add_argument("--out", type=Path, default=PROJECT_DIR / "evaluation")
    args = ap.parse_args()
    res = {"corpus": corpus_figures(PROJECT_DIR / "annotations" / "passages.jsonl")}
    if args.real:
        res["real"] = real_figures(args.real)
    (args.out / "stated_obstacles.json").write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    (args.out / "stated_obstacles.md").write_text(render(res), encoding="utf-8")
    print(json.dumps({"precision": res["corpus"]["precision"],
                      "real_recall": {k: res["real"][k]["recall"] for k in ("with_stated", "without_stated")}
                      if args.real else None}))


if __name__ == "__main__":
    main()
