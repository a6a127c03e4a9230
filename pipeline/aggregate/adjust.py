"""Correcting a case's evidence balance for the classifier's known stance confusion.

The classifier mixes up positive and obstacle evidence at a known rate: out of
the passages that are evidence on commitment and that it also labels commitment,
it calls some successes obstacles and some obstacles successes. Counting its
labels then pulls every case towards the middle ("partial") and towards the
stance mix of the cases it was trained on. Given the confusion matrix measured
out of fold on the training cases (`PassageClassifier.stance_confusion_`),

    observed = M^T @ true      (M[gold][predicted], rows sum to 1)

so the true (for, against) balance is estimated by solving that 2x2 system
and clipping at zero (the "adjusted count" of quantification learning). The
verdict cut-offs then apply to the adjusted balance, which is on the scale of
the gold labels the cut-offs were fitted on. The matrix comes from the model card of the classifier
that labelled the passages (`pipeline.classify.cards.shipped_confusion`), handed in with the thresholds.
"""

from __future__ import annotations

import numpy as np

MIN_DETERMINANT = 0.2  # a confusion matrix closer to singular than this (a near-chance classifier) is not inverted


def adjusted_balance(pos: float, neg: float, confusion: list[list[float]] | None) -> tuple[float, float]:
    """(for, against) corrected with `confusion` = [[P(pos|pos), P(obs|pos)], [P(pos|obs), P(obs|obs)]]
    (gold row, predicted column); unchanged when there is no usable matrix."""
    if not confusion:
        return pos, neg
    m = np.asarray(confusion, dtype=float)
    if m.shape != (2, 2) or abs(np.linalg.det(m)) < MIN_DETERMINANT:
        return pos, neg
    true = np.clip(np.linalg.solve(m.T, np.array([pos, neg], dtype=float)), 0.0, None)
    return float(true[0]), float(true[1])
