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
    assert type(views[0]).__name__ == "_MulticlassSigmoid"  # the stance: its folds' sigmoids computed here, not by sklearn
    assert np.array_equal(views[0].predict_proba(X), own[0].predict_proba(X))
    for view, model in zip(views[1:], own[1:]):
        assert np.array_equal(_proba(view, X), _proba(model, X))


def test_neighbour_texts_vectorised_once_give_the_matrix_of_each_block_alone(models, examples):
    """Issue #19 (per-document cost): the context block is built from each distinct text once; the matrix is
    bit for bit the one of vectorising the previous and the next passages separately."""
    from scipy.sparse import hstack

    vec = models.classifier.vectorizer_
    for doc in examples[:6]:
        X = vec.transform(doc)
        w = vec.context_weight
        blocks = [vec.main_.transform([e.features() for e in doc]), w * vec.context_.transform([e.before for e in doc]),
                  w * vec.context_.transform([e.after for e in doc])]
        if vec.cues_ is not None:
            blocks.append(vec.cue_weight * vec.cues_.transform([vec._cues(e) for e in doc]))
        if getattr(vec, "embed_mean_", None) is not None:
            blocks.append(vec._embedding_block(doc))
        alone = hstack(blocks).tocsr()
        assert X.shape == alone.shape
        for a, b in ((X.indptr, alone.indptr), (X.indices, alone.indices), (X.data, alone.data)):
            assert np.array_equal(a, b)


def test_explanations_of_a_model_follow_a_refit(models, examples):
    """The coefficients behind explanations are worked out once per model, and again when its estimators change."""
    import copy

    from pipeline.classify.model import _label_coefs

    clf = copy.copy(models.classifier)
    first = _label_coefs(clf)
    assert _label_coefs(clf) is first
    clf.elements_ = list(clf.elements_)
    clf.elements_[0] = copy.deepcopy(clf.elements_[0])
    for cc in getattr(clf.elements_[0], "calibrated_classifiers_", []):
        cc.estimator.coef_ = -cc.estimator.coef_
    if hasattr(clf.elements_[0], "coef_"):
        clf.elements_[0].coef_ = -clf.elements_[0].coef_
    again = _label_coefs(clf)
    assert again is not first and np.array_equal(again["commitment"], -first["commitment"])
    assert np.array_equal(again["participation"], first["participation"])


def test_top_stable_is_the_head_of_the_full_stable_sort():
    """Issue #19 (per-document cost): explanations rank a row's features by a partial sort; ties, -inf and short
    rows give the same columns, in the same order, as the full stable argsort they replace."""
    from pipeline.classify.model import _top_stable

    rng = np.random.default_rng(0)
    rows = [rng.normal(size=n) for n in (0, 1, 3, 5, 6, 40, 800)]
    rows += [np.round(rng.normal(size=300), 1), np.array([1.0, 2.0, 2.0, 2.0, 2.0, 2.0, 2.0, 0.0, -np.inf, 2.0]),
             np.array([0.0, -0.0, 0.0, -np.inf, -np.inf, 0.0, 0.0]), np.zeros(20)]
    for values in rows:
        for k in (0, 1, 5, 8):
            assert np.array_equal(_top_stable(values, k), np.argsort(-values, kind="stable")[:k]), (values, k)


def test_explanations_are_those_of_the_full_sort(models, examples):
    """The explanations of passages with the embedding block (its dimensions left out of the words' ranking)
    are those the former code gave: every column ranked, the embedding's at -inf."""
    from pipeline.classify.model import EMBEDDING_FEATURE, _label_coefs

    clf = models.classifier
    doc = max(examples, key=len)
    X = clf._transform(doc).tocsr()
    labels = [["commitment", "outcomes", "stance:positive", "stance:obstacle", "stance:neutral"] for _ in doc]
    got = clf._explain_rows(X, labels, top=5)
    coefs, short = _label_coefs(clf), clf._short_names
    assert clf._embedding_mask.any()
    for i, wanted in enumerate(labels):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        data, indices = X.data[lo:hi], X.indices[lo:hi]
        dense = short[indices] == EMBEDDING_FEATURE
        want = {}
        for label in (w for w in wanted if w in coefs):
            contrib = data * coefs[label][indices]
            words = np.where(dense, -np.inf, contrib)
            best = np.argsort(-words, kind="stable")[:5]
            pairs = list(zip(short[indices][best].tolist(), words[best].tolist()))
            if dense.any():
                pairs.append((EMBEDDING_FEATURE, float(contrib[dense].sum())))
                pairs.sort(key=lambda kv: -kv[1])
            want[label] = [(n, round(c, 4)) for n, c in pairs[:5] if c > 0]
        assert got[i] == want
