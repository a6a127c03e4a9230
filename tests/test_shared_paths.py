"""The shared and batched fast paths give the same outputs as the per-item paths they replace (issue #19).

Each test runs both paths on a few demo documents: a speed-up that changed a span, a token or a score
fails here before it changes a contract file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.nlp import ner
from pipeline.nlp.words import blank_nlp, tokenizer_bytes

DEMO = Path(__file__).resolve().parents[1] / "corpora" / "demo"
DEMO_TEXTS = [DEMO / "karangsari-seokjin" / "wawancara_bagian_kerjasama.txt",
              DEMO / "karangsari-seokjin" / "wawancara_dtkp.md",
              DEMO / "kualadewa-karacam" / "berita-mou-2019.txt"]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in DEMO_TEXTS]


@pytest.fixture(scope="module")
def own_tokenizer_ner():
    """The shipped NER loaded the plain spaCy way: its own tokenizer, read from the model folder."""
    folder = ner.newest()
    if folder is None:
        pytest.skip("no spaCy NER shipped")
    ner._register_components()
    return ner._spacy().load(folder / "model")


def test_ner_with_the_shared_tokenizer_and_one_pipe_per_document_finds_the_same_spans(texts, own_tokenizer_ner):
    shared = ner.load_ner()
    assert shared.tokenizer is blank_nlp().tokenizer  # loaded without building a tokenizer of its own
    per_paragraph = [[(ps + e.start_char, ps + e.end_char, e.label_)
                      for ps, pe in ner.paragraphs(text) for e in own_tokenizer_ner(text[ps:pe]).ents] for text in texts]
    assert sum(map(len, per_paragraph)) > 20
    assert ner.predict_many(shared, texts) == per_paragraph
    assert [ner.predict(shared, t) for t in texts] == per_paragraph
    for text in texts:
        assert [t.text for t in shared.make_doc(text)] == [t.text for t in own_tokenizer_ner.make_doc(text)]


def test_the_place_ruler_on_the_shared_tokenizer_finds_what_a_rebuilt_one_finds(texts):
    from pipeline.nlp.entities import _ruler_nlp

    names = ("Karangsari", "Seokjin", "Seokjin-si", "Korea Selatan", "Kualadewa", "Karacam", "Jawa Tengah")
    rebuilt = blank_nlp().__class__.from_config(blank_nlp().config)  # the former way: a tokenizer built anew
    rebuilt.tokenizer = blank_nlp().tokenizer
    rebuilt.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"}).add_patterns(
        [{"label": "GPE", "pattern": n} for n in names])
    found = [[(e.start_char, e.end_char) for e in _ruler_nlp(names)(t).ents] for t in texts]
    assert sum(map(len, found)) > 5
    assert found == [[(e.start_char, e.end_char) for e in rebuilt(t).ents] for t in texts]
    assert _ruler_nlp(names).tokenizer is blank_nlp().tokenizer


def test_places_matched_in_the_ners_docs_are_the_rulers_own(texts):
    """The rules take the places of a block from the NER's Doc of it (one tokenization, not two): the same
    (start, end) as the ruler run on the text, paragraph by paragraph, for every paragraph of the demo texts."""
    from pipeline.nlp.entities import _ruler_nlp, _ruler_places

    names = ("Karangsari", "Seokjin", "Seokjin-si", "Korea Selatan", "Kualadewa", "Karacam", "Jawa Tengah", "Korea")
    blocks = [t[ps:pe] for t in texts for ps, pe in ner.paragraphs(t)] + ["Kota Karangsari – Seokjin-si, Korea Selatan"]
    tokens: list = []
    ner.predict_many(ner.load_ner(), blocks, tokens)
    assert len(tokens) == len(blocks) and all(doc is not None for doc in tokens)  # each block one paragraph
    reused = [_ruler_places(names, b, doc) for b, doc in zip(blocks, tokens)]
    assert sum(map(len, reused)) > 5
    assert reused == [{(e.start_char, e.end_char) for e in _ruler_nlp(names)(b).ents} for b in blocks]
    tokens = []
    ner.predict_many(ner.load_ner(), ["eins\n\nzwei Karangsari"], tokens)
    assert tokens == [None]  # two paragraphs: no Doc of the whole text, the ruler tokenizes it itself


def test_attribution_with_patterns_compiled_once_matches_each_case_own_pattern(texts):
    from pipeline.classify.attribution import attribute_sequence, named_case
    from pipeline.ingest.cases import load_case

    cases = [load_case(p) for p in sorted(DEMO.glob("*/case.toml"))]
    passages = [p for t in texts for p in t.split("\n") if p.strip()]
    passages += ["Kerja sama Kualadewa dan Karacam", "seperti KARANGSARI dengan Seokjin-si", "tanpa nama kota"]

    def reference(text: str, doc_case: str | None) -> str | None:  # the former per-passage way
        named = {c.slug: n for c in cases if (rx := c.name_pattern()) is not None and (n := len(rx.findall(text)))}
        return (doc_case if doc_case in named else max(named, key=named.get)) if named else None

    assert len(cases) >= 10
    for doc_case in ("karangsari-seokjin", "kualadewa-karacam", None):
        expected = [reference(p, doc_case) for p in passages]
        assert sum(e is not None for e in expected) >= 5
        assert [named_case(p, doc_case, cases) for p in passages] == expected
        got = attribute_sequence(passages, list(range(len(passages))), doc_case, cases)  # every passage its own group
        assert got == [e or doc_case for e in expected]


def test_the_tokenizer_built_once_with_its_rules_equals_the_default_one_with_its_rules_set(texts):
    """blank_nlp builds its tokenizer with the final infixes and suffixes (one load of the special cases);
    spaCy's default tokenizer with them set afterwards (three loads) is the same tokenizer."""
    import spacy
    from spacy.util import compile_infix_regex, compile_suffix_regex

    former = spacy.blank("id")
    infixes = [p for p in former.Defaults.infixes if "-" not in p and "/" not in p]
    former.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    suffixes = [r"(?<=\w)-(?:nya|san|sama|sensei|ssi|nim|kun|ku|mu|lah|kah|pun)$", *former.Defaults.suffixes]
    former.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    now = blank_nlp()
    # serialized with all of spaCy's special cases (it holds the ~270 that change a tokenization: tests/nlp/test_words.py)
    assert tokenizer_bytes() == former.tokenizer.to_bytes(exclude=["vocab"])
    for text in [*texts, "Jung-Gu, 9 - 14 Agustus 2015, kota-kota, Seokjin-nya dan Takahashi-san (Rp1,5 miliar)."]:
        assert [t.text for t in now.make_doc(text)] == [t.text for t in former.make_doc(text)]
