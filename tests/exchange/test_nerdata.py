"""Entities as training data for other tools: spaCy DocBin, doccano and Prodigy JSONL."""

from __future__ import annotations

import json

import spacy
from spacy.tokens import DocBin

from pipeline.exchange.gather import store_documents
from pipeline.exchange.nerdata import write_ner


def test_entities_as_docbin_doccano_and_prodigy(store, tmp_path):
    counts = write_ner(store, tmp_path)
    docs = store_documents(store, entities=True)
    inside = [(d, e) for d in docs for e in d.entities
              if any(p.start <= e.start and e.end <= p.end for p in d.passages)]
    assert counts["entities"] == len({(d.doc, e.start, e.end, e.label) for d, e in inside}) > 0
    doccano = [json.loads(line) for line in (tmp_path / "doccano.jsonl").read_text(encoding="utf-8").splitlines()]
    prodigy = [json.loads(line) for line in (tmp_path / "prodigy.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(doccano) == len(prodigy) == counts["passages"]
    by_doc = {d.doc: d for d in docs}
    for rec in doccano:
        d = by_doc[rec["meta"]["doc"]]
        assert d.text[rec["meta"]["start"]:rec["meta"]["end"]] == rec["text"]
        for s, e, label in rec["label"]:
            assert any(x.text == rec["text"][s:e] and x.label == label for x in d.entities)
    assert [[sp["start"], sp["end"], sp["label"]] for sp in prodigy[0]["spans"]] == doccano[0]["label"]
    nlp = spacy.blank("id")
    loaded = list(DocBin().from_disk(tmp_path / "entities.spacy").get_docs(nlp.vocab))
    assert len(loaded) == counts["passages"]
    assert sum(len(doc.ents) for doc in loaded) == counts["entities"] - counts["docbin_dropped"]
    assert all(doc.user_data["meta"]["doc"] in by_doc for doc in loaded)
