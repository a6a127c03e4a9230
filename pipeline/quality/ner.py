"""The release harness of the spaCy NER: the leave-one-case-out figures for the card, then the model
trained on every annotated document (`sistercity train-ner`). The NER itself is `pipeline.nlp.ner`."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path

from pipeline.nlp.ner import (
    MODEL_PREFIX,
    NER_CONFIG,
    SENTENCES,
    TrainParams,
    data_hash,
    fit,
    has_lemma_tables,
    load_annotated,
    versions,
)

log = logging.getLogger(__name__)


def train_ner(annotations: Path, models: Path, params: TrainParams | None = None, evaluate: bool = True) -> Path:
    """Train on all annotated documents and write a new models/ner_spacy.vN/ with its card.

    With `evaluate`, the card carries the leave-one-case-out figures of the
    NER alone and of the NER combined with the rule layer.
    """
    params = params or TrainParams()
    docs = load_annotated(annotations)
    if not docs:
        raise ValueError(f"no fully annotated documents in {annotations / 'documents.jsonl'}")
    card: dict = {
        "name": "ner_spacy",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_hash": data_hash(annotations),
        "documents": len(docs),
        "gold_entities": sum(len(d.spans) for d in docs),
        "config": {"language": "id", "pipeline": ["tokenizer (words.blank_nlp)", SENTENCES,
                                                  "lemmatizer (lookup)" if has_lemma_tables() else None, "ner"],
                   "ner": NER_CONFIG["model"], "training": params.summary(),
                   "pretrained_vectors": None},
    }
    if evaluate:
        from pipeline.ingest.discover import discover
        from pipeline.paths import demo_corpus
        from pipeline.quality.evaluation import evaluate_entities

        results = evaluate_entities(annotations, discover(demo_corpus())[0], params=params)
        card["leave_one_case_out"] = {k: results[k] for k in ("per_label", "per_label_ner_only", "per_label_rules_only",
                                                                "per_case", "date_normalisation_exact") if k in results}
    nlp = fit(docs, params)
    models.mkdir(parents=True, exist_ok=True)
    taken = versions(models)
    folder = models / f"{MODEL_PREFIX}{(taken[-1][0] + 1) if taken else 1}"
    folder.mkdir()
    nlp.to_disk(folder / "model")
    (folder / "card.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log.info("wrote %s", folder)
    return folder
