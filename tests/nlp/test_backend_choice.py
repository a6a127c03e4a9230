"""The NLP backend setting: spaCy by default, stanza through the same rule merge, clear errors otherwise."""

from __future__ import annotations

import importlib.util
import sys

import pytest

from pipeline.config import Settings
from pipeline.data import Block, Document
from pipeline.nlp import entities
from pipeline.nlp.entities import tag_document, tag_text

HAS_STANZA = importlib.util.find_spec("stanza") is not None and importlib.util.find_spec("torch") is not None
TEXT = ("Pada 25 November 2014, Wali Kota Karangsari Hendra Prasetyo dan Bapak Park Min-jae menandatangani MoU "
        "di Seokjin-si, Korea Selatan.\n\nBappeda Kota Karangsari menganggarkan Rp 150 juta untuk Festival Seni Karangsari.")


def _document() -> Document:
    blocks = [Block(0, TEXT.index("\n\n")), Block(TEXT.index("Bappeda"), len(TEXT))]
    return Document(doc="d", source="d.txt", case="karangsari-seokjin", text=TEXT, blocks=blocks)


def test_backend_setting_defaults_to_spacy_and_reads_the_environment(monkeypatch):
    monkeypatch.delenv("SISTERCITY_NLP_BACKEND", raising=False)
    assert Settings.from_env().nlp_backend == "spacy"
    assert entities.nlp_backend(Settings.from_env().nlp_backend) == "spacy"
    monkeypatch.setenv("SISTERCITY_NLP_BACKEND", "Stanza")
    assert entities.nlp_backend(Settings.from_env().nlp_backend) == "stanza"
    monkeypatch.setenv("SISTERCITY_NLP_BACKEND", "flair")
    with pytest.raises(ValueError, match="SISTERCITY_NLP_BACKEND.*flair"):
        entities.nlp_backend(Settings.from_env().nlp_backend)


def test_the_backend_setting_reaches_the_nlp_stage_and_not_the_environment(monkeypatch):
    """`Settings(nlp_backend=...)` handed to the stage decides; an environment variable set later does not."""
    from pipeline import stages

    seen = []
    monkeypatch.setattr(stages, "tag_document", lambda doc, case, cases, backend: seen.append(backend) or [])
    monkeypatch.setenv("SISTERCITY_NLP_BACKEND", "spacy")
    stages.nlp_stage(_document(), None, [], Settings(nlp_backend="stanza"))
    assert seen == ["stanza"]


def test_stanza_backend_without_stanza_names_the_extra(monkeypatch, case_karangsari):
    monkeypatch.setitem(sys.modules, "stanza", None)  # import stanza now raises ImportError
    with pytest.raises(ImportError, match=r"pip install 'sistercity\[stanza\]'"):
        tag_document(_document(), case_karangsari, [case_karangsari], backend="stanza")


@pytest.mark.skipif(not HAS_STANZA, reason="stanza not installed (pip install 'sistercity[stanza]')")
def test_stanza_backend_tags_through_the_same_merge(monkeypatch, case_karangsari):
    from pipeline.nlp.stanza_backend import load_stanza, tag_text_stanza

    doc = _document()
    got = tag_document(doc, case_karangsari, [case_karangsari], backend="stanza")
    tagger = load_stanza()
    people = entities.people_in([TEXT[b.start : b.end] for b in doc.blocks])
    expected = []
    for b in doc.blocks:
        text = TEXT[b.start : b.end]
        spans = tag_text_stanza(text, tagger)
        expected += [(b.start + s, b.start + e, label, value)
                     for s, e, label, value in tag_text(text, case_karangsari, [case_karangsari], people, spans)]
    assert [(e.start, e.end, e.label, e.normalized) for e in got] == expected
    found = {(e.text, e.label, e.normalized) for e in got}
    # the rule layers still supply the normalised labels, whichever backend tags PERSON/GPE
    assert ("Bappeda Kota Karangsari", "ORG", "Badan Perencanaan Pembangunan Daerah (Karangsari)") in found
    assert ("25 November 2014", "DATE", "2014-11-25") in found
    assert ("Rp 150 juta", "MONEY", "150000000") in found
    # and stanza's own ORG/DATE spans never reach the output unless the rules found the same span
    rules_only = {(s, e, label) for b in doc.blocks
                  for s0, e0, label, _ in tag_text(TEXT[b.start : b.end], case_karangsari, [case_karangsari], people)
                  for s, e in [(b.start + s0, b.start + e0)]}
    assert {(e.start, e.end, e.label) for e in got if e.label not in {"PERSON", "GPE"}} <= rules_only
