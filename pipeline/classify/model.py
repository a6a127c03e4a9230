"""The passage classifier: five element probabilities, a stance, obstacle codes.

Three sets of linear models over the same features (word and character
n-grams of the passage plus context markers, see `features`; with `cue_weight`, v5 on,
also the codebook cue and negation-scope tokens of `cues`; `neighbour_weight` stacks the
neighbours' out-of-fold first-stage probabilities, tried and not shipped):
- elements: one sigmoid-calibrated linear model per element (multi-label), on evidence passages;
- stance: a 3-class linear model (positive / obstacle / neutral);
- obstacles: one linear model per obstacle code, trained on obstacle passages.
The linear model is logistic regression (`model="lr"`, the v3 choice) or a linear SVM
(`model="svc"`, v4 on). With `tune=True` the decision rules are not fixed at 0.5: the
cut-off per element and per obstacle code and an offset per stance class are chosen on
leave-one-case-out predictions inside the training data (calibrated probabilities of
rare labels rarely reach 0.5; see evaluation/error_analysis.md).
The whole object pickles; `save`/`load` write a versioned folder with a model card.
"""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from pipeline.classify.features import passage_string
from pipeline.classify.ngrams import tfidf_transform, union_transform
from pipeline.classify.sidecache import kept_for
from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES

log = logging.getLogger(__name__)
MODEL_NAME = "passage_clf"
# the name under which the embedding block's dimensions appear in explanations, summed into one entry
EMBEDDING_FEATURE = "zzembedding"
FORMAT = 2  # bump when the pickled object's structure changes; load() refuses other formats


@dataclass(slots=True)
class Example:
    text: str
    elements: list[str]
    stance: str
    obstacles: list[str]
    case: str | None = None
    doc_type: str | None = None
    section: str | None = None
    speaker: str | None = None
    doc: str | None = None
    start: int | None = None  # offset of a gold passage in its document's plain text
    before: str = ""  # the previous passage of the document
    after: str = ""  # the next passage of the document

    def features(self) -> str:
        return passage_string(self.text, self.doc_type, self.section, self.speaker)


def with_context(examples: list[Example]) -> list[Example]:
    """Fill `before`/`after` from neighbours in the list that belong to the same document."""
    for i, e in enumerate(examples):
        e.before = examples[i - 1].text if i and examples[i - 1].doc == e.doc else ""
        e.after = examples[i + 1].text if i + 1 < len(examples) and examples[i + 1].doc == e.doc else ""
    return examples


class PassageVectorizer:
    """Word and character n-grams of the passage (with its context markers), plus the
    words of the neighbouring passages at a lower weight: "namun" in the next
    sentence, or the interviewer's question before an answer, changes what a
    passage means."""

    def __init__(self, context_weight: float = 0.3, cue_weight: float = 0.0, context_cues: bool = False,
                 embed_weight: float = 0.0, cue_version: int = 1):
        self.context_weight = context_weight
        self.cue_weight = cue_weight  # > 0: codebook cue and negation-scope tokens as a block of their own (cues.py)
        self.context_cues = context_cues  # the neighbours' cue tokens too, prefixed "prev"/"next"
        self.embed_weight = embed_weight  # > 0: the passage's sentence embedding as a dense block (embed.py)
        self.cue_version = cue_version  # the cue lexicon (cues.LEXICONS); vectorizers pickled before it existed used 1

    def _cues(self, e: Example) -> str:
        from pipeline.classify.cues import cue_string

        version = getattr(self, "cue_version", 1)
        own = cue_string(e.text, version)
        if not getattr(self, "context_cues", False):
            return own
        return " ".join([own, *(f"prev{t}" for t in cue_string(e.before, version).split()
                                if t.startswith("zzcue") or t.startswith("zzob")),
                         *(f"next{t}" for t in cue_string(e.after, version).split()
                           if t.startswith("zzcue") or t.startswith("zzob"))])

    def fit(self, examples: list[Example]) -> PassageVectorizer:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        self.main_ = FeatureUnion([
            ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, lowercase=True)),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=60000,
                                     sublinear_tf=True, lowercase=True)),
        ]).fit([e.features() for e in examples])
        self.context_ = TfidfVectorizer(min_df=2, sublinear_tf=True, lowercase=True).fit(
            [f"{e.before} {e.after}" for e in examples])
        self.cues_ = None
        if self.cue_weight:
            self.cues_ = TfidfVectorizer(min_df=2, sublinear_tf=True, lowercase=False, token_pattern=r"\S+").fit(
                [self._cues(e) for e in examples])
        self.embed_mean_ = None
        if self.embed_weight:
            from pipeline.classify.embed import embed

            self.embed_mean_ = embed([e.text for e in examples]).mean(axis=0)
        return self

    def _embedding_block(self, examples: list[Example]):
        from scipy.sparse import csr_matrix

        from pipeline.classify.embed import available, embed

        if not available():  # without the package the block is all zeros: the other features decide
            return csr_matrix((len(examples), len(self.embed_mean_)))
        return csr_matrix(self.embed_weight * (embed([e.text for e in examples]) - self.embed_mean_))

    def transform(self, examples: list[Example]):
        from scipy.sparse import hstack

        w = self.context_weight
        # a passage's neighbours are passages too: each distinct text is vectorised once (a row depends on its text alone)
        distinct: dict[str, int] = {}
        rows = [distinct.setdefault(t, len(distinct)) for t in (*(e.before for e in examples), *(e.after for e in examples))]
        context = tfidf_transform(self.context_, list(distinct))[rows]
        blocks = [union_transform(self.main_, [e.features() for e in examples]),  # = self.main_.transform, faster
                  w * context[:len(examples)], w * context[len(examples):]]
        if getattr(self, "cues_", None) is not None:  # models saved before cue features have no cues_
            blocks.append(self.cue_weight * tfidf_transform(self.cues_, [self._cues(e) for e in examples]))
        if getattr(self, "embed_mean_", None) is not None:  # models saved before v6 have no embedding block
            blocks.append(self._embedding_block(examples))
        return hstack(blocks).tocsr()

    def get_feature_names_out(self):
        ctx = self.context_.get_feature_names_out()
        cues = self.cues_.get_feature_names_out() if getattr(self, "cues_", None) is not None else []
        emb = [EMBEDDING_FEATURE] * len(self.embed_mean_) if getattr(self, "embed_mean_", None) is not None else []
        return np.concatenate([self.main_.get_feature_names_out(), [f"before__{n}" for n in ctx],
                               [f"after__{n}" for n in ctx], [f"cue__{n}" for n in cues], emb])



