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
                                           (r"apbd", re.IGNORECASE), (r"(?i:apbd)", 0), (r".*dana", 0)])
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
