"""The passage classifier: five element probabilities, a stance, obstacle codes.

Three scikit-learn pipelines over the same features (word and character
n-grams of the passage plus context markers, see `features`):
- elements: one calibrated logistic regression per element (multi-label);
- stance: multinomial logistic regression (positive / obstacle / neutral);
- obstacles: one logistic regression per obstacle code, trained on obstacle passages.
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
from pipeline.data import ELEMENTS, OBSTACLE_CODES, STANCES

log = logging.getLogger(__name__)
MODEL_NAME = "passage_clf"
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

    def __init__(self, context_weight: float = 0.3):
        self.context_weight = context_weight

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
        return self

    def transform(self, examples: list[Example]):
        from scipy.sparse import hstack

        w = self.context_weight
        return hstack([self.main_.transform([e.features() for e in examples]),
                       w * self.context_.transform([e.before for e in examples]),
                       w * self.context_.transform([e.after for e in examples])]).tocsr()

    def get_feature_names_out(self):
        ctx = self.context_.get_feature_names_out()
        return np.concatenate([self.main_.get_feature_names_out(), [f"before__{n}" for n in ctx],
                               [f"after__{n}" for n in ctx]])


@dataclass
class PassageClassifier:
    """scikit-learn style: parameters in __init__, fitted state in attributes ending in "_"."""

    C: float = 1.0
    obstacle_threshold: float = 0.4
    calibrate: bool = True
    context_weight: float = 0.3
    vectorizer_: object = None
    elements_: list = field(default_factory=list)
    element_thresholds_: dict = field(default_factory=dict)
    stance_: object = None
    obstacles_: dict = field(default_factory=dict)
    n_train_: int = 0

    def fit(self, examples: list[Example]) -> PassageClassifier:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        self.vectorizer_ = PassageVectorizer(self.context_weight).fit(examples)
        X = self.vectorizer_.transform(examples)
        # Elements are learnt on evidence passages only: which element a piece of
        # evidence is about; whether a passage is evidence at all is the stance model's job.
        evidence = [i for i, e in enumerate(examples) if e.stance != "neutral"]
        self.elements_ = []
        for el in ELEMENTS:
            y = np.array([el in examples[i].elements for i in evidence], dtype=int)
            base = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
            clf = CalibratedClassifierCV(base, method="sigmoid", cv=3) if self.calibrate and y.sum() >= 6 else base
            self.elements_.append(clf.fit(X[evidence], y))
            self.element_thresholds_[el] = 0.5
        stance_y = np.array([e.stance for e in examples])
        self.stance_ = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced").fit(X, stance_y)
        obstacle_idx = [i for i, e in enumerate(examples) if e.stance == "obstacle"]
        self.obstacles_ = {}
        for code in OBSTACLE_CODES:
            y = np.array([code in examples[i].obstacles for i in obstacle_idx], dtype=int)
            if y.sum() < 3 or y.sum() == len(y):
                continue
            self.obstacles_[code] = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced").fit(X[obstacle_idx], y)
        self.n_train_ = len(examples)
        self.format_ = FORMAT
        return self

    def predict(self, examples: list[Example], explain: bool = False) -> list[dict]:
        """For each example: scores, elements, stance, stance_scores, obstacles; with `explain`, also
        "why": the features behind each predicted element and the stance (from the same features)."""
        if not examples:
            return []
        X = self.vectorizer_.transform(examples).tocsr()
        el_cond = np.column_stack([clf.predict_proba(X)[:, 1] for clf in self.elements_])
        st_p = self.stance_.predict_proba(X)
        st_classes = list(self.stance_.classes_)
        # P(element) = P(element | evidence) x P(evidence)
        el_p = el_cond * (1.0 - st_p[:, st_classes.index("neutral")])[:, None]
        ob_p = {code: clf.predict_proba(X)[:, 1] for code, clf in self.obstacles_.items()}
        out = []
        for i in range(len(examples)):
            stance = st_classes[int(st_p[i].argmax())]
            scores = {el: round(float(el_p[i, j]), 4) for j, el in enumerate(ELEMENTS)}
            cond = {el: float(el_cond[i, j]) for j, el in enumerate(ELEMENTS)}
            elements = [el for el in ELEMENTS if cond[el] >= self.element_thresholds_[el]] if stance != "neutral" else []
            if stance != "neutral" and not elements:
                elements = [max(cond, key=cond.get)]
            obstacles = sorted(c for c, p in ob_p.items() if p[i] >= self.obstacle_threshold) if stance == "obstacle" else []
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
        return self._explain_rows(self.vectorizer_.transform(examples).tocsr(), labels, top)

    def _explain_rows(self, X, labels: list[list[str]], top: int = 5) -> list[dict]:
        names = getattr(self, "_feature_names", None)
        if names is None:
            names = self._feature_names = self.vectorizer_.get_feature_names_out()
        coefs = {el: _coef(clf) for el, clf in zip(ELEMENTS, self.elements_)}
        coefs.update({f"stance:{st}": self.stance_.coef_[k] for k, st in enumerate(self.stance_.classes_)}
                     if len(self.stance_.classes_) > 2 else {})
        out = []
        for i, wanted in enumerate(labels):
            row = X.getrow(i)
            expl = {}
            for label in wanted:
                coef = coefs.get(label)
                if coef is None:
                    continue
                contrib = row.data * coef[row.indices]
                order = np.argsort(-contrib)[:top]
                expl[label] = [(str(names[row.indices[j]]).split("__", 1)[-1], round(float(contrib[j]), 4))
                               for j in order if contrib[j] > 0]
            out.append(expl)
        return out


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
