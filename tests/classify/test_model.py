"""The classifier's contract, persistence and case attribution."""

from __future__ import annotations

import json

import pytest

from pipeline.classify.attribution import attribute
from pipeline.classify.model import Example, PassageClassifier, load, next_version, save, versions
from pipeline.classify.train import expected_calibration_error, load_examples, scores
from pipeline.data import ELEMENTS, OBSTACLE_CODES
from pipeline.paths import annotations_dir


@pytest.fixture(scope="module")
def small_model():
    examples = load_examples(annotations_dir() / "passages.jsonl")[::3]
    return PassageClassifier(calibrate=False).fit(examples), examples


def test_predictions_follow_the_contract(small_model):
    model, examples = small_model
    preds = model.predict(examples[:200])
    assert len(preds) == 200
    for p in preds:
        assert set(p["scores"]) == set(ELEMENTS)
        assert all(0.0 <= v <= 1.0 for v in p["scores"].values())
        assert p["stance"] in {"positive", "obstacle", "neutral"}
        assert (p["elements"] == []) == (p["stance"] == "neutral")
        assert set(p["obstacles"]) <= set(OBSTACLE_CODES)
        if p["stance"] != "obstacle":
            assert p["obstacles"] == []


def test_model_fits_its_training_data(small_model):
    model, examples = small_model
    s = scores(examples, model.predict(examples))
    # Not a quality claim (that is the held-out evaluation): a model that cannot fit
    # what it was trained on is broken.
    assert s["stance_accuracy"] > 0.9 and s["element_macro_f1"] > 0.8


def test_explanations_name_features(small_model):
    model, _ = small_model
    ex = Example(text="Anggaran kunjungan balasan tahun 2017 terpotong sehingga delegasi batal berangkat.",
                 elements=[], stance="neutral", obstacles=[], doc_type="interview")
    why = model.explain(ex)
    assert set(ELEMENTS) <= set(why)
    assert any(why[k] for k in why)


def test_save_never_overwrites_a_released_version(small_model, tmp_path):
    model, _ = small_model
    folder = save(model, next_version(tmp_path), {"note": "test"})
    assert folder.name == "passage_clf.v1"
    assert next_version(tmp_path).name == "passage_clf.v2"
    with pytest.raises(FileExistsError):
        save(model, folder, {})
    loaded, card = load(tmp_path)
    assert card["name"] == "passage_clf.v1" and json.loads((folder / "card.json").read_text())["note"] == "test"
    assert versions(tmp_path) == [folder]
    assert loaded.predict([Example("tidak ada tindak lanjut", [], "neutral", [])])[0]["stance"] in {"positive", "obstacle", "neutral"}


def test_shipped_model_loads_predicts_and_has_a_card(models):
    assert models.card["name"].startswith("passage_clf.v")
    assert models.card["n_passages"] >= 1500
    assert "leave_one_case_out" in models.card
    (pred,) = models.classifier.predict([Example("Anggaran kunjungan dipotong sehingga delegasi batal berangkat.",
                                                 [], "neutral", [], doc_type="interview")])
    assert set(pred["scores"]) == set(ELEMENTS)


def test_case_attribution_follows_named_cities(demo_cases):
    own = "wirapura-asakuni"
    assert attribute("Kerja sama Karangsari dengan Seokjin-si justru berjalan baik.", own, demo_cases) == "karangsari-seokjin"
    assert attribute("Wirapura belajar dari Karangsari.", own, demo_cases) == own
    assert attribute("Anggaran dipotong pada 2017.", own, demo_cases) == own


def test_ece_of_perfect_calibration_is_zero():
    import numpy as np

    assert expected_calibration_error(np.array([0.0, 1.0, 1.0]), np.array([0, 1, 1])) == 0.0
    assert expected_calibration_error(np.array([0.9, 0.9]), np.array([0, 0])) == pytest.approx(0.9)


def test_attribution_carries_a_story_about_another_case_to_the_end_of_its_paragraph(demo_cases):
    from pipeline.classify.attribution import attribute_sequence

    texts = ["Di Karangsari lain cerita, kerja sama dengan Seokjin-si jalan terus.",
             "Mereka punya kelompok kerja yang rapat dua kali setahun.",
             "Kalau di sini, Wirapura, ya berhenti.",
             "Anggarannya dipotong."]
    got = attribute_sequence(texts, [0, 0, 0, 1], "wirapura-asakuni", demo_cases)
    assert got == ["karangsari-seokjin", "karangsari-seokjin", "wirapura-asakuni", "wirapura-asakuni"]
    # a new paragraph starts again from the document's case
    assert attribute_sequence(texts[:2], [0, 1], "wirapura-asakuni", demo_cases)[1] == "wirapura-asakuni"
