"""evaluation/bank_candidate.py: the report it writes from its figures (the figures come from the harness)."""

from __future__ import annotations

import json

from evaluation.bank_candidate import render


def test_render_puts_candidate_beside_shipped_per_group():
    overall = {"element_macro_f1": 0.6, "stance_accuracy": 0.8, "obstacle_micro_f1": 0.5}
    verdicts = {"agreement": 0.9, "agreement_evidence_only": 0.6, "oracle_agreement": 0.8, "cells": 150}
    group = {"stance_accuracy": 0.7, "element_macro_f1": 0.55, "obstacle_micro_f1": 0.45, "verdicts_predicted": 0.8,
             "verdicts_evidence_status": 0.6, "verdicts_oracle": 0.9}
    real = {k: 0.5 for k in ("verdicts_exact", "verdicts_within_one", "obstacle_code_recall", "stance_accuracy",
                             "element_macro_f1", "obstacle_micro_f1")}
    res = {"extra": {"tune_on": "bank"}, "seconds": 3,
           "in_corpus": {"overall": overall, "verdicts": verdicts, "groups": {"first six": group}, "bank_sentences": 7},
           "shipped_in_corpus": {"overall": {**overall, "stance_accuracy": 0.75}, "verdicts": verdicts,
                                 "groups": {"first six": {**group, "stance_accuracy": 0.65}}},
           "real": {"candidate": {**real, "stance_recall": {"positive": 0.34, "obstacle": 0.47, "neutral": 0.92}},
                    "passage_clf.v6": {**real, "verdicts_exact": None},
                    "shipped_against_candidate": {"stance_accuracy": {"higher": 0.1, "lower": 0.9}},
                    "candidate_out_of_fold_recall": {"bank": {"positive": 0.815, "obstacle": 0.824, "neutral": None}}}}
    md = render(res)
    assert json.dumps({"tune_on": "bank"}) in md and "(7 sentences" in md
    assert "| first six | candidate | 0.700 |" in md and "| first six | shipped | 0.650 |" in md
    assert "| candidate | 0.600 | 0.800 | 0.500 | 0.900 | 0.600 | 0.800 |" in md
    assert "| passage_clf.v6 | – | 0.500 |" in md and '"lower": 0.9' in md
    assert "| real, candidate | 0.340 | 0.470 | 0.920 |" in md and "| out of fold, bank | 0.815 | 0.824 | – |" in md
    assert "candidate_out_of_fold_recall" not in md.split("## On the real pairs")[1].split("Recall by stance")[0]


def test_recall_by_stance_from_confusion_counts():
    from evaluation.bank_candidate import recall_by_stance

    counts = {"positive->positive": 42, "positive->neutral": 76, "positive->obstacle": 3, "neutral->neutral": 10}
    assert recall_by_stance(counts) == {"positive": round(42 / 121, 3), "obstacle": None, "neutral": 1.0}


def test_changed_cells_count_moves_and_which_way_they_went():
    from evaluation.bank_candidate import changed_cells

    shipped = {"a": {"commitment": {"evidence_status": "fulfilled"}, "outcomes": {"evidence_status": "partial"},
                     "understanding": {"evidence_status": "partial"}}}
    candidate = {"a": {"commitment": {"evidence_status": "partial", "gold": "fulfilled"},
                       "outcomes": {"evidence_status": "fulfilled", "gold": "fulfilled"},
                       "understanding": {"evidence_status": "partial", "gold": "partial"}}}
    assert changed_cells(candidate, shipped) == {"changed": 2, "better": 1, "worse": 1,
                                                 "moves": {"fulfilled -> partial": 1, "partial -> fulfilled": 1}}
