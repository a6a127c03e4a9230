"""Cut-offs tuned by leave-one-case-out inside the training data."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.classify.model import PassageClassifier
from pipeline.classify.train import load_examples
from pipeline.data import ELEMENTS
from pipeline.paths import annotations_dir


@pytest.fixture(scope="module")
def tuned():
    examples = load_examples(annotations_dir() / "passages.jsonl")[::4]
    return PassageClassifier(model="svc", C=0.1, tune=True).fit(examples), examples


def test_tuning_fits_cutoffs_and_keeps_out_of_fold_predictions(tuned):
    model, examples = tuned
    assert set(model.element_thresholds_) == set(ELEMENTS)
    assert all(0.0 < t < 1.0 for t in model.element_thresholds_.values())
    assert any(t != 0.5 for t in model.element_thresholds_.values())
    assert all(0.0 < t < 1.0 for t in model.obstacle_thresholds_.values())
    assert len(model.oof_["stance"]) == len(examples) == len(model.oof_["scores"])
    # out-of-fold predictions are worse than predictions on the training data itself: they are held out
    train_acc = np.mean([p["stance"] == e.stance for p, e in zip(model.predict(examples), examples)])
    oof_acc = np.mean([s == e.stance for s, e in zip(model.oof_["stance"], examples)])
    assert oof_acc < train_acc


def test_stance_confusion_rows_are_distributions(tuned):
    model, _ = tuned
    rows = [r for m in model.stance_confusion_.values() if m for r in m]
    assert rows
    for r in rows:
        assert len(r) == 2 and sum(r) == pytest.approx(1.0, abs=1e-3) and min(r) >= 0.0


def test_tuned_predictions_follow_the_contract(tuned):
    model, examples = tuned
    for p in model.predict(examples[:100], explain=True):
        assert (p["elements"] == []) == (p["stance"] == "neutral")
        assert sum(p["stance_scores"].values()) == pytest.approx(1.0, abs=1e-3)
        assert set(p["why"]) >= set(p["elements"])


def test_unknown_model_kind_is_refused():
    with pytest.raises(ValueError, match="svc"):
        PassageClassifier(model="forest")._base()
