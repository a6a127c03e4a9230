"""How good the stanza NER backend is: leave-one-case-out figures, and the comparison with spaCy's.

Measurement beside the product: the backend itself (training, loading, tagging) is
`pipeline.nlp.stanza_backend`; `sistercity evaluate-stanza` runs this.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

from pipeline.data import ENTITY_LABELS
from pipeline.nlp.stanza_backend import StanzaSettings, StanzaTagger, data_hash, load_annotations, train_stanza_ner

log = logging.getLogger(__name__)


def _prf(tp: int, fp: int, fn: int) -> dict:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "gold": tp + fn, "predicted": tp + fp}


def evaluate_stanza_loco(annotations_dir: Path, settings: StanzaSettings | None = None,
                         work_dir: Path | None = None) -> dict:
    """Leave-one-case-out figures of the stanza backend: for each case, train on the annotated
    documents of the other five (word vectors from those five cases' texts only), tag the held-out
    case's annotated documents, and count exact span+label matches per label."""
    settings = settings or StanzaSettings()
    annotated, gold, _ = load_annotations(annotations_dir)
    cases = sorted({d["case"] for d in annotated})
    counts = {label: Counter() for label in ENTITY_LABELS}
    per_case: dict[str, dict] = {}
    folds: dict[str, dict] = {}
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="stanza-loco-") as tmp:
        base = Path(work_dir) if work_dir else Path(tmp)
        for case in cases:
            fold_dir = base / f"heldout-{case}"
            train_ids = [d["doc"] for d in annotated if d["case"] != case]
            summary = train_stanza_ner(annotations_dir, fold_dir, docs=train_ids, settings=settings)
            tagger = StanzaTagger(fold_dir, use_published=False)
            case_counts = Counter()
            for d in (d for d in annotated if d["case"] == case):
                predicted = set(tagger.tag(d["text"]))
                truth = {(g["start"], g["end"], g["label"]) for g in gold[d["doc"]]}
                for label in ENTITY_LABELS:
                    g = {x for x in truth if x[2] == label}
                    p = {x for x in predicted if x[2] == label}
                    counts[label]["tp"] += len(g & p)
                    counts[label]["fp"] += len(p - g)
                    counts[label]["fn"] += len(g - p)
                case_counts["tp"] += len(truth & predicted)
                case_counts["fp"] += len(predicted - truth)
                case_counts["fn"] += len(truth - predicted)
            per_case[case] = _prf(case_counts["tp"], case_counts["fp"], case_counts["fn"])
            folds[case] = {k: summary[k] for k in ("train_sentences", "dev_sentences", "dev_f1", "best_step", "steps", "seconds")}
            log.info("stanza held out %s: %s", case, per_case[case])
    per_label = {label: _prf(c["tp"], c["fp"], c["fn"]) for label, c in counts.items()}
    total = Counter()
    for c in counts.values():
        total.update(c)
    overall = _prf(total["tp"], total["fp"], total["fn"])
    overall["macro_f1"] = round(sum(v["f1"] for v in per_label.values()) / len(per_label), 4)
    import stanza

    return {"backend": "stanza", "stanza": stanza.__version__, "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "split": "leave-one-case-out over the document's case (train on five cases' annotated documents, test on the sixth)",
            "scoring": "exact span + label, per label", "documents": len(annotated),
            "data_sha256": data_hash(annotations_dir), "settings": asdict(settings),
            "per_label": per_label, "overall": overall, "per_case": per_case, "folds": folds,
            "seconds": round(time.time() - started, 1)}


def comparison_rows(stanza_result: dict, spacy_results: dict | None) -> list[tuple[str, float | None, float | None]]:
    """(label, spaCy F1, stanza F1) rows, with micro and macro F1 at the end; None where a figure is missing."""
    spacy_labels = (spacy_results or {}).get("nlp", {}).get("per_label", {})
    rows = [(label, spacy_labels.get(label, {}).get("f1"), stanza_result["per_label"][label]["f1"]) for label in ENTITY_LABELS]
    if spacy_labels:
        tp = sum(round(v["recall"] * v["gold"]) for v in spacy_labels.values())
        gold = sum(v["gold"] for v in spacy_labels.values())
        pred = sum(v["predicted"] for v in spacy_labels.values())
        spacy_micro = round(2 * tp / (gold + pred), 4) if gold + pred else 0.0
        spacy_macro = round(sum(v["f1"] for v in spacy_labels.values()) / len(spacy_labels), 4)
    else:
        spacy_micro = spacy_macro = None
    rows.append(("micro", spacy_micro, stanza_result["overall"]["f1"]))
    rows.append(("macro", spacy_macro, stanza_result["overall"]["macro_f1"]))
    return rows


def better_backend(stanza_result: dict, spacy_results: dict | None) -> str:
    """'stanza' or 'spacy': the backend with the higher micro F1 (spaCy when there is no spaCy figure to compare)."""
    micro = comparison_rows(stanza_result, spacy_results)[-2]
    if micro[1] is None:
        return "spacy"
    return "stanza" if micro[2] > micro[1] else "spacy"


def write_stanza_evaluation(result: dict, out: Path, spacy_results: dict | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result = dict(result)
    result["comparison"] = {"spacy_source": "evaluation/results.json (nlp.per_label)",
                            "f1": {label: {"spacy": s, "stanza": t} for label, s, t in comparison_rows(result, spacy_results)},
                            "better": better_backend(result, spacy_results)}
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return out


