"""The spaCy side of the NLP stage: sentences, lemmas, the trained NER and its merge with the rules."""

from __future__ import annotations

import json

import pytest

from pipeline.ingest.segment import sentence_spans
from pipeline.nlp import ner
from pipeline.nlp.entities import tag_text

TEXT = ("Rapat dipimpin Dr. Hendra Prasetyo, S.IP, M.Si. bersama H. Ahmad Fauzi, Bpk. Joko dll. di aula. "
        "Kedua pihak membangun kerja sama sejak 2014. Delegasi Seokjin-si menandatangani MoU!")


def test_spacy_sentences_agree_with_the_passage_splitter():
    doc = ner.sentence_nlp()(TEXT)
    sents = [(s.start_char, s.end_char) for s in doc.sents]
    assert [TEXT[s:e].strip() for s, e in sents] == [TEXT[s:e].strip() for s, e in sentence_spans(TEXT)]
    assert len(sents) == 3  # "Dr.", "M.Si.", "H.", "Bpk." and "dll." end none of them
    assert doc[:].text.startswith("Rapat dipimpin Dr. Hendra")


def test_indonesian_lookup_lemmatizer_from_spacy_lookups_data():
    assert ner.has_lemma_tables()
    lemmas = {t.text: t.lemma_ for t in ner.sentence_nlp()(TEXT)}
    assert lemmas["membangun"] == "bangun"
    assert lemmas["menandatangani"] == "tanda tangan"


def _tiny_docs() -> list[ner.AnnotatedDoc]:
    docs = []
    for i, (name, city) in enumerate([("Hendra Prasetyo", "Karangsari"), ("Park Min-jae", "Seokjin"),
                                      ("Ruslan Tahir", "Pasirlaut"), ("Katrin Vollmer", "Aldenbrück")] * 3):
        text = f"Bapak {name} datang ke {city} pada rapat.\n\nIa bertemu warga {city} lagi."
        s = text.index(name)
        c1 = text.index(city)
        c2 = text.rindex(city)
        docs.append(ner.AnnotatedDoc(f"case{i % 2}/d{i}", f"case{i % 2}", text,
                                     [(s, s + len(name), "PERSON"), (c1, c1 + len(city), "GPE"), (c2, c2 + len(city), "GPE")]))
    return docs


def test_a_tiny_ner_learns_its_training_spans():
    docs = _tiny_docs()
    nlp = ner.fit(docs, ner.TrainParams(epochs=15, dropout=0.0))
    assert nlp.pipe_names[-1] == "ner"
    got = set(ner.predict(nlp, docs[0].text))
    assert set(docs[0].spans) <= got


def test_versions_pick_the_newest_numbered_folder(tmp_path):
    for name in ("ner_spacy.v1", "ner_spacy.v10", "ner_spacy.v2", "ner_spacy.vx", "passage_clf.v3"):
        (tmp_path / name / "model").mkdir(parents=True)
    (tmp_path / "ner_spacy.v11").mkdir()  # no model inside: not a release
    assert [p.name for _, p in ner.versions(tmp_path)] == ["ner_spacy.v1", "ner_spacy.v2", "ner_spacy.v10"]
    assert ner.newest(tmp_path).name == "ner_spacy.v10"
    assert ner.newest(tmp_path / "missing") is None


def test_unreadable_annotations_name_the_file(tmp_path):
    (tmp_path / "documents.jsonl").write_text("{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="documents.jsonl"):
        ner.load_annotated(tmp_path)


def test_merge_lets_the_ner_lead_for_people_and_the_rules_for_dates(case_karangsari):
    text = "Pada 25 November 2014 Hendra Prasetyo bertemu Takahashi Kenji di Seokjin-si."
    person = text.index("Takahashi Kenji")
    date = text.index("25 November 2014")
    ner_spans = [(person, person + len("Takahashi Kenji"), "PERSON"),
                 (date, date + len("25 November"), "DATE"),  # a NER span the rules read better
                 (text.index("Hendra"), text.index("Hendra") + len("Hendra Prasetyo"), "PERSON")]
    got = {(text[s:e], label, value) for s, e, label, value in tag_text(text, case_karangsari, [case_karangsari],
                                                                        ner_spans=ner_spans)}
    assert ("Takahashi Kenji", "PERSON", None) in got  # no honorific or role: only the NER finds it
    assert ("25 November 2014", "DATE", "2014-11-25") in got
    assert ("Seokjin-si", "GPE", "Seokjin (KR)") in got  # the rules fill what the NER missed
    rules_only = {text[s:e] for s, e, label, _ in tag_text(text, case_karangsari, [case_karangsari])}
    assert "Takahashi Kenji" not in rules_only


@pytest.fixture(scope="session")
def shipped_ner():
    folder = ner.newest()
    if folder is None:
        pytest.fail("no models/ner_spacy.vN/ shipped: run `sistercity train-ner`")
    return folder, ner.load_ner(folder)


def test_shipped_ner_loads_and_tags_people_and_places(shipped_ner):
    folder, nlp = shipped_ner
    card = json.loads((folder / "card.json").read_text(encoding="utf-8"))
    assert card["config"]["pretrained_vectors"] is None and card["data_hash"]
    assert "leave_one_case_out" in card and card["leave_one_case_out"]["per_label"]["PERSON"]["gold"] > 0
    assert nlp.pipe_names == ["sistercity_sentences", "lemmatizer", "ner"]
    text = "Wali Kota Karangsari Hendra Prasetyo menerima delegasi dari Seokjin, Korea Selatan, pada 25 November 2014."
    labels = {text[s:e]: label for s, e, label in ner.predict(nlp, text)}
    assert labels.get("Hendra Prasetyo") == "PERSON"
    assert labels.get("Korea Selatan") == "GPE"
