"""Human reference for the classifier's quality bars.

The double-coded samples (annotations/double_coding/) are scored with the very
metric the classifier is held to (`train.scores`: element macro-F1 over
passages, stance accuracy, obstacle-code micro-F1), treating one coding as the
"gold" and another as the "prediction":

- coder A against coder B (the metrics are symmetric, so one direction suffices;
  `score_codings` is tested for that);
- each coder against the adjudicated reference of the round (rounds 1-4): the two
  coders' common label where they agreed, the adjudicator's where they disagreed
  on elements, stance or case. Passages where the coders agreed on those but not
  on the obstacle codes were never adjudicated: they count for elements and stance
  but are left out of the obstacle figure against the adjudicated reference;
- each coder against the current gold (annotations/passages.jsonl, what the model
  is scored against; coder A's labels after adjudication and consistency passes,
  so coder A's figure is not independent of it, and in round 5 the gold is coder A).

Run: `python evaluation/human_ceiling.py` (writes evaluation/human_ceiling.md and .json).
"""

from __future__ import annotations

import json
from pathlib import Path

from pipeline.classify.model import Example
from pipeline.classify.train import scores
from pipeline.data import ELEMENTS

METRICS = ("element_macro_f1", "stance_accuracy", "obstacle_micro_f1")


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def score_codings(gold: list[dict], pred: list[dict]) -> dict:
    """`train.scores` of coding `pred` against coding `gold` (rows with id, elements, stance, obstacles),
    matched by id. A coding has no probabilities, so the calibration error is dropped. Rows of `gold`
    with `"obstacles": None` are left out of the obstacle figure only."""
    by_id = {r["id"]: r for r in pred}
    pairs = [(g, by_id[g["id"]]) for g in gold if g["id"] in by_id]
    if not pairs:
        raise ValueError("the two codings share no passage ids")

    def as_example(r: dict) -> Example:
        return Example(text="", elements=list(r["elements"]), stance=r["stance"], obstacles=list(r["obstacles"] or []))

    def as_pred(r: dict) -> dict:
        return {"elements": list(r["elements"]), "stance": r["stance"], "obstacles": list(r["obstacles"] or []),
                "scores": {el: float(el in r["elements"]) for el in ELEMENTS}}

    out = scores([as_example(g) for g, _ in pairs], [as_pred(p) for _, p in pairs])
    out.pop("element_ece")
    known = [(g, p) for g, p in pairs if g["obstacles"] is not None]
    if len(known) < len(pairs):
        out["obstacle_micro_f1"] = scores([as_example(g) for g, _ in known], [as_pred(p) for _, p in known])[
            "obstacle_micro_f1"] if known else None
        out["n_obstacle"] = len(known)
    return out


def adjudicated_reference(coder_a: list[dict], coder_b: list[dict], adjudicated: list[dict]) -> list[dict]:
    """The round's reference coding: the adjudicator's label for the passages the coders disagreed on
    (elements, stance or case), the common label elsewhere; obstacles None where the coders agreed on
    everything but the obstacle codes (never adjudicated)."""
    adj = {r["id"]: r for r in adjudicated}
    b = {r["id"]: r for r in coder_b}
    out = []
    for ra in coder_a:
        rb = b.get(ra["id"])
        if rb is None:
            continue
        if ra["id"] in adj:
            r = adj[ra["id"]]
            out.append({"id": r["id"], "elements": r["elements"], "stance": r["stance"], "obstacles": r["obstacles"]})
            continue
        if (sorted(ra["elements"]), ra["stance"], ra["case"]) != (sorted(rb["elements"]), rb["stance"], rb["case"]):
            raise ValueError(f"{ra['id']}: the coders disagree but the passage was not adjudicated")
        same_obstacles = sorted(ra["obstacles"]) == sorted(rb["obstacles"])
        out.append({"id": ra["id"], "elements": ra["elements"], "stance": ra["stance"],
                    "obstacles": ra["obstacles"] if same_obstacles else None})
    return out


def rounds(double_coding: Path) -> list[int]:
    return sorted(int(p.stem.rsplit("round", 1)[1]) for p in double_coding.glob("coder_a_round*.jsonl")
                  if (double_coding / p.name.replace("coder_a", "coder_b")).exists())