BANK_CASE_PREFIX = "bank-"  # the sentence bank's examples belong to cases "bank-<pair>" (train.load_bank)

@dataclass
class PassageClassifier:
    """scikit-learn style: parameters in __init__, fitted state in attributes ending in "_".

    `model` is "svc" (linear SVM, sigmoid-calibrated) or "lr" (logistic regression, the v3 choice).
    With `tune`, the decision cut-offs (per element, per obstacle code, and class offsets for the
    stance) are chosen by leave-one-case-out inside the training data: the out-of-fold
    predictions of the training cases are kept in `oof_`, so the verdict aggregator can fit its
    cut-offs on predicted, not gold, labels."""

    C: float = 1.0
    obstacle_threshold: float = 0.4
    calibrate: bool = True
    context_weight: float = 0.3
    cue_weight: float = 0.0
    context_cues: bool = False
    neighbour_weight: float = 0.0
    first_stage_folds: int = 0  # the neighbour features' out-of-fold probabilities: 0 = leave-one-case-out, k = k folds
    embed_weight: float = 0.0
    cue_version: int = 1  # the codebook cue lexicon (cues.LEXICONS): 2 adds English wordings, 3 reads "not only X but
    # also Y" as addition (no shipped model uses 2 or 3 yet)
    tune_folds: int = 0  # cut-offs tuned on out-of-fold predictions: 0 = leave-one-case-out, k = k case-grouped folds
    # whose out-of-fold predictions the cut-offs are chosen on: "all" training passages, or "bank": the sentence
    # bank's only (cases named BANK_CASE_PREFIX + pair: text written in the registers of real sources), when the
    # training data has it
    tune_on: str = "all"
    model: str = "lr"
    tune: bool = False
    vectorizer_: object = None
    elements_: list = field(default_factory=list)
    element_thresholds_: dict = field(default_factory=dict)
    stance_: object = None
    obstacles_: dict = field(default_factory=dict)
    n_train_: int = 0

    # ------------------------------------------------------------------ fitting
    def _base(self, C: float | None = None):
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        if self.model == "svc":
            return LinearSVC(C=C if C is not None else self.C, class_weight="balanced", random_state=0)
        if self.model != "lr":
            raise ValueError(f"model must be 'svc' or 'lr', got {self.model!r}")
        return LogisticRegression(C=C if C is not None else self.C, max_iter=2000, class_weight="balanced")

    def _fit_parts(self, X, examples: list[Example]):
        """The stance, element and obstacle models on rows X of `examples` (no cut-offs)."""
        from sklearn.calibration import CalibratedClassifierCV

        stance_y = np.array([e.stance for e in examples])
        stance = self._base()
        if self.model == "svc":
            stance = CalibratedClassifierCV(stance, method="sigmoid", cv=3)
        stance.fit(X, stance_y)
        # Elements are learnt on evidence passages only: which element a piece of
        # evidence is about; whether a passage is evidence at all is the stance model's job.
        evidence = [i for i, e in enumerate(examples) if e.stance != "neutral"]
        elements = []
        for el in ELEMENTS:
            y = np.array([el in examples[i].elements for i in evidence], dtype=int)
            base = self._base()
            clf = CalibratedClassifierCV(base, method="sigmoid", cv=3) if self.calibrate and y.sum() >= 6 else base
            elements.append(clf.fit(X[evidence], y))
        obstacle_idx = [i for i, e in enumerate(examples) if e.stance == "obstacle"]
        obstacles = {}
        for code in OBSTACLE_CODES:
            y = np.array([code in examples[i].obstacles for i in obstacle_idx], dtype=int)
            if y.sum() < 3 or y.sum() == len(y):
                continue
            obstacles[code] = self._base().fit(X[obstacle_idx], y)
        return stance, elements, obstacles

    # ------------------------------------------------------------------ neighbour stacking
    def _first_probs(self, parts, X) -> np.ndarray:
        """Stance probabilities (STANCES order) and P(element | evidence) of a first-stage model."""
        stance, elements = parts
        p = stance.predict_proba(X)
        st = np.column_stack([p[:, list(stance.classes_).index(c)] if c in stance.classes_ else np.zeros(X.shape[0])
                              for c in STANCES])
        return np.hstack([st, np.column_stack([_proba(clf, X) for clf in elements])])

    def _with_neighbours(self, X, probs: np.ndarray, examples: list[Example]):
        """X plus the previous and next passage's first-stage probabilities (zeros at document edges)."""
        from scipy.sparse import csr_matrix, hstack

        n, k = probs.shape
        N = np.zeros((n, 2 * k))
        for i in range(n):
            if i and examples[i - 1].doc == examples[i].doc:
                N[i, :k] = probs[i - 1]
            if i + 1 < n and examples[i + 1].doc == examples[i].doc:
                N[i, k:] = probs[i + 1]
        return hstack([X, csr_matrix(self.neighbour_weight * N)]).tocsr()

    def _fit_first_stage(self, X, examples: list[Example]):
        """First-stage models on all the training data (for prediction) and their out-of-fold probabilities
        on the training data, by leave-one-case-out (what the second stage is trained on)."""
        stance, elements, _ = self._fit_parts(X, examples)
        self.first_ = (stance, elements)
        groups = np.array([(e.doc or "").split("/", 1)[0] for e in examples])
        probs = np.zeros((len(examples), len(STANCES) + len(ELEMENTS)))
        for fold in case_folds(sorted(set(groups)), getattr(self, "first_stage_folds", 0)):
            tr, te = np.where(~np.isin(groups, fold))[0], np.where(np.isin(groups, fold))[0]
            if len(set(groups)) < 2:
                tr = te
            st, els, _ = self._fit_parts(X[tr], [examples[i] for i in tr])
            probs[te] = self._first_probs((st, els), X[te])
        return self._with_neighbours(X, probs, examples)

    def _transform(self, examples: list[Example], stacked: bool = False):
        X = self.vectorizer_.transform(examples).tocsr()
        if getattr(self, "first_", None) is not None:
            stance, elements = self.first_
            if stacked:
                views = _stacked_views(self, "_first_stack", [stance, *elements], X)
                stance, elements = views[0], views[1:]
            X = self._with_neighbours(X, self._first_probs((stance, elements), X), examples)
        return X

    def fit(self, examples: list[Example]) -> PassageClassifier:
        self.vectorizer_ = PassageVectorizer(self.context_weight, self.cue_weight, self.context_cues,
                                             getattr(self, "embed_weight", 0.0),
                                             getattr(self, "cue_version", 1)).fit(examples)
        X = self.vectorizer_.transform(examples)
        self.first_ = None
        if self.neighbour_weight:
            X = self._fit_first_stage(X, examples)
        self.stance_, self.elements_, self.obstacles_ = self._fit_parts(X, examples)
        self.element_thresholds_ = {el: 0.5 for el in ELEMENTS}
        self.obstacle_thresholds_ = {code: self.obstacle_threshold for code in self.obstacles_}
        self.stance_offsets_ = {}
        self.stance_confusion_ = {}
        self.oof_ = None
        if self.tune:
            self._tune(X, examples)
        self.n_train_ = len(examples)
        self.format_ = FORMAT
        return self

    def _tune(self, X, examples: list[Example]) -> None:
        """Leave-one-case-out inside the training data (the features' vocabulary is the training data's):
        out-of-fold probabilities for every training passage, then the cut-offs that do best on them."""
        groups = np.array([(e.doc or "").split("/", 1)[0] for e in examples])
        cases = sorted(set(groups))
        if len(cases) < 3:
            log.info("tuning skipped: %d cases in the training data (3 needed)", len(cases))
            return
        n = len(examples)
        classes = list(self.stance_.classes_)
        st_p = np.zeros((n, len(classes)))
        cond = np.zeros((n, len(ELEMENTS)))
        ob = {code: np.zeros(n) for code in self.obstacles_}
        folds = case_folds(cases, getattr(self, "tune_folds", 0))
        for fold in folds:
            tr = np.where(~np.isin(groups, fold))[0]
            te = np.where(np.isin(groups, fold))[0]
            stance, elements, obstacles = self._fit_parts(X[tr], [examples[i] for i in tr])
            p = stance.predict_proba(X[te])
            for k, c in enumerate(stance.classes_):
                st_p[te, classes.index(c)] = p[:, k]
            cond[te] = np.column_stack([_proba(clf, X[te]) for clf in elements])
            for code in ob:
                ob[code][te] = _proba(obstacles[code], X[te]) if code in obstacles else 0.0
        gold_st = np.array([e.stance for e in examples])
        # the passages whose out-of-fold predictions choose the cut-offs (`tune_on`)
        on = np.char.startswith(groups.astype(str), BANK_CASE_PREFIX) if getattr(self, "tune_on", "all") == "bank" \
            else np.ones(n, dtype=bool)
        if not on.any():
            on = np.ones(n, dtype=bool)
        self.stance_offsets_ = _fit_offsets(np.log(st_p[on] + 1e-9), gold_st[on], classes)
        st_pred = np.array(classes)[(np.log(st_p + 1e-9) + self._offset_vector(classes)).argmax(1)]
        gate = st_pred != "neutral"
        Y = np.array([[el in e.elements for el in ELEMENTS] for e in examples])
        grid = np.arange(0.05, 0.951, 0.025)
        for j, el in enumerate(ELEMENTS):
            f1s = [_f1(Y[on, j], gate[on] & (cond[on, j] >= t)) for t in grid]
            self.element_thresholds_[el] = round(float(_best(grid, f1s)), 3)
        self._tune_obstacles({c: v[on] for c, v in ob.items()}, (st_pred == "obstacle")[on],
                             [e for e, keep in zip(examples, on) if keep], grid)
        self.stance_confusion_ = {}
        for j, el in enumerate(ELEMENTS):
            rows = []
            for g in ("positive", "obstacle"):
                both = Y[:, j] & (gold_st == g) & gate
                both &= np.array([el in self._elements(cond[i], True) for i in range(n)])
                k = int(both.sum())
                rows.append([float(np.mean(st_pred[both] == "positive")), float(np.mean(st_pred[both] == "obstacle"))]
                            if k >= 10 else None)
            # rows sum to 1 over the two evidence stances (a passage counted here was predicted as evidence)
            self.stance_confusion_[el] = [[round(x, 4) for x in r] for r in rows] if all(rows) else None
        el_p = cond * (1.0 - st_p[:, classes.index("neutral")])[:, None]
        self.oof_ = {"cases": groups.tolist(), "stance": st_pred.tolist(),
                     "stance_scores": np.round(st_p, 4).tolist(), "stance_classes": classes,
                     "scores": np.round(el_p, 4).tolist(),
                     "elements": [self._elements(cond[i], gate[i]) for i in range(n)],
                     "doc_types": [e.doc_type for e in examples], "attributed": [e.case for e in examples]}
        log.info("tuned cut-offs: elements %s, stance offsets %s", self.element_thresholds_, self.stance_offsets_)

    def _tune_obstacles(self, ob: dict, rows: np.ndarray, examples: list[Example], grid: np.ndarray) -> None:
        """Per-code cut-offs by coordinate ascent on the micro-F1 over all codes (two passes)."""
        codes = list(ob)
        if not codes:
            return
        Y = np.array([[c in e.obstacles for c in codes] for e in examples])
        missed = sum(len(set(e.obstacles) - set(codes)) for e in examples)  # codes never modelled: always missed
        P = np.column_stack([ob[c] for c in codes])
        thr = np.array([self.obstacle_thresholds_[c] for c in codes])

        def micro(t: np.ndarray) -> float:
            pred = (P >= t) & rows[:, None]
            tp = int((pred & Y).sum())
            return 2 * tp / (2 * tp + int((pred & ~Y).sum()) + int((~pred & Y).sum()) + missed)

        for _ in range(2):
            for k in range(len(codes)):
                vals = []
                for t in grid:
                    trial = thr.copy()
                    trial[k] = t
                    vals.append(micro(trial))
                thr[k] = _best(grid, vals)
        self.obstacle_thresholds_ = {c: round(float(t), 3) for c, t in zip(codes, thr)}

    # ------------------------------------------------------------------ prediction
    def _offset_vector(self, classes: list[str]) -> np.ndarray:
        offsets = getattr(self, "stance_offsets_", None) or {}
        return np.array([offsets.get(c, 0.0) for c in classes])

    def _elements(self, cond_row: np.ndarray, evidence: bool) -> list[str]:
        if not evidence:
            return []
        chosen = [el for j, el in enumerate(ELEMENTS) if cond_row[j] >= self.element_thresholds_[el]]
        if not chosen:  # evidence is about at least one element: the one relatively most likely
            rel = [cond_row[j] / max(self.element_thresholds_[el], 1e-6) for j, el in enumerate(ELEMENTS)]
            chosen = [ELEMENTS[int(np.argmax(rel))]]
        return chosen

    def predict(self, examples: list[Example], explain: bool = False, stacked: bool = True) -> list[dict]:
        """For each example: scores, elements, stance, stance_scores, obstacles; with `explain`, also
        "why": the features behind each predicted element and the stance (from the same features).
        `stacked=False` asks each model for its margins itself (the former path; same output, slower)."""
        if not examples:
            return []
        X = self._transform(examples, stacked=stacked)
        models = [self.stance_, *self.elements_, *self.obstacles_.values()]
        if stacked:  # every linear model's margins in one sparse product (see _stacked_views)
            models = _stacked_views(self, "_second_stack", models, X)
        stance_, elements_ = models[0], models[1:1 + len(self.elements_)]
        obstacles_ = dict(zip(self.obstacles_, models[1 + len(self.elements_):]))
        el_cond = np.column_stack([_proba(clf, X) for clf in elements_])
        st_p = stance_.predict_proba(X)
        st_classes = list(self.stance_.classes_)
        # P(element) = P(element | evidence) x P(evidence)
        el_p = el_cond * (1.0 - st_p[:, st_classes.index("neutral")])[:, None]
        st_idx = (np.log(st_p + 1e-9) + self._offset_vector(st_classes)).argmax(1)
        ob_p = {code: _proba(clf, X) for code, clf in obstacles_.items()}
        ob_t = getattr(self, "obstacle_thresholds_", None) or {}
        out = []
        for i in range(len(examples)):
            stance = st_classes[int(st_idx[i])]
            scores = {el: round(float(el_p[i, j]), 4) for j, el in enumerate(ELEMENTS)}
            elements = self._elements(el_cond[i], stance != "neutral")
            obstacles = sorted(c for c, p in ob_p.items() if p[i] >= ob_t.get(c, self.obstacle_threshold)) \
                if stance == "obstacle" else []
            out.append({"scores": scores, "elements": elements, "stance": stance,
                        "stance_scores": {c: round(float(st_p[i, k]), 4) for k, c in enumerate(st_classes)},
                        "obstacles": obstacles})
        if explain:
            whys = self._explain_rows(X, [[*o["elements"], f"stance:{o['stance']}"] for o in out])
            for o, why in zip(out, whys):
                o["why"] = why
        return out

    def explain(self, example: Example, top: int = 8) -> dict[str, list[tuple[str, float]]]:
        """The features that pushed each label (every element and stance) up most."""
        labels = [*ELEMENTS, *(f"stance:{st}" for st in STANCES)]
        return self.explain_many([example], [labels], top)[0]

    def explain_many(self, examples: list[Example], labels: list[list[str]], top: int = 5) -> list[dict]:
        """For each example, for each of its `labels` (an element, or "stance:<stance>"), the features
        with the largest positive contribution (tf-idf value x coefficient) to that label's score."""
        if not examples:
            return []
        return self._explain_rows(self._transform(examples), labels, top)

    def _explain_rows(self, X, labels: list[list[str]], top: int = 5) -> list[dict]:
        names = getattr(self, "_feature_names", None)
        if names is None:
            names = self.vectorizer_.get_feature_names_out()
            if getattr(self, "first_", None) is not None:
                first = [f"p_{c}" for c in (*STANCES, *ELEMENTS)]
                names = np.concatenate([names, [f"prev__{n}" for n in first], [f"next__{n}" for n in first]])
            self._feature_names = names
        short = getattr(self, "_short_names", None)
        if short is None or len(short) != len(names):  # the names as explanations show them, worked out once
            short = np.array([str(n).split("__", 1)[-1] for n in names], dtype=object)
            self._short_names = short
            self._embedding_mask = short == EMBEDDING_FEATURE
        coefs = _label_coefs(self)
        X = X.tocsr()
        out = []
        for i, wanted in enumerate(labels):
            # the row's stored values and columns, in their stored order (what X.getrow(i) holds)
            lo, hi = X.indptr[i], X.indptr[i + 1]
            data, indices = X.data[lo:hi], X.indices[lo:hi]
            expl = {}
            wanted = [label for label in wanted if label in coefs]
            if not wanted:
                out.append(expl)
                continue
            dense = self._embedding_mask[indices]
            has_dense = dense.any()
            # the embedding's dimensions are counted below, together: the words are the other columns (a dimension
            # ranked among them would have had -inf, below every word, and the `c > 0` below drops it)
            sparse = np.flatnonzero(~dense) if has_dense else None
            word_names = short[indices if sparse is None else indices[sparse]]
            for label in wanted:
                contrib = data * coefs[label][indices]
                words = contrib if sparse is None else contrib[sparse]
                best = _top_stable(words, top)
                pairs = list(zip(word_names[best].tolist(), words[best].tolist()))
                if has_dense:  # the embedding's dimensions say one thing together: the passage's meaning
                    pairs.append((EMBEDDING_FEATURE, float(contrib[dense].sum())))
                    pairs.sort(key=lambda kv: -kv[1])
                expl[label] = [(n, round(c, 4)) for n, c in pairs[:top] if c > 0]
            out.append(expl)
        return out


