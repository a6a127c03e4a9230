"""Classifier variants on the 12-case corpus and on real texts, in one process.

    python evaluation/classifier_variants.py [--real ../shared/realdev] [--folds 4] [--curve]

For each variant: in-corpus figures from case-grouped cross-validation (k folds of cases; every
passage predicted by a model that never saw its case), pooled and split into the first six cases
(our primary-paperwork voice) and the six field-voice cases; and, with --real, the realdev
figures of a model trained on the whole corpus (the main job's stages, as `evaluate --real`).
With --curve, a learning curve: the in-corpus figures against the share of training cases used.
Writes evaluation/classifier_variants.md and .json. Sentence embeddings are computed once per
process (pipeline/classify/embed.py caches them), so the variants share that cost.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from pathlib import Path

from pipeline.classify.model import PassageClassifier, case_folds, save
from pipeline.classify.train import V5_PARAMS, doc_case, fitted_cutoffs, load_examples, scores
from pipeline.paths import PROJECT_DIR

OLD_CASES = {"karangsari-seokjin", "tanjungwaru-aldenbruck", "pasirlaut-xilanzhou", "wirapura-asakuni",
             "lembahsari-portardley", "muarakencana-oostervaart"}
ROUND2_CASES = {"sungaibening-norrvik", "telukamara-calabara", "randuagung-cheonmae", "kualadewa-karacam",
                "watugede-hinokawa", "tanjungpalma-kellerton"}
ROUND3_CASES = {"sukalaya-hartwick", "bandarpesisir-kualasetia", "lintangraya-ebersfeld", "nusaraja-marlowe",
                "sungaiemas-thanhlam", "batusari-minamiura"}
ROUND4_CASES = {"tirtamulya-holmvik", "ranuasri-valdorso", "sekarwangi-daejin", "bukitlayang-sanisidro",
                "padangrimba-wrenfield", "teluksirih-yalikoy"}
GROUPS = {"first six": lambda c: c in OLD_CASES, "field voices": lambda c: c in ROUND2_CASES,
          "round 3": lambda c: c in ROUND3_CASES, "round 4": lambda c: c in ROUND4_CASES,
          "round 5": lambda c: c not in OLD_CASES | ROUND2_CASES | ROUND3_CASES | ROUND4_CASES}
VARIANTS: dict[str, dict] = {
    "v5 (no embeddings)": {**V5_PARAMS, "tune_folds": 4},
    "v5 + embeddings 1.0": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 1.0},
    "v5 + embeddings 2.0": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 2.0},  # = V6_PARAMS
    "v5 + embeddings 3.0": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 3.0},
    "v5 + embeddings 4.0": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 4.0},
    # session 7 (18 cases): the cue lexicon with English wordings (cues.py version 2)
    "v6 + cue lexicon 2": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 2.0, "cue_version": 2},
    "v6 + cue lexicon 2, embeddings 3.0": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 3.0, "cue_version": 2},
    # session 8 (24 cases): the SVMs' regularisation
    "v6, C 0.05": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 2.0, "C": 0.05},
    "v6, C 0.2": {**V5_PARAMS, "tune_folds": 4, "embed_weight": 2.0, "C": 0.2},
}


def cross_validate(examples, params: dict, folds: int, train_cases: set[str] | None = None) -> dict:
    groups = [doc_case(e.doc) for e in examples]
    cases = sorted(set(groups))
    gold, pred = [], []
    for fold in case_folds(cases, folds):
        train = [e for e, g in zip(examples, groups) if g not in fold and (train_cases is None or g in train_cases)]
        test = [e for e, g in zip(examples, groups) if g in fold]
        model = PassageClassifier(**params).fit(train)
        gold += test
        pred += model.predict(test)
    out = {"all": scores(gold, pred)}
    for name, keep in GROUPS.items():
        idx = [i for i, g in enumerate(gold) if keep(doc_case(g.doc))]
        if idx:
            out[name] = scores([gold[i] for i in idx], [pred[i] for i in idx])
    return out


def real_figures(examples, params: dict, real: Path, name: str) -> dict:
    from pipeline.quality.real import run_real_evaluation
    from pipeline.stages import load_models

    with tempfile.TemporaryDirectory() as tmp:
        model = PassageClassifier(**params).fit(examples)
        version = "passage_clf.v99"
        save(model, Path(tmp) / version, {"name": version, "params": params, **fitted_cutoffs(model)})
        load_models.cache_clear()
        res = run_real_evaluation(real, Path(tmp) / "out", [version], models_folder=Path(tmp))
        load_models.cache_clear()
    pooled = res["versions"][version]["pooled"]
    return {"verdicts_exact": pooled["verdicts"]["exact"], "verdicts_within_one": pooled["verdicts"]["within_one"],
            "obstacle_code_recall": pooled["obstacle_code_recall"],
            **{k: pooled["sentences"][k] for k in ("stance_accuracy", "element_macro_f1", "obstacle_micro_f1")},
            "stance_confusion": pooled["sentences"]["stance_confusion"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path)
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument("--curve", action="store_true")
    ap.add_argument("--only", nargs="*")
    ap.add_argument("--out", type=Path, default=PROJECT_DIR / "evaluation")
    args = ap.parse_args()
    examples = load_examples(PROJECT_DIR / "annotations" / "passages.jsonl")
    results: dict = {"n_passages": len(examples), "n_cases": len({doc_case(e.doc) for e in examples}),
                     "folds": args.folds, "variants": {}}
    for name, params in VARIANTS.items():
        if args.only and name not in args.only:
            continue
        t = time.time()
        entry = {"params": params, "in_corpus": cross_validate(examples, params, args.folds)}
        if args.real:
            entry["real"] = real_figures(examples, params, args.real, name)
        entry["seconds"] = round(time.time() - t, 1)
        results["variants"][name] = entry
        print(name, json.dumps({k: v for k, v in entry.items() if k != "params"}, indent=None)[:1500], flush=True)
    if args.curve:
        results["learning_curve"] = learning_curve(examples, V5_PARAMS | {"tune_folds": 4, "embed_weight": 2.0},
                                                   args.folds)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "classifier_variants.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    (args.out / "classifier_variants.md").write_text(render(results), encoding="utf-8")


def learning_curve(examples, params: dict, folds: int, shares=(0.25, 0.5, 0.75, 1.0), seed: int = 0) -> list[dict]:
    """In-corpus figures when each fold's model trains on a random share of the other folds' cases' passages."""
    rows = []
    groups = [doc_case(e.doc) for e in examples]
    cases = sorted(set(groups))
    for share in shares:
        gold, pred, n_train = [], [], []
        for fold in case_folds(cases, folds):
            pool = [e for e, g in zip(examples, groups) if g not in fold]
            random.Random(seed).shuffle(pool)
            train = pool[: max(50, int(share * len(pool)))]
            # keep document order for the context features
            order = {id(e): i for i, e in enumerate(examples)}
            train.sort(key=lambda e: order[id(e)])
            test = [e for e, g in zip(examples, groups) if g in fold]
            gold += test
            pred += PassageClassifier(**params).fit(train).predict(test)
            n_train.append(len(train))
        s = scores(gold, pred)
        rows.append({"share": share, "mean_train_passages": round(sum(n_train) / len(n_train)),
                     **{k: s[k] for k in ("element_macro_f1", "stance_accuracy", "obstacle_micro_f1")}})
        print("curve", rows[-1], flush=True)
    return rows


