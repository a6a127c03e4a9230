"""Retraining promotes a new model version only when it is not worse held-out."""

from __future__ import annotations

import json

from pipeline.classify.model import versions
from pipeline.classify.train import retrain
from pipeline.paths import annotations_dir

CASES = {"karangsari-seokjin", "tanjungwaru-aldenbruck", "lembahsari-portardley"}


def small_annotations(tmp_path):
    rows = [json.loads(line) for line in (annotations_dir() / "passages.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["doc"].split("/")[0] in CASES][::6]
    folder = tmp_path / "annotations"
    folder.mkdir()
    (folder / "passages.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return folder, rows


def test_retrain_without_corrections_promotes_an_equal_model(tmp_path):
    folder, _ = small_annotations(tmp_path)
    decision = retrain(folder, tmp_path / "models", None, calibrate=False)
    assert decision["promoted"] and decision["candidate"] == decision["baseline"]
    (saved,) = versions(tmp_path / "models")
    card = json.loads((saved / "card.json").read_text())
    assert card["n_reviewed_corrections"] == 0 and decision["version"] == saved.name


def test_harmful_corrections_are_not_promoted(tmp_path):
    folder, rows = small_annotations(tmp_path)
    # a careless reviewer who marks every passage "not evidence", three times over
    bad = [{**r, "stance": "neutral", "elements": [], "obstacles": []} for r in rows] * 3
    corrections = tmp_path / "corrections.jsonl"
    corrections.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in bad), encoding="utf-8")
    decision = retrain(folder, tmp_path / "models", corrections, calibrate=False)
    assert decision["n_corrections"] == 3 * len(rows)
    assert decision["candidate"]["element_macro_f1"] < decision["baseline"]["element_macro_f1"]
    assert not decision["promoted"] and "version" not in decision
    assert versions(tmp_path / "models") == []