def _top_stable(values: np.ndarray, k: int) -> np.ndarray:
    """`np.argsort(-values, kind="stable")[:k]` without sorting the whole row: the values at or above the k-th
    largest, in column order, sorted stably (ties keep the lower column first, as the full sort keeps them)."""
    if len(values) <= k or k <= 0:
        return np.argsort(-values, kind="stable")[:max(k, 0)]
    kth = np.partition(values, len(values) - k)[len(values) - k]
    candidates = np.flatnonzero(values >= kth)
    return candidates[np.argsort(-values[candidates], kind="stable")][:k]


def _label_coefs(model: PassageClassifier) -> dict[str, np.ndarray]:
    """Each element's and stance class's coefficient vector as explanations use them (averaged over
    calibration folds), worked out once per model rather than once per document; kept outside the
    object, as `_stacked_views` keeps its stacks, so a saved model does not carry them."""
    kept = kept_for(model)
    estimators = (model.stance_, *model.elements_)
    before, coefs = kept.get("label_coefs", ((), None))
    # the estimators themselves are kept (not their ids): a refitted model's new ones are never taken for the old
    if len(before) != len(estimators) or any(a is not b for a, b in zip(before, estimators)):
        coefs = {el: _coef(clf) for el, clf in zip(ELEMENTS, model.elements_)}
        stance_coef = _coef_matrix(model.stance_)
        if len(model.stance_.classes_) > 2:
            coefs.update({f"stance:{st}": stance_coef[k] for k, st in enumerate(model.stance_.classes_)})
        kept["label_coefs"] = (estimators, coefs)
    return coefs


