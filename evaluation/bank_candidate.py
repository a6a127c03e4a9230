"""A candidate classifier configuration trained with the sentence bank, measured as the shipped one is (issue #14).

    python evaluation/bank_candidate.py --real ../shared/realdev [--params '{"cue_version": 3, "tune_on": "bank"}']
                                        [--skip-in-corpus] [--out evaluation/]

1. In-corpus, the harness of `sistercity evaluate` (pipeline/quality/evaluation.py
   `evaluate_classifier_and_verdicts`): leave-one-case-out over the 30 corpus cases, the sentence bank in every
   fold's training data (never tested on), the verdict cut-offs fitted per fold on the training cases' gold
   passages; the classifier and verdict figures pooled and per group of cases (evaluation/rule_variants.py GROUPS,
   the first six among them), beside evaluation/results.json (the shipped configuration, `sistercity evaluate`).
   The entity figures are not recomputed (they do not depend on the classifier).
2. On the real pairs, as `sistercity evaluate --real` scores a model: the candidate trained on the whole corpus
   plus the bank, beside the shipped model; and recall by stance on the real sentences beside the candidate's
   own out-of-fold recall on the bank and the corpus. With `--skip-in-corpus` the in-corpus part of an earlier
   run with the same parameters (in --out) is kept.
Writes evaluation/bank_candidate.json and .md (figures only; the real texts are read in place).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from pipeline.paths import PROJECT_DIR

if __package__ in (None, ""):  # run as `python evaluation/<script>.py`: its sibling modules as `evaluation.*`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FIGURES = ("stance_accuracy", "element_macro_f1", "obstacle_micro_f1")
REAL = ("verdicts_exact", "verdicts_within_one", "obstacle_code_recall", "stance_accuracy", "element_macro_f1",
        "obstacle_micro_f1")


def in_corpus(params: dict) -> dict:
    from evaluation.rule_variants import group_figures
    from pipeline.ingest.discover import discover
    from pipeline.paths import annotations_dir, demo_corpus
    from pipeline.quality.evaluation import evaluate_classifier_and_verdicts

    cases = discover(demo_corpus())[0]
    r = evaluate_classifier_and_verdicts(annotations_dir(), demo_corpus(), cases, bank=True, **params)
    groups = group_figures(r)
    v = r["verdicts"]
    return {"overall": {k: r["classifier"]["overall"][k] for k in FIGURES},
            "bank_sentences": r["classifier"]["bank_sentences"],
            "verdicts": {k: v[k] for k in ("agreement", "agreement_evidence_only", "oracle_agreement", "cells")},
            "groups": groups,
            "cells": {c: {el: {k: cell[k] for k in ("predicted", "gold", "evidence_status")}
                          for el, cell in per.items()} for c, per in v["per_case"].items()}}


def shipped_in_corpus(results_json: Path) -> dict | None:
    from evaluation.rule_variants import group_figures

    if not results_json.exists():
        return None
    r = json.loads(results_json.read_text(encoding="utf-8"))
    v = r["verdicts"]
    return {"overall": {k: r["classifier"]["overall"][k] for k in FIGURES},
            "verdicts": {k: v[k] for k in ("agreement", "agreement_evidence_only", "oracle_agreement", "cells")},
            "groups": group_figures(r), "date": r.get("date"),
            "cells": {c: {el: {k: cell[k] for k in ("predicted", "gold", "evidence_status")}
                          for el, cell in per.items()} for c, per in v["per_case"].items()}}


def changed_cells(candidate: dict, shipped: dict) -> dict:
    """The cells whose evidence-only status differs between two in-corpus runs: how many, how many of them now agree
    with the gold and how many agreed before, and the moves (before -> after) with their counts."""
    from collections import Counter

    moves, better, worse = Counter(), 0, 0
    for case, cells in candidate.items():
        for el, cell in cells.items():
            before = shipped.get(case, {}).get(el, {}).get("evidence_status")
            after = cell["evidence_status"]
            if before is None or before == after:
                continue
            moves[f"{before} -> {after}"] += 1
            better += after == cell["gold"]
            worse += before == cell["gold"]
    return {"changed": sum(moves.values()), "better": better, "worse": worse, "moves": dict(sorted(moves.items()))}


def recall_by_stance(confusion: dict[str, int]) -> dict[str, float]:
    """Per gold stance, the share of its sentences read with that stance, from "gold->predicted" counts."""
    out = {}
    for stance in ("positive", "obstacle", "neutral"):
        total = sum(c for k, c in confusion.items() if k.startswith(f"{stance}->"))
        out[stance] = round(confusion.get(f"{stance}->{stance}", 0) / total, 3) if total else None
    return out


def out_of_fold_recall(model, examples) -> dict[str, dict[str, float]]:
    """The candidate's own out-of-fold predictions (`PassageClassifier.oof_`, from tuning) as recall by stance,
    on the bank's sentences and on the corpus's passages apart: how well it reads text like what it learnt from."""
    from collections import Counter

    from pipeline.classify.model import BANK_CASE_PREFIX

    counts: dict[str, Counter] = {"bank": Counter(), "corpus": Counter()}
    for case, predicted, e in zip(model.oof_["cases"], model.oof_["stance"], examples, strict=True):
        counts["bank" if case.startswith(BANK_CASE_PREFIX) else "corpus"][f"{e.stance}->{predicted}"] += 1
    return {part: recall_by_stance(c) for part, c in counts.items()}


def real(params: dict, root: Path) -> dict:
    from pipeline.classify.model import PassageClassifier, save, versions
    from pipeline.classify.train import BANK_DIR, fitted_cutoffs, load_bank, load_examples
    from pipeline.paths import annotations_dir, models_dir
    from pipeline.quality.real import run_real_evaluation
    from pipeline.stages import load_models

    examples = load_examples(annotations_dir() / "passages.jsonl") + load_bank(annotations_dir() / BANK_DIR)
    shipped = versions(models_dir())[-1]
    with tempfile.TemporaryDirectory() as tmp:
        model = PassageClassifier(**params).fit(examples)
        version = "passage_clf.v99"
        oof = out_of_fold_recall(model, examples) if getattr(model, "oof_", None) else None
        save(model, Path(tmp) / version, {"name": version, "params": params, **fitted_cutoffs(model)})
        (Path(tmp) / shipped.name).symlink_to(shipped)
        for ner in models_dir().glob("ner_*"):
            (Path(tmp) / ner.name).symlink_to(ner)
        load_models.cache_clear()
        res = run_real_evaluation(root, Path(tmp) / "out", [version, shipped.name], models_folder=Path(tmp))
        load_models.cache_clear()
    out = {}
    for name, key in ((version, "candidate"), (shipped.name, shipped.name)):
        pooled = res["versions"][name]["pooled"]
        out[key] = {"verdicts_exact": pooled["verdicts"]["exact"], "verdicts_within_one": pooled["verdicts"]["within_one"],
                    "obstacle_code_recall": pooled["obstacle_code_recall"],
                    **{k: pooled["sentences"][k] for k in FIGURES},
                    "stance_recall": recall_by_stance(pooled["sentences"]["stance_confusion"])}
    boot = res.get("bootstrap", {}).get("against_first", {}).get(shipped.name)
    if boot:
        out["shipped_against_candidate"] = boot
    if oof:
        out["candidate_out_of_fold_recall"] = oof
    return out


def render(res: dict) -> str:
    lines = ["# A candidate configuration with the sentence bank", "",
             "Written by `python evaluation/bank_candidate.py --real ../shared/realdev`. Candidate: the shipped "
             f"parameters plus `{json.dumps(res['extra'])}`, trained on the corpus and the sentence bank "
             f"({res.get('in_corpus', {}).get('bank_sentences', '?')} sentences, annotations/bank/).", ""]
    ic, sh = res.get("in_corpus"), res.get("shipped_in_corpus")
    if ic:
        lines += ["## In-corpus, leave-one-case-out over the 30 cases (the bank in every fold, never tested)", "",
                  "| configuration | element macro-F1 | stance | obstacle micro-F1 | verdicts | evidence only | oracle |",
                  "|---|---|---|---|---|---|---|"]
        for name, r in (("candidate", ic), ("shipped configuration (evaluation/results.json)", sh)):
            if r:
                o, v = r["overall"], r["verdicts"]
                lines.append(f"| {name} | {o['element_macro_f1']:.3f} | {o['stance_accuracy']:.3f} | "
                             f"{o['obstacle_micro_f1']:.3f} | {v['agreement']:.3f} | {v['agreement_evidence_only']:.3f} | "
                             f"{v['oracle_agreement']:.3f} |")
        if sh and sh.get("cells"):
            ch = changed_cells(ic["cells"], sh["cells"])
            lines += ["", f"Evidence-only verdicts that differ from the shipped configuration's: {ch['changed']} cells, "
                      f"{ch['better']} now agreeing with the gold, {ch['worse']} no longer; moves: "
                      + ", ".join(f"{k} {n}" for k, n in ch["moves"].items()) + "."]
        lines += ["", "Per group of cases (means over each group's cases; rule_variants.py's groups):", "",
                  "| group | configuration | stance | element macro-F1 | obstacle micro-F1 | verdicts | evidence only "
                  "| oracle |", "|---|---|---|---|---|---|---|---|"]
        for group in ic["groups"]:
            for name, r in (("candidate", ic), ("shipped", sh)):
                g = (r or {}).get("groups", {}).get(group)
                if g:
                    lines.append(f"| {group} | {name} | {g['stance_accuracy']:.3f} | {g['element_macro_f1']:.3f} | "
                                 f"{g['obstacle_micro_f1']:.3f} | {g['verdicts_predicted']:.3f} | "
                                 f"{g['verdicts_evidence_status']:.3f} | {g['verdicts_oracle']:.3f} |")
        lines.append("")
    if res.get("real"):
        lines += ["## On the real pairs (as `sistercity evaluate --real`)", "",
                  "| model | " + " | ".join(REAL) + " |", "|---|" + "---|" * len(REAL)]
        models = {n: r for n, r in res["real"].items() if n not in ("shipped_against_candidate",
                                                                     "candidate_out_of_fold_recall")}
        for name, r in models.items():
            lines.append(f"| {name} | " + " | ".join("–" if r[k] is None else f"{r[k]:.3f}" for k in REAL) + " |")
        lines += ["", "Recall by stance (the share of each gold stance's sentences read with it): on the real "
                  "sentences, and the candidate's own out-of-fold predictions from its tuning folds on the bank and "
                  "the corpus (text like what it learnt from).", "",
                  "| sentences | positive | obstacle | neutral |", "|---|---|---|---|"]
        rows = [(f"real, {n}", r.get("stance_recall")) for n, r in models.items()]
        rows += [(f"out of fold, {part}", rec) for part, rec in
                 (res["real"].get("candidate_out_of_fold_recall") or {}).items()]
        for name, rec in rows:
            if rec:
                lines.append(f"| {name} | " + " | ".join("–" if rec[k] is None else f"{rec[k]:.3f}"
                                                      for k in ("positive", "obstacle", "neutral")) + " |")
        if res["real"].get("shipped_against_candidate"):
            lines += ["", "Pairs resampled (REAL.md's bootstrap): share of draws in which the shipped model scores "
                      f"higher / lower than the candidate: {json.dumps(res['real']['shipped_against_candidate'])}"]
        lines.append("")
    if res.get("in_corpus_kept_from_an_earlier_run"):
        lines.append("The in-corpus figures are those of an earlier run with the same parameters (`--skip-in-corpus` "
                     "kept them).")
    lines.append(f"Run time: {res['seconds']} s.")
    return "\n".join(lines) + "\n"


def main() -> None:
    from pipeline.classify.train import SHIPPED_PARAMS

    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path)
    ap.add_argument("--params", default='{"cue_version": 3, "tune_on": "bank"}',
                    help="JSON: parameters added to the shipped ones")
    ap.add_argument("--skip-in-corpus", action="store_true")
    ap.add_argument("--out", type=Path, default=PROJECT_DIR / "evaluation")
    args = ap.parse_args()
    extra = json.loads(args.params)
    params = {**SHIPPED_PARAMS, **extra}
    started = time.time()
    res: dict = {"extra": extra, "params": params}
    if args.real:
        res["real"] = real(params, args.real)
        print(json.dumps(res["real"]), flush=True)
    if not args.skip_in_corpus:
        res["in_corpus"] = in_corpus(params)
        res["shipped_in_corpus"] = shipped_in_corpus(PROJECT_DIR / "evaluation" / "results.json")
        print(json.dumps(res["in_corpus"]["overall"] | res["in_corpus"]["verdicts"]), flush=True)
    else:  # the in-corpus part (25 minutes) of an earlier run with the same parameters, when there is one
        earlier = args.out / "bank_candidate.json"
        kept = json.loads(earlier.read_text(encoding="utf-8")) if earlier.exists() else {}
        if kept.get("params") == params and kept.get("in_corpus"):
            res["in_corpus"] = kept["in_corpus"]
            res["shipped_in_corpus"] = shipped_in_corpus(PROJECT_DIR / "evaluation" / "results.json")
            res["in_corpus_kept_from_an_earlier_run"] = True
    res["seconds"] = round(time.time() - started)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bank_candidate.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    (args.out / "bank_candidate.md").write_text(render(res), encoding="utf-8")


if __name__ == "__main__":
    main()
