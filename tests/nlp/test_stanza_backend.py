"""The stanza backend: our tokenizer and data conversion (always), the shipped model offline (with the extra)."""

from __future__ import annotations

import importlib.util
import json
import socket
import sys
from pathlib import Path

import pytest

from pipeline.nlp import stanza_backend as sb

ROOT = Path(__file__).resolve().parents[2]
HAS_STANZA = importlib.util.find_spec("stanza") is not None and importlib.util.find_spec("torch") is not None
needs_stanza = pytest.mark.skipif(not HAS_STANZA, reason="stanza not installed (pip install 'sistercity[stanza]')")


def _words(text: str) -> list[list[str]]:
    return [[text[s:e] for s, e in sent] for sent in sb.tokenize(text)]


def test_tokenize_keeps_offsets_and_splits_sentences():
    text = "Rapat dipimpin Dr. Retno Wulandari pada 12 Agt. 2017 di Seokjin's City Hall.\nAnggaran Rp 150.000.000 disetujui! Ya."
    sentences = sb.tokenize(text)
    assert _words(text) == [
        ["Rapat", "dipimpin", "Dr.", "Retno", "Wulandari", "pada", "12", "Agt", ".", "2017", "di", "Seokjin", "'s",
         "City", "Hall", "."],
        ["Anggaran", "Rp", "150.000.000", "disetujui", "!"],
        ["Ya", "."],
    ]
    for sent in sentences:
        for s, e in sent:
            assert text[s:e].strip() == text[s:e] and text[s:e]


def test_tokenize_numbers_dates_and_hyphens_stay_whole():
    assert _words("Pada 25/11/2016 delegasi Jung-Gu tiba; tahun 2000-an.") == [
        ["Pada", "25/11/2016", "delegasi", "Jung-Gu", "tiba", ";", "tahun", "2000-an", "."]]


def test_web_addresses_are_one_token_and_end_no_sentence():
    text = "PESISIRKINI.COM - Festival dibuka. Baca di news.pemkot.go.id hari ini."
    sentences = [[text[s:e] for s, e in sent] for sent in sb.tokenize(text)]
    assert sentences == [["PESISIRKINI.COM", "-", "Festival", "dibuka", "."],
                         ["Baca", "di", "news.pemkot.go.id", "hari", "ini", "."]]


def test_a_german_association_s_e_v_ends_no_sentence():
    assert _words("Der Freundeskreis Lindau e.V. organised it. Then.") == [
        ["Der", "Freundeskreis", "Lindau", "e.V.", "organised", "it", "."], ["Then", "."]]


def test_every_gold_mention_falls_on_token_boundaries():
    annotated, gold, _ = sb.load_annotations(ROOT / "annotations")
    sentences = sb.documents_to_sentences(annotated, gold)  # raises on a misaligned mention
    tags = [t["ner"] for s in sentences for t in s]
    n_gold = sum(len(gold[d["doc"]]) for d in annotated)
    assert sum(t.startswith("B-") for t in tags) == n_gold
    assert {t[2:] for t in tags if t != "O"} == set(sb.ENTITY_LABELS)


def test_documents_to_sentences_writes_bio_tags():
    text = "Wali Kota Karangsari bertemu Pemerintah Kota Seokjin."
    doc = {"doc": "x/y", "text": text}
    gold = {"x/y": [{"start": 10, "end": 20, "label": "GPE", "text": "Karangsari"},
                    {"start": 29, "end": 52, "label": "ORG", "text": "Pemerintah Kota Seokjin"}]}
    (sent,) = sb.documents_to_sentences([doc], gold)
    assert [(t["text"], t["ner"]) for t in sent] == [
        ("Wali", "O"), ("Kota", "O"), ("Karangsari", "B-GPE"), ("bertemu", "O"), ("Pemerintah", "B-ORG"),
        ("Kota", "I-ORG"), ("Seokjin", "I-ORG"), (".", "O")]


def test_misaligned_gold_mention_is_named():
    doc = {"doc": "x/y", "text": "Kota Karangsari."}
    with pytest.raises(ValueError, match=r"'arangsari'.*x/y"):
        sb.documents_to_sentences([doc], {"x/y": [{"start": 6, "end": 15, "label": "GPE", "text": "arangsari"}]})


def test_word_vectors_from_plain_text(tmp_path):
    texts = ["Pemerintah Kota Karangsari dan Pemerintah Kota Seokjin menandatangani MoU. " * 3,
             "Dinas Pendidikan Kota Karangsari mengirim guru ke Seokjin. " * 3]
    n = sb.train_word_vectors(texts, tmp_path / "v.txt", dim=4)
    lines = (tmp_path / "v.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{n} 4" and len(lines) == n + 1
    words = {line.split(" ")[0] for line in lines[1:]}
    assert {"karangsari", "seokjin", "kota"} <= words  # lowercased, as stanza looks them up
    assert all(len(line.split(" ")) == 5 for line in lines[1:])


def test_missing_extra_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "stanza", None)
    with pytest.raises(ImportError, match=r"pip install 'sistercity\[stanza\]'"):
        sb.load_stanza(ROOT / "models")