def case_folds(cases: list[str], k: int = 0) -> list[list[str]]:
    """Cases split into folds: one case a fold (k = 0, or k >= the number of cases), else k folds of
    cases dealt round-robin in name order (deterministic)."""
    if not k or k >= len(cases):
        return [[c] for c in cases]
    return [cases[i::k] for i in range(k)]


def _linear_parts(clf) -> list:
    """The linear estimators inside a model: itself, or each calibration fold's estimator."""
    if hasattr(clf, "calibrated_classifiers_"):
        return [cc.estimator for cc in clf.calibrated_classifiers_]
    return [clf]


def _stacked_views(owner, key: str, models: list, X) -> list:
    """`models` as they answer over X, with the margins of every linear estimator in them computed in
    one sparse product (X @ W, W their coefficient columns side by side, built once per model and kept
    for `owner` under `key` by sidecache.kept_for: a saved model does not carry it). Each view is a shallow copy whose estimators return their column(s) of that
    product plus their intercept from decision_function, so scikit-learn's own code still does the rest
    (calibration, averaging over folds, probabilities). Per document this replaces about 60 calls, each
    validating X and multiplying it by one vector, with one product; the margins are bit for bit the
    same (the same sums in the same order: tests/classify/test_stacked.py)."""
    import copy

    kept = kept_for(owner)
    stack = kept.get(key)
    if stack is None or stack[0] != [id(m) for m in models]:
        columns, spans = [], []
        for e in (e for m in models for e in _linear_parts(m)):
            coef = e.coef_ if e.coef_.ndim == 2 else e.coef_[None, :]
            spans.append((sum(c.shape[1] for c in columns), coef.shape[0]))
            columns.append(np.asarray(coef.T, dtype=np.float64))
        stack = ([id(m) for m in models], np.ascontiguousarray(np.hstack(columns)), spans)
        kept[key] = stack
    _, W, spans = stack
    margins = X @ W
    at = iter(spans)

    def margin(e):  # e's decision_function over X, from its column(s) of the product
        start, width = next(at)
        scores = margins[:, start:start + width] + e.intercept_
        return scores.reshape(-1) if width == 1 else scores

    def shim(e):
        scores = margin(e)
        view = copy.copy(e)
        view.decision_function = lambda _X, _s=scores: _s.copy()  # predict_proba may write into it
        return view

    views = []
    for m in models:
        if _binary_sigmoid(m):  # the folds' margins themselves: no estimator copied to hand them on
            views.append(_BinarySigmoid(m, [margin(cc.estimator).copy() for cc in m.calibrated_classifiers_]))
        elif _multiclass_sigmoid(m):
            views.append(_MulticlassSigmoid(m, [margin(cc.estimator).copy() for cc in m.calibrated_classifiers_]))
        elif hasattr(m, "calibrated_classifiers_"):
            view = copy.copy(m)
            view.calibrated_classifiers_ = []
            for cc in m.calibrated_classifiers_:
                fold = copy.copy(cc)
                fold.estimator = shim(cc.estimator)
                view.calibrated_classifiers_.append(fold)
            views.append(view)
        else:
            views.append(shim(m))
    return views


