"""The agency variants searched as a trie (nlp/trie.py) find what their alternation longest first finds, and the
resolver of a document's cities is the same whether found by its list or built again."""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.nlp import agencies

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


def test_variant_trie_finds_what_the_alternation_longest_first_finds():
    former = re.compile(r"(?<![\w/-])(?:" + "|".join(re.escape(v) for v, _, _ in agencies.VARIANTS) + r")(?![\w/-])")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(DEMO.glob("*/*.txt"))]
    texts += ["800/417/Disdik/2018 Disdik, Dinas Pendidikan Kota X; BAPPEDA-nya Bappeda/ Bappedas Setda",
              "Dinas Kesehatan", "Dinas Kesehatan Provinsi", "", "Disdik"]
    found = [[m.span() for m in agencies._VARIANT_RE.finditer(t)] for t in texts]
    assert found == [[m.span() for m in former.finditer(t)] for t in texts]
    assert sum(map(len, found)) > 200


def test_the_resolver_of_a_list_of_cities_is_that_of_its_contents():
    cities = [("Karangsari", ["Kota Karangsari"]), ("Seokjin", ["Seokjin-si"])]
    text = "Dinas Kesehatan Kota Karangsari bertemu Seokjin-si City Hall dan Dinas Pendidikan Seokjin-si."
    first = agencies.find_agencies(text, cities, "Karangsari")
    assert agencies._resolver_of(cities, "Karangsari") is agencies._resolver_of(cities, "Karangsari")
    copy = [(n, list(a)) for n, a in cities]  # another list with the same cities: the same resolver, built for it
    assert agencies._resolver_of(copy, "Karangsari") is agencies._resolver(
        tuple((n, tuple(a)) for n, a in cities), "Karangsari")
    assert agencies.find_agencies(text, copy, "Karangsari") == first
    assert {a.canonical for a in first} >= {"Dinas Kesehatan (Karangsari)", "Dinas Pendidikan (Seokjin)"}
