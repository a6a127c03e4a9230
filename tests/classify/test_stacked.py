"""Issue #19, point 3: the classifier's linear models answered from one stacked sparse product give
exactly what each model gives when asked alone (the former path), on a few hundred passages."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.classify.model import Example, with_context
from pipeline.config import Settings
from pipeline.ingest import extract

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


@pytest.fixture(scope="module")
def examples() -> list[list[Example]]:
    """The passages of a few demo documents, one list per document (as classify_stage makes them)."""
    docs = []
    for path in sorted(DEMO.glob("*/*.txt"))[:8] + sorted(DEMO.glob("*/*.md"))[:4]:
        doc = extract(path, path.parent.name, max_bytes=Settings().max_bytes, ocr=False)
        docs.append(with_context([Example(text=p.text, elements=[], stance="neutral", obstacles=[], doc_type=doc.type,
                                          section=p.section, speaker=p.speaker, doc=doc.doc) for p in doc.passages]))
    return [d for d in docs if d]


def test_stacked_margins_give_the_same_predictions_as_each_model_alone(models, examples):
    clf = models.classifier
    assert sum(map(len, examples)) >= 200
    for doc in examples:
        stacked = clf.predict(doc, explain=True)
        alone = clf.predict(doc, explain=True, stacked=False)
        assert stacked == alone  # scores, stance, elements, obstacles and explanations, exactly


def test_stacked_views_return_the_models_own_probabilities_bit_for_bit(models, examples):
    from pipeline.classify.model import _proba, _stacked_views

    clf = models.classifier
    doc = max(examples, key=len)
    X = clf._transform(doc)
    own = [clf.stance_, *clf.elements_, *clf.obstacles_.values()]
    views = _stacked_views(clf, "_test_stack", own, X)
    assert len(views) == len(own) > 10
    assert np.array_equal(views[0].predict_proba(X), own[0].predict_proba(X))
    for view, model in zip(views[1:], own[1:]):
        assert np.array_equal(_proba(view, X), _proba(model, X))