def _binary_sigmoid(m) -> bool:
    """A binary CalibratedClassifierCV with one sigmoid calibrator per fold over its estimator's own classes."""
    folds = getattr(m, "calibrated_classifiers_", None)
    return bool(folds) and len(m.classes_) == 2 and all(
        cc.method == "sigmoid" and len(cc.calibrators) == 1 and hasattr(cc.calibrators[0], "a_")
        and list(cc.estimator.classes_) == list(m.classes_) for cc in folds)


class _BinarySigmoid:
    """What CalibratedClassifierCV.predict_proba computes for a binary model with sigmoid calibration, from
    its folds' margins, in the same operations and order (scikit-learn's _CalibratedClassifier and
    _SigmoidCalibration), without validating X once per fold and per call."""

    def __init__(self, model, margins: list[np.ndarray]):
        self.classes_ = model.classes_
        self._folds = [(cc.calibrators[0].a_, cc.calibrators[0].b_, t) for cc, t in zip(model.calibrated_classifiers_, margins)]

    def predict_proba(self, X) -> np.ndarray:
        from scipy.special import expit

        mean = np.zeros((len(self._folds[0][2]), 2))
        for a, b, t in self._folds:
            proba = np.zeros_like(mean)
            proba[:, 1] = expit(-(a * t + b))
            proba[:, 0] = 1.0 - proba[:, 1]
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        mean /= len(self._folds)
        return mean


