"""Error analysis of the passage classifier, leave-one-case-out.

Run: nice .venv/bin/python evaluation/error_analysis.py [--out evaluation/error_analysis.md]

Looks at: labels per element and per case; precision vs recall per element;
how much of the element error comes from the stance gate (element F1 with the
gold stance as the gate, and on gold evidence passages only); the fixed 0.5
cut-off against the best cut-off (an upper bound, fitted on the held-out
predictions themselves, so it says whether the decision rule is the problem,
not what to expect); the stance confusion matrix.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]

from pipeline.classify.model import PassageClassifier  # noqa: E402
from pipeline.classify.train import doc_case, load_examples  # noqa: E402
from pipeline.data import ELEMENTS, STANCES  # noqa: E402


def prf(y, p):
    tp = int((y & p).sum())
    fp = int((~y & p).sum())
    fn = int((y & ~p).sum())
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / (tp + fn) if tp + fn else 0.0
    return pr, rc, (2 * pr * rc / (pr + rc) if pr + rc else 0.0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "evaluation" / "error_analysis.md")
    args = ap.parse_args()
    ex = load_examples(ROOT / "annotations" / "passages.jsonl")
    groups = np.array([doc_case(e.doc) for e in ex])
    n = len(ex)
    cond = np.zeros((n, len(ELEMENTS)))
    st_p = np.zeros((n, 3))
    st_pred = np.empty(n, dtype=object)
    classes = None
    for case in sorted(set(groups)):
        tr = [e for e, g in zip(ex, groups) if g != case]
        te_idx = np.where(groups == case)[0]
        m = PassageClassifier().fit(tr)
        X = m.vectorizer_.transform([ex[i] for i in te_idx])
        cond[te_idx] = np.column_stack([c.predict_proba(X)[:, 1] for c in m.elements_])
        classes = list(m.stance_.classes_)
        st_p[te_idx] = m.stance_.predict_proba(X)
        st_pred[te_idx] = [classes[k] for k in st_p[te_idx].argmax(1)]
    Y = np.array([[el in e.elements for el in ELEMENTS] for e in ex])
    gold_st = np.array([e.stance for e in ex])
    ev_gold = gold_st != "neutral"
    ev_pred = st_pred != "neutral"

    def decide(gate, thr):
        P = (cond >= thr) & gate[:, None]
        none = gate & ~P.any(1)
        P[none, cond[none].argmax(1)] = True
        return P

    L = ["# Classifier error analysis (leave-one-case-out)", "",
         "Written by `nice .venv/bin/python evaluation/error_analysis.py`; model configuration: "
         "PassageClassifier() defaults (the passage_clf.v3 configuration).", "",
         "## Labels per held-out case", "",
         "| case | n | neutral | positive | obstacle | " + " | ".join(ELEMENTS) + " |",
         "|---|---|---|---|---|" + "---|" * len(ELEMENTS)]
    for case in sorted(set(groups)):
        m = groups == case
        st = Counter(gold_st[m])
        L.append(f"| {case} | {m.sum()} | {st['neutral']} | {st['positive']} | {st['obstacle']} | "
                 + " | ".join(str(int(Y[m, j].sum())) for j in range(len(ELEMENTS))) + " |")
    L += ["", "## Element precision / recall (pooled over the six held-out cases)", "",
          "Gates: `pred` = the shipped rule (elements only where predicted stance is not neutral, cut-off 0.5 on "
          "P(element | evidence), at least one element); `gold` = the same with the gold stance as the gate; "
          "`gold-ev` = only the gold evidence passages scored.", "",
          "| element | P (pred gate) | R (pred gate) | F1 (pred gate) | F1 (gold gate) | F1 gold-ev only | "
          "best cut-off on gold-ev (upper bound) | F1 there |", "|---|---|---|---|---|---|---|---|"]
    P_pred = decide(ev_pred, 0.5)
    P_gold = decide(ev_gold, 0.5)
    f_pred, f_gold, f_ev = [], [], []
    for j, el in enumerate(ELEMENTS):
        pr, rc, f1 = prf(Y[:, j], P_pred[:, j])
        f2 = prf(Y[:, j], P_gold[:, j])[2]
        f3 = prf(Y[ev_gold, j], P_gold[ev_gold, j])[2]
        best = max((prf(Y[ev_gold, j], cond[ev_gold, j] >= t)[2], t) for t in np.arange(0.05, 0.95, 0.05))
        f_pred.append(f1)
        f_gold.append(f2)
        f_ev.append(f3)
        L.append(f"| {el} | {pr:.3f} | {rc:.3f} | {f1:.3f} | {f2:.3f} | {f3:.3f} | {best[1]:.2f} | {best[0]:.3f} |")
    L.append(f"| **macro** | | | {np.mean(f_pred):.3f} | {np.mean(f_gold):.3f} | {np.mean(f_ev):.3f} | | |")
    L += ["", "## Stance confusion (rows gold, columns predicted)", "",
          "| gold \\ pred | " + " | ".join(STANCES) + " |", "|---|" + "---|" * 3]
    for g in STANCES:
        L.append(f"| {g} | " + " | ".join(str(int(((gold_st == g) & (st_pred == p)).sum())) for p in STANCES) + " |")
    L.append("")
    L.append(f"Stance accuracy {np.mean(gold_st == st_pred):.3f}; evidence vs neutral accuracy "
             f"{np.mean(ev_gold == ev_pred):.3f}; positive vs obstacle accuracy on gold evidence predicted as evidence "
             f"{np.mean(gold_st[ev_gold & ev_pred] == st_pred[ev_gold & ev_pred]):.3f}.")
    L += ["", "## Stance accuracy per document type", "", "| doc type | n | accuracy |", "|---|---|---|"]
    types = np.array([e.doc_type for e in ex])
    for t in sorted(set(types)):
        m = types == t
        L.append(f"| {t} | {m.sum()} | {np.mean(gold_st[m] == st_pred[m]):.3f} |")
    L += ["", "## Element label cardinality on gold evidence", "",
          f"Elements per evidence passage: {dict(sorted(Counter(Y[ev_gold].sum(1)).items()))}; "
          f"predicted (gold gate, cut-off 0.5): {dict(sorted(Counter(P_gold[ev_gold].sum(1)).items()))}.", ""]
    args.out.write_text("\n".join(L) + "\n", encoding="utf-8")
    print("\n".join(L))


if __name__ == "__main__":
    main()
