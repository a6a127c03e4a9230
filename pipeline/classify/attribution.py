"""Case attribution: which city pair a passage is about.

A passage is about its document's case unless it names the cities of another
known case and none of its own (a literature review citing another pair, an
informant comparing). Then it is attributed to the other case, and so are the
passages after it in the same paragraph that name no city.
"""

from __future__ import annotations

import functools
import re

from pipeline.classify.prefilter import fold, may_match
from pipeline.data import Case, names_pattern


def attribute(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    """A single passage on its own: the case it names, else the document's."""
    return named_case(text, doc_case, cases) or doc_case


def named_case(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    """The case a passage names by its cities, or None when it names none."""
    return _named(text, doc_case, _patterns(cases))


# Per case (slug, its name pattern), and one pattern for any case's name (data.names_pattern), gathered once per
# set of cases rather than once per case and passage. Cases with the same city names (one pair's folders of
# several years) share one pattern object, searched once per passage.
Patterns = tuple[tuple[tuple[str, re.Pattern[str]], ...], re.Pattern[str] | None]


def _patterns(cases: list[Case]) -> Patterns:
    return _compiled(tuple((case.slug, tuple(n for c in case.cities for n in c.names())) for case in cases))


@functools.lru_cache(maxsize=64)
def _compiled(cases: tuple[tuple[str, tuple[str, ...]], ...]) -> Patterns:
    per_case = tuple((slug, pattern) for slug, names in cases if (pattern := names_pattern(names)) is not None)
    # A passage no case's pattern matches is one this matches nowhere either: most passages stop here.
    return per_case, names_pattern(n for _, names in cases for n in names)


def _named(text: str, doc_case: str | None, patterns: Patterns) -> str | None:
    per_case, anyone = patterns
    if anyone is None:
        return None
    folded = fold(text)  # the names are looked for in it first (prefilter.may_match): most passages name none
    if not may_match(anyone, text, folded) or anyone.search(text) is None:
        return None
    named: dict[str, int] = {}
    counted: dict[int, int] = {}  # id(pattern) -> its hits in this text
    for slug, pattern in per_case:
        hits = counted.get(id(pattern))
        if hits is None:
            hits = counted[id(pattern)] = len(pattern.findall(text)) if may_match(pattern, text, folded) else 0
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