def _multiclass_sigmoid(m) -> bool:
    """A CalibratedClassifierCV of more than two classes with one sigmoid calibrator per class and fold, each fold's
    estimator knowing every class in the model's order (as the stance model's folds do)."""
    folds = getattr(m, "calibrated_classifiers_", None)
    return bool(folds) and len(m.classes_) > 2 and list(m.classes_) == sorted(m.classes_) and all(
        cc.method == "sigmoid" and list(cc.estimator.classes_) == list(m.classes_) and list(cc.classes) == list(m.classes_)
        and len(cc.calibrators) == len(m.classes_) and all(hasattr(c, "a_") for c in cc.calibrators) for cc in folds)


class _MulticlassSigmoid:
    """What CalibratedClassifierCV.predict_proba computes for a model `_multiclass_sigmoid` accepts, from its folds'
    margins (n x classes), in the same operations and order (scikit-learn's _CalibratedClassifier: a sigmoid per
    class, the row normalised, uniform where every class got 0; the folds' mean), without validating X per fold."""

    def __init__(self, model, margins: list[np.ndarray]):
        self.classes_ = model.classes_
        self._folds = [([(c.a_, c.b_) for c in cc.calibrators], t) for cc, t in zip(model.calibrated_classifiers_, margins)]

    def predict_proba(self, X) -> np.ndarray:
        from scipy.special import expit

        n_classes = len(self.classes_)
        mean = np.zeros((len(self._folds[0][1]), n_classes))
        for calibrators, t in self._folds:
            proba = np.zeros_like(mean)
            for k, (a, b) in enumerate(calibrators):  # the estimator's classes are the model's, in order
                proba[:, k] = expit(-(a * t[:, k].reshape(-1) + b))
            denominator = np.sum(proba, axis=1)[:, np.newaxis]
            uniform = np.full_like(proba, 1 / n_classes)
            proba = np.divide(proba, denominator, out=uniform, where=denominator != 0)
            proba[(1.0 < proba) & (proba <= 1.0 + 1e-5)] = 1.0
            mean += proba
        mean /= len(self._folds)
        return mean