def test_no_published_models_means_ner_only(tmp_path, monkeypatch):
    monkeypatch.setenv("STANZA_RESOURCES_DIR", str(tmp_path))
    assert sb.published_resources_dir() is None
    (tmp_path / "resources.json").write_text(json.dumps({"id": {"default_processors": {
        "tokenize": "gsd", "pos": "gsd", "lemma": "gsd", "depparse": "gsd"}}}))
    assert sb.published_resources_dir() is None  # listed but the model files are not there
    for proc in sb.PUBLISHED_PROCESSORS:
        (tmp_path / "id" / proc).mkdir(parents=True)
        (tmp_path / "id" / proc / "gsd.pt").write_bytes(b"")
    assert sb.published_resources_dir() == tmp_path


def test_model_versions(tmp_path):
    assert sb.newest_model_dir(tmp_path) is None
    assert sb.next_version_dir(tmp_path).name == "ner_stanza.v1"
    for v in (1, 3):
        (tmp_path / f"ner_stanza.v{v}").mkdir()
        (tmp_path / f"ner_stanza.v{v}" / sb.NER_FILE).write_bytes(b"")
    assert sb.newest_model_dir(tmp_path).name == "ner_stanza.v3"
    assert sb.next_version_dir(tmp_path).name == "ner_stanza.v4"


# --------------------------------------------------------------------------- with the extra installed
@pytest.fixture(scope="module")
def shipped_tagger():
    if not HAS_STANZA:
        pytest.skip("stanza not installed (pip install 'sistercity[stanza]')")
    folder = sb.newest_model_dir(ROOT / "models")
    if folder is None:
        pytest.fail("no models/ner_stanza.vN shipped (run `sistercity train-stanza`)")
    real_connect = socket.socket.connect

    def no_network(self, address):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"stanza tried to reach {address} while loading")
        return real_connect(self, address)

    socket.socket.connect = no_network
    try:
        return sb.load_stanza(ROOT / "models", use_published=False)
    finally:
        socket.socket.connect = real_connect


@needs_stanza
def test_shipped_model_tags_with_exact_offsets(shipped_tagger):
    text = ("Pada 17 Maret 2015, Wali Kota Karangsari menerima delegasi Pemerintah Kota Seokjin "
            "di Balai Kota Karangsari.")
    found = sb.tag_text_stanza(text, shipped_tagger)
    assert found, "the shipped model found nothing in an ordinary sentence"
    spans = {(text[s:e], label) for s, e, label in found}
    for s, e, label in found:
        assert label in sb.ENTITY_LABELS
        assert 0 <= s < e <= len(text) and text[s:e] == text[s:e].strip()
    assert ("17 Maret 2015", "DATE") in spans
    assert ("Pemerintah Kota Seokjin", "ORG") in spans


@needs_stanza
def test_shipped_model_card(shipped_tagger):
    card = shipped_tagger.card
    assert card["backend"] == "stanza" and card["labels"] == list(sb.ENTITY_LABELS)
    assert card["data_sha256"] and card["training"]["dev_f1"] is not None
    size = sum(p.stat().st_size for p in shipped_tagger.model_dir.iterdir())
    assert size < 50 * 1024 * 1024


@needs_stanza
def test_empty_text(shipped_tagger):
    assert sb.tag_text_stanza("", shipped_tagger) == []
    assert sb.tag_text_stanza("  \n ", shipped_tagger) == []


@needs_stanza
@pytest.mark.slow
def test_train_release_and_load_a_tiny_model(tmp_path):
    """The whole loop on a tiny corpus: stanza's own trainer, a versioned folder with its card, offline loading."""
    lines = ["Pemerintah Kota Karangsari menerima delegasi Seokjin pada 17 Maret 2015.",
             "Wali Kota Karangsari Budi Santoso bertemu delegasi Seokjin pada 6 Juli 2015."] * 6
    ann = tmp_path / "annotations"
    ann.mkdir()
    docs, mentions = [], []
    for n, text in enumerate(lines):
        doc = f"case-{n % 2}/doc{n}"
        docs.append({"doc": doc, "case": f"case-{n % 2}", "entities": True, "text": text})
        for needle, label in (("Pemerintah Kota Karangsari", "ORG"), ("Seokjin", "GPE"), ("17 Maret 2015", "DATE"),
                              ("6 Juli 2015", "DATE"), ("Budi Santoso", "PERSON")):
            if needle in text:
                start = text.index(needle)
                mentions.append({"doc": doc, "start": start, "end": start + len(needle), "text": needle, "label": label})
    (ann / "documents.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    (ann / "entities.jsonl").write_text("\n".join(json.dumps(m) for m in mentions) + "\n")
    settings = sb.StanzaSettings(max_steps=6, eval_interval=3, batch_size=4, hidden_dim=16, char_hidden_dim=8,
                                 char_emb_dim=8, word_dim=8, dev_every=4)
    folder = sb.release_stanza_ner(ann, tmp_path / "models", settings=settings)
    assert folder.name == "ner_stanza.v1"
    card = json.loads((folder / "card.json").read_text())
    assert card["settings"]["max_steps"] == 6 and card["training"]["steps"] == 6
    assert card["leave_one_case_out"] is None and "evaluate-stanza" in card["note"]
    tagger = sb.load_stanza(tmp_path / "models", use_published=False)
    text = "Delegasi Seokjin tiba."
    for s, e, label in sb.tag_text_stanza(text, tagger):  # six steps teach little; the offsets must still be exact
        assert label in sb.ENTITY_LABELS and text[s:e] == text[s:e].strip() and e <= len(text)
    assert sb.next_version_dir(tmp_path / "models").name == "ner_stanza.v2"