def human_ceiling(annotations: Path) -> dict:
    """Per round and pooled: A vs B, each coder vs the adjudicated reference and vs the current gold."""
    dc = annotations / "double_coding"
    gold = {r["id"]: r for r in _read(annotations / "passages.jsonl")}
    result: dict = {"rounds": {}, "pooled": {}}
    pooled: dict[str, tuple[list, list]] = {}

    def add(name: str, ref: list[dict], pred: list[dict]) -> dict:
        g, p = pooled.setdefault(name, ([], []))
        g += ref
        p += pred
        return score_codings(ref, pred)

    for k in rounds(dc):
        a = _read(dc / f"coder_a_round{k}.jsonl")
        b = _read(dc / f"coder_b_round{k}.jsonl")
        cur = [gold[r["id"]] for r in a if r["id"] in gold]
        res = {"n": len(a), "A_vs_B": add("A_vs_B", a, b), "A_vs_gold": add("A_vs_gold", cur, a),
               "B_vs_gold": add("B_vs_gold", cur, b)}
        adj_path = dc / f"adjudicated_round{k}.jsonl"
        if adj_path.exists():
            ref = adjudicated_reference(a, b, _read(adj_path))
            res["adjudicated"] = True
            res["A_vs_adjudicated"] = add("A_vs_adjudicated", ref, a)
            res["B_vs_adjudicated"] = add("B_vs_adjudicated", ref, b)
        else:
            res["adjudicated"] = False
        result["rounds"][k] = res
    for name, (g, p) in pooled.items():
        result["pooled"][name] = score_codings(g, p)
    return result


COMPARISONS = [("A_vs_B", "coder A vs coder B"), ("A_vs_adjudicated", "coder A vs adjudicated"),
               ("B_vs_adjudicated", "coder B vs adjudicated"), ("A_vs_gold", "coder A vs current gold (not independent)"),
               ("B_vs_gold", "coder B vs current gold")]


def markdown(r: dict, model: dict | None = None, bars: dict | None = None) -> str:
    lines = ["# Human reference for the classifier bars", "",
             "Written by `python evaluation/human_ceiling.py` (pipeline/quality/human_ceiling.py); do not edit by hand.",
             "Each double-coded sample is scored with the classifier's own metric (`pipeline/classify/train.py: scores`): "
             "element macro-F1 over passages (F1 per element over all passages of the sample, mean of the five), "
             "stance accuracy (3 classes), obstacle-code micro-F1. All three are symmetric, so A-vs-B needs one direction.",
             "", "References: *adjudicated* = the coders' common label, the adjudicator's where they disagreed on "
             "elements, stance or case (rounds 1-4; round 5 is not adjudicated). Obstacle-only disagreements were never "
             "adjudicated and are left out of the obstacle figure against it (n_ob). *current gold* = "
             "annotations/passages.jsonl as the model sees it (coder A's labels after adjudication and consistency passes: "
             "coder A vs it is not an independent figure, and in round 5 it *is* coder A).", "",
             "Reading: the adjudicator sided with coder B in most disagreements (the `decision` field of the "
             "adjudicated files), so coder B vs adjudicated/current gold in rounds 1-4 is high by construction, not "
             "an independent agreement figure. The independent figures are coder A vs coder B (every round) and "
             "coder B vs current gold in round 5. Outside the double-coded samples the gold is coder A's single coding; "
             "coder A scores about the 'coder A vs adjudicated' row against an adjudicated standard, which bounds "
             "what a perfect model can score against that part of the gold.", ""]
    head = "| comparison | n | n_ob | element macro-F1 | " + " | ".join(f"F1 {e}" for e in ELEMENTS) + \
        " | stance acc. | obstacle micro-F1 |"
    sep = "|---|---|---|---|" + "---|" * len(ELEMENTS) + "---|---|"

    def row(label: str, s: dict) -> str:
        ob = s["obstacle_micro_f1"]
        return (f"| {label} | {s['n']} | {s.get('n_obstacle', s['n'])} | {s['element_macro_f1']:.3f} | "
                + " | ".join(f"{s['f1_' + e]:.3f}" for e in ELEMENTS)
                + f" | {s['stance_accuracy']:.3f} | {'—' if ob is None else f'{ob:.3f}'} |")

    lines += ["## Pooled over all rounds", "", head, sep]
    for key, label in COMPARISONS:
        if key in r["pooled"]:
            lines.append(row(label, r["pooled"][key]))
    if model:
        lines.append(row(f"model {model.get('name', '')} (LOCO over all passages, from its card)", model))
    if bars:
        lines += ["", "Bars: " + ", ".join(f"{k} >= {v}" for k, v in bars.items()) + "."]
    for k, res in r["rounds"].items():
        lines += ["", f"## Round {k} ({res['n']} passages{'' if res['adjudicated'] else ', not adjudicated'})", "", head, sep]
        for key, label in COMPARISONS:
            if key in res:
                lines.append(row(label, res[key]))
    return "\n".join(lines) + "\n"


def write(annotations: Path, out_dir: Path, model: dict | None = None, bars: dict | None = None) -> dict:
    r = human_ceiling(annotations)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "human_ceiling.json").write_text(json.dumps(r, indent=1) + "\n", encoding="utf-8")
    (out_dir / "human_ceiling.md").write_text(markdown(r, model, bars), encoding="utf-8")
    return r
