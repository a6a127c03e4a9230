"""Fitting the verdict cut-offs to gold verdicts (the harness behind the shipped `Thresholds`)."""

from __future__ import annotations

from pipeline.aggregate.verdicts import Thresholds
from pipeline.quality.thresholds import balance_rows, fit_thresholds


def test_evidence_floor_defaults_when_training_has_no_insufficient_cell():
    # five judged cells, none judged insufficient: every floor up to 5 passages fits them equally well
    balances = {("a", "commitment"): (9.0, 1.0, 10), ("b", "commitment"): (1.0, 9.0, 10),
                ("c", "commitment"): (5.0, 5.0, 10), ("d", "commitment"): (8.0, 0.0, 8),
                ("e", "commitment"): (0.0, 6.0, 6)}
    gold = {("a", "commitment"): "fulfilled", ("b", "commitment"): "not_fulfilled", ("c", "commitment"): "partial",
            ("d", "commitment"): "fulfilled", ("e", "commitment"): "not_fulfilled"}
    t = fit_thresholds(balances, gold)
    assert (t.min_weight, t.min_passages) == (Thresholds().min_weight, Thresholds().min_passages) == (0.3, 1)
    assert t.status(0.0, 0.0, 0)[0] == "insufficient_evidence"  # not one account: the documents hardly speak
    assert t.status(0.2, 0.0, 1)[0] == "insufficient_evidence"  # one weak passage weighs too little
    assert t.status(0.5, 0.0, 1)[0] == "fulfilled"
    smallest = fit_thresholds(balances, gold, prior_floor=False)
    assert smallest.min_weight == 0.3 and smallest.status(1.0, 1.0, 2)[0] != "insufficient_evidence"
    # a training cell judged insufficient still moves the floor
    balances[("f", "commitment")], gold[("f", "commitment")] = (3.0, 1.0, 4), "insufficient_evidence"
    assert fit_thresholds(balances, gold).min_passages == 5


def test_balance_rows_profile_counts_documents_and_sides():
    row = {"case": "c1", "doc_type": "interview", "elements": ["reciprocity"], "scores": {"reciprocity": 1.0}}
    rows = [{**row, "doc": "d1", "side": "local", "stance": "positive", "stance_scores": {"positive": 1.0}},
            {**row, "doc": "d1", "side": None, "stance": "positive", "stance_scores": {"positive": 1.0}},
            {**row, "doc": "d2", "side": "local", "stance": "obstacle", "stance_scores": {"obstacle": 1.0}}]
    pos, neg, n, profile = balance_rows(rows, ["c1"])[("c1", "reciprocity")]
    assert (pos, neg, n) == (2.0, 1.0, 3) and profile == {"pos_docs": 1, "pos_sides": {"local"}}
    t = Thresholds(codebook_rules=True)
    assert t.judge(pos, neg, n, "reciprocity", profile) == ("partial", 1 / 3, None)  # by the score alone
    assert t.judge(3.0, 0.0, 3, "reciprocity", profile) == ("partial", 1.0, "one_document")
    assert t.judge(3.0, 0.0, 3, "reciprocity", {"pos_docs": 2, "pos_sides": {"local"}})[2] == "one_side"
    assert Thresholds().judge(3.0, 0.0, 3, "reciprocity", profile) == ("fulfilled", 1.0, None)  # rules off
