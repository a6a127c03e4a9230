"""Issue #19 (per-document cost): a cue pattern's search skipped when none of its opening words is in the
text gives exactly the pattern's own search, on the demo corpus's texts and every cue pattern."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.classify import cues
from pipeline.classify.prefilter import heads, search

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


def test_heads_of_word_alternations_groups_and_boundaries():
    assert heads(re.compile(r"\bapbd\b|mata anggaran")) == {"apbd", "mata anggaran"}
    assert heads(re.compile(r"(?:kunjungan (kerja|resmi)|berkunjung)|delegations?")) == {"kunjungan ", "berkunjung",
                                                                                         "delegation"}
    assert heads(re.compile(r"hasil(nya)?|berhasil")) == {"hasil", "berhasil"}


@pytest.mark.parametrize("source, flags", [(r"[a-z]+an", 0), (r"apbd|(?:x)?dana", 0), (r"apbd|", 0),
                                           (r"(?i:apbd)", 0), (r".*dana", 0), (r"apbd|\w+", re.IGNORECASE)])
def test_patterns_that_need_not_open_with_a_literal_are_always_searched(source, flags):
    pattern = re.compile(source, flags)
    assert heads(pattern) is None
    assert search(pattern, "APBD dana") is not None or pattern.search("APBD dana") is None


def test_prefiltered_search_is_the_patterns_own_on_the_demo_corpus():
    texts = [p.lower() for path in sorted(DEMO.glob("*/*.txt"))[::2]
             for p in path.read_text(encoding="utf-8", errors="replace").split("\n\n") if p.strip()]
    patterns = {p for version in cues.LEXICONS.values() for table in version
                for p in (table.values() if isinstance(next(iter(table.values())), re.Pattern)
                          else [q for fams in table.values() for q in fams.values()])}
    assert len(texts) > 300 and len(patterns) > 80
    assert all(heads(p) is not None for p in patterns)  # every cue pattern is prefiltered ...
    matched = 0
    for text in texts:
        for p in patterns:
            own, fast = p.search(text), search(p, text)
            assert (own and own.span()) == (fast and fast.span())  # ... and finds what the pattern finds
            matched += own is not None
    assert matched > 500


NAME_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -.'éüöäßçñøåıİſσςΣµΩ"


def test_fold_makes_every_pair_re_ignorecase_matches_equal():
    """For each character a name may hold and every character of the BMP's first 0x3000 and a few special ones: when
    re.IGNORECASE matches one with the other, fold() makes them one and the same character."""
    from pipeline.classify.prefilter import fold

    others = [chr(c) for c in range(0x3000)] + ["\u212a", "\u2126", "\u1e9b", "\u1fbe", "\ufb05", "\U00010400"]
    pairs = 0
    for n in NAME_CHARS:
        pattern = re.compile(re.escape(n), re.IGNORECASE)
        for t in others:
            if pattern.fullmatch(t):
                assert fold(n) == fold(t) and len(fold(t)) == 1, (n, t)
                pairs += 1
    assert pairs > 2 * len(NAME_CHARS)


@pytest.mark.parametrize("text", ["Kota Karangsari dan Seokjin-si", "KARANGSARİ", "karangſari", "Seo\u212ajin City",
                                  "KOTA KARANGSARI – SEOKJIN", "kota karangsari", "Karangsari's", "nothing here",
                                  "Kota Bitung dan Dàlián", "BİTUNG", "Ilo-Ilo"])
def test_case_insensitive_prefilter_never_hides_a_match(text):
    names = ["Karangsari", "Seokjin", "Seokjin-si", "Kota Karangsari", "Bitung", "Dàlián", "Iloilo"]
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    assert heads(pattern) is not None
    own, fast = pattern.search(text), search(pattern, text)
    assert (own and own.span()) == (fast and fast.span())


def test_attribution_with_the_prefilter_is_the_same_on_the_demo_corpus(demo_cases):
    from pipeline.classify.attribution import _patterns
    from pipeline.classify.prefilter import fold
    from pipeline.data import names_pattern

    per_case, candidates = _patterns(demo_cases)  # the cases' patterns, and which of them a text's words let through
    anyone = names_pattern(n for case in demo_cases for city in case.cities for n in city.names())
    texts = [p for path in sorted(DEMO.glob("*/*.txt"))[::2]
             for p in path.read_text(encoding="utf-8", errors="replace").split("\n\n") if p.strip()]
    texts += [t.upper() for t in texts[:100]]
    hits = 0
    for text in texts:
        assert (anyone.search(text) is None) == (search(anyone, text) is None)
        possible = candidates.of(fold(text))
        for _, p in per_case:
            found = p.search(text) is not None
            assert (search(p, text) is not None) == found
            assert id(p) in possible or not found
            hits += found
    assert hits > 100


def test_opening_is_may_matchs_test_for_case_sensitive_patterns():
    from pipeline.classify.prefilter import MANY, may_match, opening

    few = re.compile(r"\bapbd\b|\bdpa\b|mata anggaran")
    many = re.compile("|".join(w for w in "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo".split()))
    assert MANY < 11
    assert opening(few) == ("apbd", "dpa", "mata anggaran")
    assert isinstance(opening(many), re.Pattern)
    assert opening(re.compile(r"\bapbd\b", re.I)) is None and opening(re.compile(r"[ab]pbd")) is None
    for text in ["dana apbd", "mata anggaran", "tanpa", "juliet dan", "kilo", "kil", ""]:
        for p in (few, many):
            test = opening(p)
            passes = any(h in text for h in test) if isinstance(test, tuple) else test.search(text) is not None
            assert passes == may_match(p, text)
