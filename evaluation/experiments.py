"""Model comparison for the passage classifier, leave-one-case-out.

Run: nice .venv/bin/python evaluation/experiments.py [--out evaluation/model_comparison.md]

Featurisation is fitted on the five training cases of each fold only and cached
per fold (in /tmp, keyed by the data hash), so each configuration costs only
the model fits. Every figure is on the held-out case, pooled over the six folds.
Cut-offs marked "inner-CV" are chosen by leave-one-case-out inside the five
training cases of each fold (the held-out case is never seen).
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
import time
from pathlib import Path

import numpy as np
from scipy.sparse import hstack

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.classify.train import doc_case, load_examples  # noqa: E402
from pipeline.data import ELEMENTS  # noqa: E402

DATA = ROOT / "annotations" / "passages.jsonl"


def blocks_for_fold(train, test):
    from sklearn.feature_extraction.text import TfidfVectorizer

    out = {}
    f_tr, f_te = [e.features() for e in train], [e.features() for e in test]
    t_tr, t_te = [e.text for e in train], [e.text for e in test]
    specs = {
        "word": (TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True), f_tr, f_te),
        "word1": (TfidfVectorizer(ngram_range=(1, 1), min_df=1, sublinear_tf=True), f_tr, f_te),
        "char": (TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=60000,
                                 sublinear_tf=True), f_tr, f_te),
        "chartext": (TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=60000,
                                     sublinear_tf=True), t_tr, t_te),
    }
    for name, (vec, a, b) in specs.items():
        vec.fit(a)
        out[name] = (vec.transform(a), vec.transform(b))
    ctx = TfidfVectorizer(min_df=2, sublinear_tf=True).fit([f"{e.before} {e.after}" for e in train])
    out["before"] = (ctx.transform([e.before for e in train]), ctx.transform([e.before for e in test]))
    out["after"] = (ctx.transform([e.after for e in train]), ctx.transform([e.after for e in test]))
    return out


def folds(examples):
    groups = np.array([doc_case(e.doc) for e in examples])
    key = hashlib.sha256(DATA.read_bytes() + Path(__file__).read_bytes()[:0]).hexdigest()[:12]
    cache = Path(f"/tmp/sc_exp_folds_{key}.pkl")
    if cache.exists():
        return groups, pickle.loads(cache.read_bytes())
    out = {}
    for case in sorted(set(groups)):
        tr = np.where(groups != case)[0]
        te = np.where(groups == case)[0]
        out[case] = (tr, te, blocks_for_fold([examples[i] for i in tr], [examples[i] for i in te]))
    cache.write_bytes(pickle.dumps(out))
    return groups, out


def stack(blocks, spec, part):
    mats = []
    for name, w in spec:
        mats.append(w * blocks[name][part])
    return hstack(mats).tocsr()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "evaluation" / "model_comparison.md")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    ex = load_examples(DATA)
    groups, F = folds(ex)
    st = np.array([e.stance for e in ex])
    Y = np.array([[el in e.elements for el in ELEMENTS] for e in ex], dtype=int)
    evid = st != "neutral"

    feats = {
        "word+char+ctx0.3 (v3)": [("word", 1), ("char", 1), ("before", .3), ("after", .3)],
        "word+char": [("word", 1), ("char", 1)],
        "word only": [("word", 1)],
        "char only": [("char", 1)],
        "word+char+ctx0.6": [("word", 1), ("char", 1), ("before", .6), ("after", .6)],
        "word+char+ctx0.15": [("word", 1), ("char", 1), ("before", .15), ("after", .15)],
    }
    models = {
        "LR C=1 balanced": lambda: LogisticRegression(C=1, max_iter=2000, class_weight="balanced"),
        "LR C=4 balanced": lambda: LogisticRegression(C=4, max_iter=2000, class_weight="balanced"),
        "LR C=10 balanced": lambda: LogisticRegression(C=10, max_iter=2000, class_weight="balanced"),
        "LR C=1": lambda: LogisticRegression(C=1, max_iter=2000),
        "LinearSVC C=0.1 balanced": lambda: LinearSVC(C=0.1, class_weight="balanced"),
        "LinearSVC C=0.5 balanced": lambda: LinearSVC(C=0.5, class_weight="balanced"),
    }
    lines = ["# Passage classifier: model and feature comparison (leave-one-case-out)", "",
             "Written by `nice .venv/bin/python evaluation/experiments.py`. Pooled over the six held-out cases "
             f"({len(ex)} gold passages). Vectorisers fitted on the training cases of each fold only.", ""]
    # ---------------------------------------------------------------- stance
    lines += ["## Stance (3 classes), accuracy", "", "| features | model | accuracy | evidence-vs-neutral acc. | seconds |",
              "|---|---|---|---|---|"]
    rows = []
    for fname, spec in feats.items():
        for mname, make in models.items():
            if args.only and args.only not in f"{fname} {mname}":
                continue
            if fname != "word+char+ctx0.3 (v3)" and mname not in ("LR C=4 balanced", "LinearSVC C=0.1 balanced"):
                continue
            t = time.perf_counter()
            pred = np.empty(len(ex), dtype=object)
            for _case, (tr, te, B) in F.items():
                clf = make().fit(stack(B, spec, 0), st[tr])
                pred[te] = clf.predict(stack(B, spec, 1))
            acc = np.mean(pred == st)
            ev = np.mean((pred != "neutral") == evid)
            rows.append((fname, mname, acc))
            lines.append(f"| {fname} | {mname} | {acc:.3f} | {ev:.3f} | {time.perf_counter() - t:.0f} |")
            print(lines[-1], flush=True)
    # ---------------------------------------------------------------- elements on gold evidence
    lines += ["", "## Elements: F1 on gold evidence passages (the conditional model alone), macro over five",
              "", "Cut-off 0.5 on the model's probability / decision 0 for SVC; `+argmax` = at least one element.", "",
              "| features | model | macro-F1 | " + " | ".join(ELEMENTS) + " |", "|---|---|---|" + "---|" * 5]
    for fname, spec in feats.items():
        for mname, make in models.items():
            if args.only and args.only not in f"{fname} {mname}":
                continue
            if fname != "word+char+ctx0.3 (v3)" and mname not in ("LR C=4 balanced", "LinearSVC C=0.1 balanced"):
                continue
            S = np.zeros(Y.shape)
            for _case, (tr, te, B) in F.items():
                tr_ev = tr[evid[tr]]
                Xtr = stack(B, spec, 0)[evid[tr]]
                Xte = stack(B, spec, 1)
                for j in range(5):
                    clf = make().fit(Xtr, Y[tr_ev, j])
                    S[te, j] = clf.decision_function(Xte)
            P = S > 0
            none = ~P.any(1)
            P[none, S[none].argmax(1)] = True
            f = [_f1(Y[evid, j], P[evid, j]) for j in range(5)]
            lines.append(f"| {fname} | {mname} | {np.mean(f):.3f} | " + " | ".join(f"{x:.3f}" for x in f) + " |")
            print(lines[-1], flush=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _f1(y, p):
    y, p = y.astype(bool), p.astype(bool)
    tp = (y & p).sum()
    d = 2 * tp + (y & ~p).sum() + (~y & p).sum()
    return 2 * tp / d if d else 0.0


if __name__ == "__main__":
    main()
