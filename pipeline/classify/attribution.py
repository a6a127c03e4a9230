"""Case attribution: which city pair a passage is about.

A passage is about its document's case unless it names the cities of another
known case and none of its own (a literature review citing another pair, an
informant comparing). Then it is attributed to the other case, and so are the
passages after it in the same paragraph that name no city.
"""

from __future__ import annotations

import functools
import re

from pipeline.classify.prefilter import fold
from pipeline.data import Case, names_pattern


def attribute(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    """A single passage on its own: the case it names, else the document's."""
    return named_case(text, doc_case, cases) or doc_case


def named_case(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    """The case a passage names by its cities, or None when it names none."""
    return _named(text, doc_case, _patterns(cases))


# Per case (slug, its name pattern), gathered once per set of cases rather than once per case and passage, and
# the test of which of those patterns can match a passage (`_Candidates`, built with them). Cases with the same city names (one
# pair's folders of several years) share one pattern object, searched once per passage.
Patterns = tuple[tuple[tuple[str, re.Pattern[str]], ...], "_Candidates | None"]


def _patterns(cases: list[Case]) -> Patterns:
    return _compiled(tuple((case.slug, tuple(n for c in case.cities for n in c.names())) for case in cases))


@functools.lru_cache(maxsize=64)
def _compiled(cases: tuple[tuple[str, tuple[str, ...]], ...]) -> Patterns:
    per_case, names_of = [], {}
    for slug, names in cases:
        if (pattern := names_pattern(names)) is not None:
            per_case.append((slug, pattern))
            names_of.setdefault(id(pattern), set()).update(n for n in names if n)
    return tuple(per_case), (_Candidates(names_of) if per_case else None)


_WORD = re.compile(r"\w+")


class _Candidates:
    """Which of a set of name patterns (`data.names_pattern`: names as whole words, ignoring case) can match
    a text, from one look at its words rather than one test per pattern.

    Where a name matches, each run of word characters in it is a whole word of the text: the pattern's `\b`
    bounds the name's first and last runs, and the name's own spaces, hyphens or stops bound the others. So
    a pattern can match only a text that holds, as a word, the longest word of one of its names (compared
    case-folded as re compares them: `prefilter.fold`). The patterns this lets through include every one that
    matches (tests/classify/test_attribution.py); the others cannot, so their count is 0 without a search."""

    def __init__(self, names_of: dict[int, set[str]]):
        self.always: frozenset[int] = frozenset()  # patterns with a name without a word character: always searched
        by_word: dict[str, set[int]] = {}
        for key, names in names_of.items():
            for name in names:
                words = _WORD.findall(fold(name))
                if not words:
                    self.always |= {key}
                    continue
                by_word.setdefault(max(words, key=len), set()).add(key)
        self.by_word = {w: frozenset(keys) for w, keys in by_word.items()}

    def of(self, folded: str) -> set[int]:
        """The ids of the patterns that may match a text, given the text case-folded (`prefilter.fold`)."""
        found = set(self.always)
        by_word = self.by_word
        for word in set(_WORD.findall(folded)):
            keys = by_word.get(word)
            if keys is not None:
                found |= keys
        return found


def _named(text: str, doc_case: str | None, patterns: Patterns) -> str | None:
    per_case, candidates = patterns
    if candidates is None:
        return None
    possible = candidates.of(fold(text))  # most passages name no city: nothing to search
    if not possible:
        return None
    named: dict[str, int] = {}
    counted: dict[int, int] = {}  # id(pattern) -> its hits in this text
    for slug, pattern in per_case:
        key = id(pattern)
        if key not in possible:
            continue
        hits = counted.get(key)
        if hits is None:
            hits = counted[key] = len(pattern.findall(text))
        if hits:
            named[slug] = hits
    if not named:
        return None
    return doc_case if doc_case in named else max(named, key=named.get)


def attribute_sequence(texts: list[str], groups: list[object], doc_case: str | None, cases: list[Case]) -> list[str | None]:
    """Attribute a document's passages in order. A passage that names no city
    continues the topic of the passage before it in the same paragraph or turn
    (`groups`), so an informant's story about another city pair keeps that
    pair's case until the paragraph ends or a city of the document's case is named."""
    out: list[str | None] = []
    patterns = _patterns(cases)
    for i, text in enumerate(texts):
        found = _named(text, doc_case, patterns)
        if found is None:
            found = out[-1] if i and groups[i] == groups[i - 1] else doc_case
        out.append(found)
    return out
