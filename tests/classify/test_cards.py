"""What the pipeline reads from the classifiers' model cards: the stance confusion."""

from __future__ import annotations

import json

from pipeline.classify.cards import shipped_confusion

CONFUSION = [[0.7, 0.3], [0.2, 0.8]]  # gold row, predicted column


def test_shipped_confusion_reads_the_newest_card(tmp_path):
    for v, conf in ((1, {"commitment": [[0.9, 0.1], [0.1, 0.9]]}), (2, {"outcomes": CONFUSION, "reciprocity": None})):
        folder = tmp_path / f"passage_clf.v{v}"
        folder.mkdir()
        (folder / "model.pkl").write_bytes(b"")
        (folder / "card.json").write_text(json.dumps({"stance_confusion": conf}))
    assert shipped_confusion(tmp_path) == {"outcomes": CONFUSION}
    assert shipped_confusion(tmp_path / "none") == {}
    # the card of the classifier that labelled the passages, when it is shipped; else the newest
    assert shipped_confusion(tmp_path, version="passage_clf.v1") == {"commitment": [[0.9, 0.1], [0.1, 0.9]]}
    assert shipped_confusion(tmp_path, version="passage_clf.v9") == {"outcomes": CONFUSION}
