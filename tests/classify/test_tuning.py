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


def test_cutoffs_chosen_on_the_bank_only():
    """`tune_on="bank"`: the stance offsets are the ones that do best on the bank's out-of-fold predictions;
    without bank passages in the training data it falls back to all of them."""
    from pipeline.classify.model import _fit_offsets
    from pipeline.classify.train import BANK_DIR, load_bank

    corpus = load_examples(annotations_dir() / "passages.jsonl")[::10]
    bank = load_bank(annotations_dir() / BANK_DIR)[::6]
    model = PassageClassifier(model="svc", C=0.1, tune=True, tune_folds=3, tune_on="bank").fit(corpus + bank)
    on_bank = np.array([c.startswith("bank-") for c in model.oof_["cases"]])
    assert on_bank.sum() == len(bank) and (~on_bank).sum() == len(corpus)
    logp = np.log(np.array(model.oof_["stance_scores"]) + 1e-9)
    gold = np.array([e.stance for e in corpus + bank])
    classes = model.oof_["stance_classes"]
    assert model.stance_offsets_ == _fit_offsets(logp[on_bank], gold[on_bank], classes)
    plain = PassageClassifier(model="svc", C=0.1, tune=True, tune_folds=3, tune_on="bank").fit(corpus)
    same = PassageClassifier(model="svc", C=0.1, tune=True, tune_folds=3).fit(corpus)
    assert plain.stance_offsets_ == same.stance_offsets_ and plain.element_thresholds_ == same.element_thresholds_
