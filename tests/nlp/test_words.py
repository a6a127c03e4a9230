"""The shared tokenizer leaves out spaCy's special cases that change nothing (issue #19, start-up CPU): it
tokenizes like a tokenizer with all of them, and a model saved with the full one still takes the shared one."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.nlp import words
from pipeline.nlp.words import blank_nlp

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


@pytest.fixture(scope="module")
def full_tokenizer():
    """The shared tokenizer's patterns with all of spaCy's Indonesian special cases, on a vocab of its own."""
    from spacy.lang.id import Indonesian
    from spacy.tokenizer import Tokenizer
    from spacy.vocab import create_vocab

    shared = blank_nlp().tokenizer
    return Tokenizer(create_vocab("id", Indonesian.Defaults), rules=Indonesian.Defaults.tokenizer_exceptions,
                     prefix_search=shared.prefix_search, suffix_search=shared.suffix_search,
                     infix_finditer=shared.infix_finditer, token_match=shared.token_match, url_match=shared.url_match)


def _tokens(doc) -> list[tuple]:
    return [(t.text, t.whitespace_, t.norm_, t.lower_, t.shape_, t.prefix_, t.suffix_, t.is_stop, t.like_num,
             t.is_punct, t.is_alpha) for t in doc]


def test_the_shared_tokenizer_keeps_few_cases_and_tokenizes_every_case_like_the_full_one(full_tokenizer):
    shared = blank_nlp().tokenizer
    assert len(shared.rules) < len(full_tokenizer.rules) / 10  # the point: most cases are left out
    strings = list(full_tokenizer.rules)
    contexts = ["{}", "({})", '"{}",', "{}.", "{}-nya"]
    for i in range(0, len(strings), 200):  # every case's string, alone and between affixes
        text = " ".join(c.format(s) for s in strings[i:i + 200] for c in contexts)
        assert _tokens(shared(text)) == _tokens(full_tokenizer(text)), strings[i:i + 200]
    for path in sorted(DEMO.glob("*/*.txt"))[:6]:
        text = path.read_text(encoding="utf-8")
        assert _tokens(shared(text)) == _tokens(full_tokenizer(text)), path


def test_the_shipped_case_list_is_the_one_worked_out_now(tmp_path, monkeypatch):
    from spacy.lang.id import Indonesian

    shared, cases = blank_nlp().tokenizer, Indonesian.Defaults.tokenizer_exceptions
    now = words.needed_case_list(shared, cases)
    shipped = words._needed_cases(shared, cases)
    assert list(shipped) == now  # in spaCy's order (which varies from process to process); stale for the installed spaCy: write_tokenizer_cases() ships it anew
    monkeypatch.setattr(words, "TOKENIZER_CASES_FILE", tmp_path / "missing.json")
    assert list(words._needed_cases(shared, cases)) == now  # no list shipped: worked out at start-up
    written = words.write_tokenizer_cases(tmp_path / "cases.json")
    monkeypatch.setattr(words, "TOKENIZER_CASES_FILE", written)
    assert list(words._needed_cases(shared, cases)) == now


def test_the_serialized_shared_tokenizer_is_the_full_one(full_tokenizer):
    """What load_ner compares with a model's saved tokenizer: the bytes of the tokenizer with all its cases."""
    assert words.tokenizer_bytes() == full_tokenizer.to_bytes(exclude=["vocab"])


def test_a_model_saved_with_the_shared_tokenizer_loads_with_it(tmp_path):
    """A NER trained since (pipeline/quality/ner.py saves the shared tokenizer, its needed cases only) takes it too."""
    import shutil

    from pipeline.nlp import ner

    saved, other = tmp_path / "saved" / ner.newest().name, tmp_path / "other" / ner.newest().name
    for folder in (saved, other):
        shutil.copytree(ner.newest(), folder)
    (saved / "model" / "tokenizer").write_bytes(blank_nlp().tokenizer.to_bytes(exclude=["vocab"]))
    assert ner.load_ner(saved).tokenizer is blank_nlp().tokenizer
    (other / "model" / "tokenizer").write_bytes(
        words.tokenizer_bytes().replace(b"faster_heuristics\xc3", b"faster_heuristics\xc2"))
    assert ner.load_ner(other).tokenizer is not blank_nlp().tokenizer  # another tokenizer: the model's own


def test_the_prefix_search_finds_what_the_prefix_regex_finds():
    """PrefixSearch tries the start first; spaCy's pattern also has a branch with no `^` (`<a([^>]+)>`), found
    anywhere in a string: both must give the same match, and the tokenizer the same tokens, as the plain regex."""
    import re

    from spacy.lang.id import Indonesian
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_prefix_regex
    from spacy.vocab import create_vocab

    regex = compile_prefix_regex(Indonesian.Defaults.prefixes)
    fast = words.PrefixSearch(regex)
    assert words.unanchored_leads(regex) == ("<a",)
    assert words.unanchored_leads(re.compile("^a|^b")) == () and words.unanchored_leads(re.compile("[ab]x|^c")) is None
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(DEMO.glob("*/*.txt"))[:20]]
    odd = ["foo<a href=x>bar", "x<a>", "<b/>kota", "(Seokjin)", "US$5", "«kata»", "...dan", "", "<a", "a<ab>"]
    strings = [w for t in texts for w in t.split()] + odd
    span = lambda m: None if m is None else (m.start(), m.end())  # noqa: E731
    assert [span(fast.search(s)) for s in strings] == [span(regex.search(s)) for s in strings]
    assert span(fast.search("foo<a href=x>bar")) == (3, 13)

    shared = blank_nlp().tokenizer
    assert isinstance(shared.prefix_search.__self__, words.PrefixSearch)
    plain = Tokenizer(create_vocab("id", Indonesian.Defaults), rules=shared.rules, prefix_search=regex.search,
                      suffix_search=shared.suffix_search, infix_finditer=shared.infix_finditer,
                      token_match=shared.token_match, url_match=shared.url_match)
    for text in [*texts, " ".join(odd)]:
        assert _tokens(shared(text)) == _tokens(plain(text))
