"""Case attribution: which city pair a passage is about.

A passage is about its document's case unless it names the cities of another
known case and none of its own (a literature review citing another pair, an
informant comparing). Then it is attributed to the other case.
"""

from __future__ import annotations

from pipeline.ingest.cases import Case


def attribute(text: str, doc_case: str | None, cases: list[Case]) -> str | None:
    named: dict[str, int] = {}
    for case in cases:
        pattern = case.name_pattern()
        if pattern is None:
            continue
        hits = len(pattern.findall(text))
        if hits:
            named[case.slug] = hits
    if not named or (doc_case in named):
        return doc_case
    return max(named, key=named.get)