def render(res: dict) -> str:
    lines = ["# Classifier variants: in-corpus cross-validation and real texts", "",
             f"`python evaluation/classifier_variants.py --real ../shared/realdev --curve` over {res['n_passages']} "
             f"gold passages of {res.get('n_cases', 12)} cases; in-corpus figures from {res['folds']} case-grouped folds (no case is "
             "tested by a model that saw it); real figures as `sistercity evaluate --real` (a model trained on "
             "the whole corpus).", "",
             "| variant | in-corpus element F1 / stance / obstacle F1 | " + " | ".join(GROUPS) + " | real stance | "
             "real element F1 | real obstacle F1 | real verdicts exact / within one | real obstacle recall |",
             "|---|---|" + "---|" * len(GROUPS) + "---|---|---|---|---|"]
    for name, v in res["variants"].items():
        def trio(s):
            return f"{s['element_macro_f1']:.3f} / {s['stance_accuracy']:.3f} / {s['obstacle_micro_f1']:.3f}"
        r = v.get("real") or {}
        real_cells = (f"{r['stance_accuracy']:.3f} | {r['element_macro_f1']:.3f} | {r['obstacle_micro_f1']:.3f} | "
                      f"{r['verdicts_exact']:.3f} / {r['verdicts_within_one']:.3f} | {r['obstacle_code_recall']:.3f}"
                      if r else "– | – | – | – | –")
        groups = " | ".join(trio(v["in_corpus"][g]) if g in v["in_corpus"] else "–" for g in GROUPS)
        lines.append(f"| {name} | {trio(v['in_corpus']['all'])} | {groups} | {real_cells} |")
    if res.get("note"):
        lines += ["", res["note"]]
    if res.get("learning_curve"):
        lines += ["", "## Learning curve (embeddings 2.0)", "",
                  "| share of training passages | mean passages per fold | element F1 | stance | obstacle F1 |",
                  "|---|---|---|---|---|"]
        for r in res["learning_curve"]:
            lines.append(f"| {r['share']:.2f} | {r['mean_train_passages']} | {r['element_macro_f1']:.3f} | "
                         f"{r['stance_accuracy']:.3f} | {r['obstacle_micro_f1']:.3f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