def _proba(clf, X) -> np.ndarray:
    """P(label) of a binary classifier: predict_proba where there is one, else the logistic of the margin."""
    if hasattr(clf, "predict_proba"):
        return clf.predict_proba(X)[:, 1]
    return 1.0 / (1.0 + np.exp(-clf.decision_function(X)))


def _f1(y: np.ndarray, p: np.ndarray) -> float:
    tp = int((y & p).sum())
    denom = 2 * tp + int((y & ~p).sum()) + int((~y & p).sum())
    return 2 * tp / denom if denom else 0.0


def _best(grid: np.ndarray, values: list[float]) -> float:
    """The grid point with the best value, smoothed over its neighbours (the curve is noisy on few cases)."""
    v = np.array(values)
    smooth = np.convolve(np.pad(v, 1, mode="edge"), np.ones(3) / 3, mode="valid")
    return grid[int(np.argmax(smooth))]


def _fit_offsets(logp: np.ndarray, gold: np.ndarray, classes: list[str]) -> dict[str, float]:
    """Additive log-probability offsets per stance class (the first class fixed at 0) that maximise accuracy."""
    grid = np.arange(-1.0, 1.01, 0.1)
    best, best_acc = {c: 0.0 for c in classes}, -1.0
    for a in grid:
        for b in grid:
            off = np.array([0.0, a, b][:len(classes)])
            acc = float(np.mean(np.array(classes)[(logp + off).argmax(1)] == gold)) - 1e-4 * (abs(a) + abs(b))
            if acc > best_acc:
                best_acc, best = acc, {c: round(float(o), 2) for c, o in zip(classes, off)}
    return best


