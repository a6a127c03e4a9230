"""Fitting the verdict cut-offs to gold verdicts: the harness that chose the shipped `Thresholds`
(evaluation/verdict_experiments.py, `sistercity evaluate`). The decision rules themselves are
`pipeline.aggregate.verdicts`; nothing in the pipeline fits thresholds at run time."""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from pipeline.aggregate.verdicts import SOURCE_WEIGHT, Thresholds
from pipeline.data import ELEMENTS


def _cell(balance: tuple) -> tuple:
    """(pos, neg, n, element=None, profile) from a balance (pos, neg, n) or (pos, neg, n, profile)."""
    return (*balance[:3], None, balance[3] if len(balance) > 3 else None)


def fit_thresholds(balances: dict[tuple[str, str], tuple], gold: dict[tuple[str, str], str], *,
                   prior_floor: bool = True, codebook_rules: bool = False) -> Thresholds:
    """The cut-offs that best reproduce `gold` verdicts from evidence balances
    (for, against, passages[, profile]) per (case, element); ties go to symmetric cut-offs, then
    to the default evidence floor (`Thresholds().min_weight`, `.min_passages`: "the documents
    hardly speak about the element" = not one account of it). The floor is only learnable
    from training cells judged insufficient_evidence; without one every floor ties, and the
    smallest would let two passages carry a verdict."""
    best, best_key = Thresholds(), None
    default = Thresholds()
    for hi in [x / 20 for x in range(2, 19)]:
        for lo in [-x / 20 for x in range(1, 19)]:
            for min_weight in (0.3, 0.5, 1.0, 2.0, 3.0, 5.0):
                for min_passages in (1, 2, 3, 5):
                    t = Thresholds(hi, lo, min_weight, min_passages, codebook_rules=codebook_rules)
                    hits = sum(t.status(*_cell(balances[k]))[0] == g for k, g in gold.items() if k in balances)
                    floor_gap = (abs(min_weight - default.min_weight), abs(min_passages - default.min_passages))
                    key = (hits, -abs(hi + lo), *(-x for x in floor_gap)) if prior_floor else (hits, -abs(hi + lo), -min_weight)
                    if best_key is None or key > best_key:
                        best, best_key = t, key
    return best


def fit_element_thresholds(balances: dict[tuple[str, str], tuple], gold: dict[tuple[str, str], str],
                           *, always: bool = False, step: float = 0.05, **fit) -> Thresholds:
    """`fit_thresholds`, then for each element its own (fulfilled, not_fulfilled) cut-offs: a
    classifier's evidence is biased differently per element (it finds commitment obstacles more
    readily than commitment successes), so shared cut-offs fitted on its predicted labels misplace
    some elements. Among the cut-offs that reproduce the most cells of an element, the centre of
    that set is taken (the widest margin to the cells on either side). By default an element gets its
    own cut-offs only when they reproduce more of its cells than the shared ones; with `always`, every
    element with three or more cells gets the centre of its best set (on a grid of `step`)."""
    base = fit_thresholds(balances, gold, **fit)
    per: dict[str, tuple[float, float]] = {}
    n_steps = round(1 / step)
    his = [x / n_steps for x in range(-n_steps + 1, n_steps)]
    for el in ELEMENTS:
        keys = [k for k in gold if k[1] == el and k in balances]
        if len(keys) < 3:
            continue
        scored = []
        for hi in his:
            for lo in [x for x in his if x < hi]:
                t = Thresholds(hi, lo, base.min_weight, base.min_passages, codebook_rules=base.codebook_rules)
                scored.append((sum(t.status(*_cell(balances[k]))[0] == gold[k] for k in keys), hi, lo))
        top = max(s[0] for s in scored)
        shared = sum(base.status(*_cell(balances[k]))[0] == gold[k] for k in keys)
        if top <= shared and not always:
            continue
        best = [s for s in scored if s[0] == top]
        per[el] = (round(float(np.median([s[1] for s in best])), 3), round(float(np.median([s[2] for s in best])), 3))
    base.per_element = per
    return base


def soft_weights(scores: dict, stance_scores: dict, element: str, doc_type: str | None) -> tuple[float, float]:
    """(for, against) of one passage without hard labels: P(element) x source weight, split between
    for and against in proportion to P(positive) and P(obstacle)."""
    pos, neg = stance_scores.get("positive", 0.0), stance_scores.get("obstacle", 0.0)
    if pos + neg <= 0:
        return 0.0, 0.0
    w = scores.get(element, 0.0) * SOURCE_WEIGHT.get(doc_type, 0.8)
    return w * pos / (pos + neg), w * neg / (pos + neg)


def balance_rows(rows: list[dict], cases: list[str], mode: str = "hard") -> dict[tuple[str, str], tuple]:
    """(for, against, passages, profile) per (case, element) from passage rows (dicts with case, doc_type,
    stance, elements, scores, stance_scores; optionally doc and side): gold labels (scores 1.0) or a
    classifier's predictions. "hard": only passages labelled with the element and a non-neutral stance
    count, weighted as in `passage_weight`; "soft": every passage of the case counts with its
    probabilities (`soft_weights`). The passage count and the profile (`evidence_profile`: documents and
    sides of the positive evidence; None when the rows carry no doc) are the hard-labelled evidence."""
    out = {}
    wanted = set(cases)
    by_case: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        if r["case"] in wanted:
            by_case[r["case"]].append(r)
    for case in cases:
        for el in ELEMENTS:
            pos = neg = 0.0
            n = 0
            pos_docs, pos_sides, has_doc = set(), set(), False
            for r in by_case[case]:
                labelled = el in r["elements"] and r["stance"] in {"positive", "obstacle"}
                n += labelled
                if labelled and r["stance"] == "positive" and "doc" in r:
                    has_doc = True
                    pos_docs.add(r["doc"])
                    if r.get("side"):
                        pos_sides.add(r["side"])
                if mode == "soft":
                    a, b = soft_weights(r["scores"], r["stance_scores"], el, r.get("doc_type"))
                    pos, neg = pos + a, neg + b
                elif labelled:
                    w = r["scores"].get(el, 1.0) * r["stance_scores"].get(r["stance"], 1.0) \
                        * SOURCE_WEIGHT.get(r.get("doc_type"), 0.8)
                    pos, neg = (pos + w, neg) if r["stance"] == "positive" else (pos, neg + w)
            profile = {"pos_docs": len(pos_docs), "pos_sides": pos_sides} if has_doc else None
            out[(case, el)] = (pos, neg, n, profile)
    return out
