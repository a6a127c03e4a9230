"""The evidence balance adjusted for the classifier's measured stance confusion."""

from __future__ import annotations

import pytest

from pipeline.aggregate.adjust import adjusted_balance
from pipeline.aggregate.verdicts import Thresholds, decide
from tests.aggregate.test_verdicts import make

CONFUSION = [[0.7, 0.3], [0.2, 0.8]]  # gold row, predicted column


def test_adjustment_inverts_a_known_confusion():
    true_pos, true_neg = 10.0, 2.0
    observed_pos = true_pos * 0.7 + true_neg * 0.2
    observed_neg = true_pos * 0.3 + true_neg * 0.8
    assert adjusted_balance(observed_pos, observed_neg, CONFUSION) == pytest.approx((true_pos, true_neg))


def test_adjustment_clips_at_zero_and_leaves_unusable_matrices_alone():
    pos, neg = adjusted_balance(1.0, 9.0, CONFUSION)
    assert pos == 0.0 and neg > 9.0
    assert adjusted_balance(3.0, 4.0, None) == (3.0, 4.0)
    assert adjusted_balance(3.0, 4.0, [[0.5, 0.5], [0.5, 0.5]]) == (3.0, 4.0)  # a chance-level classifier


def test_decide_uses_the_adjusted_balance_and_says_so():
    # 7 positive and 5 obstacle labels: "partial" as counted, but with this confusion the
    # obstacle labels are mostly mislabelled successes
    rows = ([("Kunjungan balasan dilakukan.", "positive", ["commitment"], [])] * 7
            + [("Anggaran dipotong.", "obstacle", ["commitment"], ["budget"])] * 5)
    passages, docs = make(rows)
    plain = decide("c1", "commitment", passages, docs, Thresholds())
    adjusted = decide("c1", "commitment", passages, docs, Thresholds(confusion={"commitment": [[0.6, 0.4], [0.05, 0.95]]}))
    assert plain.status == "partial"
    assert adjusted.status == "fulfilled" and adjusted.score > plain.score
    assert any("confusion" in n for n in adjusted.notes)
    assert len(adjusted.evidence) == len(plain.evidence) == 12  # the evidence shown is unchanged


def test_aggregation_uses_the_confusion_of_the_model_that_labelled_the_documents(monkeypatch):
    from pipeline import stages
    from pipeline.data import Document

    asked = []
    monkeypatch.setattr(stages, "shipped_confusion", lambda folder=None, version=None: asked.append(version) or {})
    docs = [Document(doc=f"d{i}", source=f"d{i}.txt", case="a-b", type="news", text="", model=m)
            for i, m in enumerate(["passage_clf.v3", "passage_clf.v3", "passage_clf.v4", None])]
    stages.aggregate_stage(docs, ["a-b"])
    stages.aggregate_stage([Document(doc="x", source="x.txt", case="a-b", type="news", text="")], ["a-b"])
    assert asked == ["passage_clf.v3", None]
