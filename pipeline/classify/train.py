"""Training data, leave-one-case-out evaluation and `sistercity train`."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path

import numpy as np

from pipeline.classify.model import (
    BANK_CASE_PREFIX,
    Example,
    PassageClassifier,
    data_hash,
    next_version,
    save,
    with_context,
)
from pipeline.data import DOC_TYPES, ELEMENTS, OBSTACLE_CODES, STANCES

log = logging.getLogger(__name__)
# The configurations `sistercity train` shipped: passage_clf.v4, and v5 on (v4 plus the codebook cue and
# negation-scope block, pipeline/classify/cues.py); chosen on the leave-one-case-out comparison in
# evaluation/model_comparison.md. SHIPPED_PARAMS is what `train`, `retrain` and `evaluate` use by default.
V4_PARAMS: dict = {"model": "svc", "C": 0.1, "tune": True}
V5_PARAMS: dict = {**V4_PARAMS, "cue_weight": 0.5}
# v6: v5 plus the passage's sentence embedding (pipeline/classify/embed.py) and cut-offs tuned on four
# case-grouped folds (12 cases); chosen on evaluation/classifier_variants.md (in-corpus cross-validation).
V6_PARAMS: dict = {**V5_PARAMS, "embed_weight": 2.0, "tune_folds": 4}
SHIPPED_PARAMS: dict = V6_PARAMS


def load_examples(path: Path) -> list[Example]:
    """Gold passages from annotations/passages.jsonl (one coder's labels: coder A)."""
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `make corpus` (python corpora/build.py annotations) first")
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("coder", "A") != "A":
                continue
            out.append(Example(doc=row["doc"], start=row.get("start"), text=row["text"], elements=row["elements"], stance=row["stance"],
                               obstacles=row["obstacles"], case=row["case"], doc_type=row.get("doc_type"),
                               section=row.get("section"), speaker=row.get("speaker")))
    return with_context(out)


BANK_DIR = "bank"  # annotations/bank/: the sentence bank (load_bank)


def load_bank(folder: Path) -> list[Example]:
    """The sentence bank: annotations/bank/*.jsonl, short runs of sentences written in the voices of the field's
    sources (news, abstracts, theses, partner-side pages, government reports, posts; corpora/specs/BANK.md) about
    invented city pairs and labelled under the codebook, one snippet a line:
    {"snippet", "pair", "doc_type", "lang", "register", "sentences": [{"text", "stance", "elements", "obstacles"}]}.
    Each sentence is one example of the case `bank-<pair>` in the document `bank-<pair>/<snippet>`, its neighbours
    the snippet's sentences. A malformed line raises ValueError naming the file and the line."""
    examples: list[Example] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                pair, snippet, doc_type = row["pair"], row["snippet"], row.get("doc_type", "other")
                sentences = row["sentences"]
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: not a bank snippet ({exc})") from exc
            if doc_type not in DOC_TYPES:
                raise ValueError(f"{path}:{number}: doc_type {doc_type!r} is not one of {', '.join(DOC_TYPES)}")
            start = 0
            for s in sentences:
                text, stance = str(s.get("text", "")).strip(), s.get("stance")
                elements, obstacles = list(s.get("elements") or []), list(s.get("obstacles") or [])
                if not text:
                    continue
                bad = ([f"stance {stance!r}"] if stance not in STANCES else []) \
                    + [f"element {e!r}" for e in elements if e not in ELEMENTS] \
                    + [f"obstacle code {o!r}" for o in obstacles if o not in OBSTACLE_CODES] \
                    + (["a neutral sentence with elements"] if stance == "neutral" and elements else []) \
                    + (["obstacle codes on a sentence that is not an obstacle"] if obstacles and stance != "obstacle" else [])
                if bad:
                    raise ValueError(f"{path}:{number}: {'; '.join(bad)} in {text[:60]!r}")
                examples.append(Example(text=text, elements=elements, stance=stance, obstacles=obstacles,
                                        case=f"{BANK_CASE_PREFIX}{pair}", doc_type=doc_type,
                                        doc=f"{BANK_CASE_PREFIX}{pair}/{snippet}", start=start))
                start += len(text) + 1
    return with_context(examples)


def doc_case(example_doc: str) -> str:
    return example_doc.split("/", 1)[0]


def scores(gold: list[Example], pred: list[dict]) -> dict[str, float]:
    """Element macro-F1 (over the five), stance accuracy, obstacle micro-F1, ECE of element probabilities."""
    from sklearn.metrics import f1_score

    Y = np.array([[el in g.elements for el in ELEMENTS] for g in gold], dtype=int)
    P = np.array([[el in p["elements"] for el in ELEMENTS] for p in pred], dtype=int)
    probs = np.array([[p["scores"][el] for el in ELEMENTS] for p in pred])
    per_el = {el: float(f1_score(Y[:, j], P[:, j], zero_division=0)) for j, el in enumerate(ELEMENTS)}
    tp = fp = fn = 0
    for g, p in zip(gold, pred):
        gs, ps = set(g.obstacles), set(p["obstacles"])
        tp, fp, fn = tp + len(gs & ps), fp + len(ps - gs), fn + len(gs - ps)
    ob_f1 = 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0
    return {
        "n": len(gold),
        "element_macro_f1": round(float(np.mean(list(per_el.values()))), 4),
        **{f"f1_{el}": round(v, 4) for el, v in per_el.items()},
        "stance_accuracy": round(float(np.mean([g.stance == p["stance"] for g, p in zip(gold, pred)])), 4),
        "obstacle_micro_f1": round(ob_f1, 4),
        "element_ece": round(expected_calibration_error(probs.ravel(), Y.ravel()), 4),
    }


def expected_calibration_error(prob: np.ndarray, label: np.ndarray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    ece = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        mask = (prob >= lo) & ((prob < hi) if hi < 1 else (prob <= hi))
        if mask.any():
            ece += mask.mean() * abs(prob[mask].mean() - label[mask].mean())
    return float(ece)


def leave_one_case_out(examples: list[Example], groups: list[str], extra: list[Example] | None = None, **params) -> dict:
    """Train on all cases but one, test on that one, for every case; `extra` (the sentence bank: cases of their
    own, never tested) joins every fold's training data."""
    by_case: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        by_case[g].append(i)
    all_gold: list[Example] = []
    all_pred: list[dict] = []
    per_case = {}
    for case, test_idx in sorted(by_case.items()):
        test = set(test_idx)
        model = PassageClassifier(**params).fit([e for i, e in enumerate(examples) if i not in test] + list(extra or []))
        gold = [examples[i] for i in test_idx]
        pred = model.predict(gold)
        per_case[case] = scores(gold, pred)
        all_gold += gold
        all_pred += pred
        log.info("held out %s: %s", case, per_case[case])
    return {"overall": scores(all_gold, all_pred), "per_case": per_case}


def describe(params: dict) -> dict:
    """The model card's description of the features and models for `params`."""
    svc = params.get("model", "lr") == "svc"
    base = "linear SVM (class-balanced)" if svc else "logistic regression (class-balanced)"
    return {
        "features": "word 1-2-grams + char_wb 2-5-grams (tf-idf) of the passage, with markers for "
                    "document type, section heading, speaker role, negation/hedging, definition and plan cues; "
                    "words of the previous and next passage (weight 0.3)"
                    + (f"; codebook cue tokens per element family and obstacle code with negation/hedge scope "
                       f"(pipeline/classify/cues.py lexicon {params.get('cue_version', 1)}, weight "
                       f"{params['cue_weight']})" if params.get("cue_weight") else "")
                    + ("; the neighbours' cue tokens" if params.get("context_cues") else "")
                    + (f"; the previous and next passage's out-of-fold stance and element probabilities "
                       f"(weight {params['neighbour_weight']})" if params.get("neighbour_weight") else "")
                    + (f"; the passage's sentence embedding, multilingual-e5-small in 4 bits from the pinned package "
                       f"{_embed_package()}, centred, one thread (weight {params['embed_weight']}; zeros when the "
                       f"package is missing)" if params.get("embed_weight") else ""),
        "models": f"stance: {base}{', sigmoid-calibrated' if svc else ''} (3 classes); elements: one sigmoid-calibrated "
                  f"{base} per element trained on evidence passages, P(element) = P(element | evidence) x P(not neutral); "
                  f"obstacles: one {base} per code on obstacle passages"
                  + ("; cut-offs per element and per obstacle code and stance class offsets chosen by "
                     + (f"{params['tune_folds']} case-grouped folds" if params.get("tune_folds") else "leave-one-case-out")
                     + " inside the training data"
                     + (", chosen on the sentence bank's passages only (text in the registers of real sources)"
                        if params.get("tune_on") == "bank" else "") if params.get("tune") else ""),
    }


def _embed_package() -> str:
    from pipeline.classify.embed import PACKAGE

    return PACKAGE


def train(annotations: Path, models_dir: Path, evaluate: bool = True, bank: bool = False, **params) -> Path:
    """A new models/passage_clf.vN/ trained on annotations/passages.jsonl (and, with `bank`, the sentence bank
    in annotations/bank/), its card with the leave-one-case-out figures unless `evaluate` is False."""
    params = {**SHIPPED_PARAMS, **params}
    path = annotations / "passages.jsonl"
    examples = load_examples(path)
    extra = load_bank(annotations / BANK_DIR) if bank else []
    groups = [doc_case(e.doc) for e in examples]  # split by the document's case: no held-out document is trained on
    card: dict = {"data": str(path.name), "data_sha256": data_hash(path), "n_passages": len(examples),
                  **describe(params), "params": params}
    if bank:
        card["bank"] = {"folder": f"{annotations.name}/{BANK_DIR}", "sentences": len(extra),
                        "files": {p.name: data_hash(p) for p in sorted((annotations / BANK_DIR).glob("*.jsonl"))}}
    if evaluate:
        card["leave_one_case_out"] = leave_one_case_out(examples, groups, extra, **params)
    model = PassageClassifier(**params).fit(examples + extra)
    card["obstacle_codes_modelled"] = sorted(model.obstacles_)
    card["obstacle_codes_too_rare"] = sorted(set(OBSTACLE_CODES) - set(model.obstacles_))
    card.update(fitted_cutoffs(model))
    return save(model, next_version(models_dir), card)


def fitted_cutoffs(model: PassageClassifier) -> dict:
    """The tuned decision rules, for the card (the verdict aggregator reads `stance_confusion` from it)."""
    return {"element_thresholds": model.element_thresholds_,
            "obstacle_thresholds": getattr(model, "obstacle_thresholds_", {}),
            "stance_offsets": getattr(model, "stance_offsets_", {}),
            "stance_confusion": getattr(model, "stance_confusion_", {})}


def load_corrections(path: Path | None) -> list[Example]:
    """Reviewers' accepted corrections: JSONL with text, elements, stance, obstacles, case, doc (and optional
    doc_type, section, speaker), the same shape as annotations/passages.jsonl."""
    if path is None or not Path(path).exists():
        return []
    out = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            out.append(Example(doc=row.get("doc"), text=row["text"], elements=row["elements"], stance=row["stance"],
                               obstacles=row.get("obstacles", []), case=row.get("case"), doc_type=row.get("doc_type"),
                               section=row.get("section"), speaker=row.get("speaker")))
    return with_context(out)


def _loco(examples: list[Example], extra: list[Example], **params) -> dict:
    """Leave-one-case-out on `examples`; `extra` training data joins every fold except its own case's."""
    groups = [doc_case(e.doc) for e in examples]
    overall_gold, overall_pred = [], []
    for case in sorted(set(groups)):
        train = [e for e, g in zip(examples, groups) if g != case] + [e for e in extra if doc_case(e.doc or "") != case]
        test = [e for e, g in zip(examples, groups) if g == case]
        overall_gold += test
        overall_pred += PassageClassifier(**params).fit(train).predict(test)
    return scores(overall_gold, overall_pred)


def retrain(annotations: Path, models_dir: Path, corrections: Path | None = None, **params) -> dict:
    """Train a candidate from annotations/ plus reviewers' corrections and promote it (save it as the next
    version) only if, on the same leave-one-case-out split of the gold, it is at least as good as the
    current configuration trained without them: element macro-F1 and stance accuracy both not lower."""
    params = {**SHIPPED_PARAMS, **params}
    path = annotations / "passages.jsonl"
    examples = load_examples(path)
    extra = load_corrections(corrections)
    baseline = _loco(examples, [], **params)
    candidate = _loco(examples, extra, **params) if extra else baseline
    promote = (candidate["element_macro_f1"] >= baseline["element_macro_f1"]
               and candidate["stance_accuracy"] >= baseline["stance_accuracy"])
    decision = {"promoted": promote, "baseline": baseline, "candidate": candidate, "n_corrections": len(extra)}
    if promote:
        model = PassageClassifier(**params).fit(examples + extra)
        card = {"data": path.name, "data_sha256": data_hash(path), "n_passages": len(examples),
                "n_reviewed_corrections": len(extra), "params": params,
                "leave_one_case_out": {"overall": candidate}, "retrain_baseline": baseline,
                "obstacle_codes_modelled": sorted(model.obstacles_), **describe(params), **fitted_cutoffs(model)}
        decision["version"] = save(model, next_version(models_dir), card).name
    log.info("retrain: %s", decision)
    return decision
