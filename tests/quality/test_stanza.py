"""The stanza backend's measurement: the comparison with spaCy's figures picks the better backend."""

from __future__ import annotations

from pipeline.data import ENTITY_LABELS
from pipeline.quality.stanza import better_backend, comparison_rows


def test_comparison_picks_the_better_backend():
    stanza_result = {"per_label": {label: {"f1": 0.5} for label in ENTITY_LABELS},
                     "overall": {"f1": 0.5, "macro_f1": 0.5}}
    spacy = {"nlp": {"per_label": {label: {"f1": 0.8, "precision": 0.8, "recall": 0.8, "gold": 10, "predicted": 10}
                                   for label in ENTITY_LABELS}}}
    rows = comparison_rows(stanza_result, spacy)
    assert rows[-2] == ("micro", 0.8, 0.5)
    assert better_backend(stanza_result, spacy) == "spacy"
    stanza_result["overall"]["f1"] = 0.9
    assert better_backend(stanza_result, spacy) == "stanza"