def _coef_matrix(clf) -> np.ndarray:
    """Coefficient matrix of a (possibly calibrated) linear model, averaged over calibration folds."""
    if hasattr(clf, "coef_"):
        return clf.coef_
    return np.mean([c.estimator.coef_ for c in clf.calibrated_classifiers_], axis=0)


def _coef(clf) -> np.ndarray:
    """Mean coefficient vector of a (possibly calibrated) logistic regression."""
    if hasattr(clf, "coef_"):
        return clf.coef_[0]
    return np.mean([c.estimator.coef_[0] for c in clf.calibrated_classifiers_], axis=0)


# --------------------------------------------------------------------------- persistence
def data_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16] if path.exists() else ""


def save(model: PassageClassifier, folder: Path, card: dict) -> Path:
    """Write model.pkl and card.json into a new versioned folder; never overwrite."""
    if folder.exists():
        raise FileExistsError(f"{folder} exists: released model versions are never changed; train a new version")
    import sklearn

    folder.mkdir(parents=True)
    with open(folder / "model.pkl", "wb") as fh:
        pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
    card = {"name": folder.name, "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "sklearn": sklearn.__version__, "n_train": model.n_train_, **card}
    (folder / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return folder


def versions(models_dir: Path, name: str = MODEL_NAME) -> list[Path]:
    found = []
    for p in models_dir.glob(f"{name}.v*"):
        suffix = p.name.rsplit(".v", 1)[-1]
        if p.is_dir() and suffix.isdigit() and (p / "model.pkl").exists():
            found.append((int(suffix), p))
    return [p for _, p in sorted(found)]


def next_version(models_dir: Path, name: str = MODEL_NAME) -> Path:
    existing = [int(p.name.rsplit(".v", 1)[-1]) for p in models_dir.glob(f"{name}.v*") if p.name.rsplit(".v", 1)[-1].isdigit()]
    return models_dir / f"{name}.v{max(existing, default=0) + 1}"


class ModelNotFound(FileNotFoundError):
    pass


def load(models_dir: Path, version: str | None = None) -> tuple[PassageClassifier, dict]:
    """Load a named version ("passage_clf.v2") or the newest one in `models_dir`."""
    if version:
        folder = models_dir / version if not Path(version).is_absolute() else Path(version)
    else:
        found = versions(models_dir)
        if not found:
            raise ModelNotFound(f"no {MODEL_NAME}.vN model in {models_dir}: run `sistercity train` to build one")
        folder = found[-1]
    if not (folder / "model.pkl").exists():
        raise ModelNotFound(f"{folder} has no model.pkl: run `sistercity train`, or name an existing version")
    with open(folder / "model.pkl", "rb") as fh:
        model = pickle.load(fh)
    if getattr(model, "format_", 1) != FORMAT:
        raise ModelNotFound(f"{folder.name} was saved in model format {getattr(model, 'format_', 1)}, this version of "
                            f"sistercity reads format {FORMAT}: train a new version with `sistercity train`")
    card = json.loads((folder / "card.json").read_text(encoding="utf-8")) if (folder / "card.json").exists() else {}
    card.setdefault("name", folder.name)
    return model, card
