"""Model comparison for the passage classifier, leave-one-case-out.

Run: nice .venv/bin/python evaluation/experiments.py [--out evaluation/model_comparison.md]
     nice .venv/bin/python evaluation/experiments.py --loco [--only TAG] [--cached]
The second form runs the complete PassageClassifier (`train.leave_one_case_out`, cut-offs tuned by
inner leave-one-case-out) for every configuration in LOCO_VARIANTS and rewrites the LOCO_SECTION
section at the end of evaluation/model_comparison.md (the figures of every variant tried).

Featurisation is fitted on the five training cases of each fold only and cached
per fold (in /tmp, keyed by the data hash), so each configuration costs only
the model fits. Every figure is on the held-out case, pooled over the six folds.
Cut-offs marked "inner-CV" are chosen by leave-one-case-out inside the five
training cases of each fold (the held-out case is never seen).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import time
from pathlib import Path

import numpy as np
from scipy.sparse import hstack

ROOT = Path(__file__).resolve().parents[1]

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


LOCO_SECTION = "## Session 3: codebook cues, negation scope, neighbour stacking (complete model, LOCO)"
V4 = {"model": "svc", "C": 0.1, "tune": True}
# Every configuration tried in session 3, in the order tried (tag, params, note). The ablations
# ("cues only", "scope only") remove one half of the cue block (pipeline/classify/cues.py).
LOCO_VARIANTS = [
    ("v4", V4, "shipped baseline"),
    ("cues 1.0", {**V4, "cue_weight": 1.0}, "codebook cues + negation scope, block weight 1.0"),
    ("cues 0.5", {**V4, "cue_weight": 0.5}, "the same, weight 0.5"),
    ("cues 0.5, cues only", {**V4, "cue_weight": 0.5, "_ablate": "cues_only"}, "ablation: no scope tokens"),
    ("cues 0.5, scope only", {**V4, "cue_weight": 0.5, "_ablate": "scope_only"}, "ablation: no cue tokens"),
    ("cues 0.5 + neighbours' cues", {**V4, "cue_weight": 0.5, "context_cues": True}, "previous/next passage's cue tokens"),
    ("cues 0.5, C=0.2", {**V4, "C": 0.2, "cue_weight": 0.5}, ""),
    ("cues 0.3", {**V4, "cue_weight": 0.3}, ""),
    ("cues 0.5 + neighbour stacking", {**V4, "cue_weight": 0.5, "neighbour_weight": 1.0},
     "previous/next passage's out-of-fold stance and element probabilities as features (two-stage)"),
]

LOCO_READING = [
    "Reading (written by hand; the table above is regenerated):",
    "",
    "- The codebook cue block (cue families per element from CODEBOOK.md section 3, the obstacle-code cue table of "
    "section 6.1, each also marked when it falls inside the 3-word scope of a negator/hedge) is the only line that "
    "moved element macro-F1 by more than 0.01: +0.032 at weight 0.5, better in all six held-out cases "
    "(+0.016 to +0.041 per case). The ablations show the cue tokens carry the element gain; the scope tokens alone "
    "add ~0.003 to elements and help stance a little in combination. Weights 0.3 / 0.5 / 1.0 give 0.521 / 0.536 / "
    "0.526: the peak at 0.5 is partly noise.",
    "- Stance accuracy +0.008 pooled (lower by 0.005-0.014 in four cases, +0.023 and +0.057 in two), obstacle "
    "micro-F1 +0.016, element ECE 0.013 -> 0.017 (bar 0.05). Shipped as passage_clf.v5 (`train.V5_PARAMS`).",
    "- Stopped: the neighbours' cue tokens (+0.009, below the 0.01 rule, and lower stance/obstacles); C=0.2 (+0.003); "
    "stacking the neighbours' out-of-fold stance/element probabilities (two-stage, -0.019).",
    "- Not tried: a separate evidence-or-not stage (v4 already gates elements on the predicted stance and learns "
    "elements on evidence passages only) and a classifier chain (2-element passages are 20% of evidence, 3+ under 1%).",
    "- Every bar is still far off (0.54 vs 0.85 element macro-F1). evaluation/human_ceiling.md: two trained coders "
    "reach 0.77 element macro-F1, 0.89 stance accuracy and 0.73 obstacle micro-F1 against each other on the same "
    "metric, so the 0.85 element bar is above human agreement on this codebook.",
]


def _ablate(mode: str | None):
    """Patch the cue block for an ablation run (None restores it)."""
    import pipeline.classify.cues as cues

    original = getattr(cues, "_original_cue_string", cues.cue_string)
    cues._original_cue_string = original
    keep = {"cues_only": lambda t: not t.startswith("zzsc_") and "__" not in t,
            "scope_only": lambda t: t.startswith("zzsc_")}.get(mode or "")
    cues.cue_string = (lambda text: " ".join(t for t in original(text).split() if keep(t))) if keep else original


def loco_variants(out: Path, only: str = "", cached: bool = False) -> None:
    from datetime import UTC, datetime

    from pipeline.classify.train import leave_one_case_out

    ex = load_examples(DATA)
    groups = [doc_case(e.doc) for e in ex]
    keys = ["element_macro_f1", *(f"f1_{el}" for el in ELEMENTS), "stance_accuracy", "obstacle_micro_f1", "element_ece"]
    # Results are cached per configuration and data hash (the runs are deterministic), so `--only TAG`
    # reruns one configuration and the section still lists every configuration that has figures.
    cache_path = Path(f"/tmp/sc_loco_variants_{hashlib.sha256(DATA.read_bytes()).hexdigest()[:12]}.json")
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    rows = []
    for tag, params, note in LOCO_VARIANTS:
        key = json.dumps(params, sort_keys=True)
        if not cached and (not only or only == tag):
            params = dict(params)
            _ablate(params.pop("_ablate", None))
            t = time.perf_counter()
            o = leave_one_case_out(ex, groups, **params)["overall"]
            _ablate(None)
            cache[key] = {**o, "seconds": round(time.perf_counter() - t)}
            cache_path.write_text(json.dumps(cache, indent=1))
        if key not in cache:
            continue
        o = cache[key]
        rows.append(f"| {tag} | `{key}` | " + " | ".join(f"{o[k]:.3f}" for k in keys) + f" | {o['seconds']} | {note} |")
        print(rows[-1], flush=True)
    section = [LOCO_SECTION, "",
               f"Written {datetime.now(UTC):%Y-%m-%d} by `nice .venv/bin/python evaluation/experiments.py --loco`. "
               f"The complete PassageClassifier per fold (`train.leave_one_case_out`: vectorisers, models and "
               f"cut-offs fitted on the five training cases only, cut-offs by inner leave-one-case-out), pooled over "
               f"the six held-out cases ({len(ex)} passages). {len(rows)} configurations, all listed; the choice "
               f"among them was made on these pooled held-out figures, so the best one's margin is slightly optimistic.",
               "", "| variant | params | element macro-F1 | " + " | ".join(f"F1 {el}" for el in ELEMENTS)
               + " | stance acc. | obstacle micro-F1 | element ECE | seconds | note |",
               "|---|---|---|" + "---|" * len(ELEMENTS) + "---|---|---|---|---|", *rows, "", *LOCO_READING, ""]
    text = out.read_text(encoding="utf-8") if out.exists() else ""
    if LOCO_SECTION in text:
        text = text[:text.index(LOCO_SECTION)]
    out.write_text(text.rstrip("\n") + "\n\n" + "\n".join(section), encoding="utf-8")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, default=ROOT / "evaluation" / "model_comparison.md")
    ap.add_argument("--only", default="")
    ap.add_argument("--loco", action="store_true", help="complete-model LOCO runs of LOCO_VARIANTS")
    ap.add_argument("--cached", action="store_true", help="with --loco: rewrite the section from cached runs only")
    args = ap.parse_args()
    if args.loco:
        return loco_variants(args.out, args.only, args.cached)
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
