"""Case attribution: which city pair a passage is about.

A passage is about its document's case unless it names the cities of another
known case and none of its own (a literature review citing another pair, an
informant comparing). Then it is attributed to the other case, and so are the
passages after it in the same paragraph that name no city.
"""

from __future__ import annotations

from pipeline.data import Case


def attribute(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    """A single passage on its own: the case it names, else the document's."""
    return named_case(text, doc_case, cases) or doc_case


def named_case(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    """The case a passage names by its cities, or None when it names none."""
    named: dict[str, int] = {}
    for case in cases:
        pattern = case.name_pattern()
        if pattern is not None and (hits := len(pattern.findall(text))):
            named[case.slug] = hits
    if not named:
        return None
    return doc_case if doc_case in named else max(named, key=named.get)


def attribute_sequence(texts: list[str], groups: list[object], doc_case: str | None, cases: list[Case]) -> list[str | None]:
    """Attribute a document's passages in order. A passage that names no city
    continues the topic of the passage before it in the same paragraph or turn
    (`groups`), so an informant's story about another city pair keeps that
    pair's case until the paragraph ends or a city of the document's case is named."""
    out: list[str | None] = []
    for i, text in enumerate(texts):
        found = named_case(text, doc_case, cases)
        if found is None:
            found = out[-1] if i and groups[i] == groups[i - 1] else doc_case
        out.append(found)
    return out
