"""Case attribution's look at a passage's words (`attribution._Candidates`) lets through every name pattern that
matches, so the counts and the attributed case are those of searching every case's pattern."""

from __future__ import annotations

import re

from pipeline.classify.attribution import _Candidates, _compiled, _named
from pipeline.classify.prefilter import fold
from pipeline.data import names_pattern

NAMES = {
    "a": ("Karangsari", "Kota Karangsari", "Pemkot Karangsari"),
    "b": ("Seokjin", "Seokjin-si", "Seokjin City"),
    "c": ("Muara Kencana", "Kota Muara Kencana"),
    "d": ("Kencana",),  # a word of another case's name
    "e": ("St. Aldenbrück", "Aldenbrück"),
    "f": ("Kelvin", "Shiraz"),  # re.IGNORECASE also matches them written with the Kelvin sign and the long s
    "g": ("Karangsari",),  # the same name as case a: another pattern object
}
TEXTS = [
    "Kerja sama KOTA KARANGSARI dengan Seokjin-si berjalan.",
    "Delegasi seokjin city tiba; pemkot karangsari menyambut.",
    "Di Muara Kencana dan di Kencana saja.",
    "Karangsarian bukan nama kota, Seokjinsi juga bukan.",  # inside longer words: no whole-word match
    "st. aldenbrück und ALDENBRÜCK",
    "\u212aelvin dan \u017fhiraz",
    "tanpa nama kota",
    "",
    "Seokjin-si-Karangsari–Muara Kencana_Kencana",
]


def _cases():
    return tuple((slug, names) for slug, names in NAMES.items())


def test_the_candidates_include_every_pattern_that_matches():
    patterns = {slug: names_pattern(names) for slug, names in NAMES.items()}
    names_of: dict[int, set[str]] = {}
    for slug, p in patterns.items():
        names_of.setdefault(id(p), set()).update(NAMES[slug])
    candidates = _Candidates(names_of)
    matched = 0
    for text in TEXTS:
        possible = candidates.of(fold(text))
        for p in patterns.values():
            if p.search(text):
                matched += 1
                assert id(p) in possible, (p.pattern, text)
    assert matched >= 10
    assert not candidates.of(fold("tanpa nama kota"))  # a text naming no city needs no search at all


def test_named_counts_as_searching_every_case_pattern():
    patterns = _compiled(_cases())
    per_case = [(slug, names_pattern(names)) for slug, names in NAMES.items()]

    def reference(text: str, doc_case: str | None) -> str | None:
        named = {slug: n for slug, p in per_case if (n := len(p.findall(text)))}
        return (doc_case if doc_case in named else max(named, key=named.get)) if named else None

    found = 0
    for doc_case in ("a", "c", "g", None):
        for text in TEXTS:
            expected = reference(text, doc_case)
            found += expected is not None
            assert _named(text, doc_case, patterns) == expected, (text, doc_case)
    assert found >= 20


def test_a_name_without_word_characters_is_always_searched():
    p = re.compile(r"\b(?:\-\-)\b", re.IGNORECASE)
    candidates = _Candidates({id(p): {"--"}})
    assert candidates.of("") == {id(p)}
