"""Entity tagging: a spaCy `id` pipeline with a rule layer.

spaCy's blank Indonesian pipeline gives tokens (tuned so "Jung-Gu",
"25/11/2016" and reduplicated words stay whole); an EntityRuler finds places
and people (honorific + capitalised name); regular-expression layers find
dates, money and agencies, which are normalised (ISO dates, rupiah amounts,
canonical agency names with their city). A trained statistical NER, where one
is shipped in models/, is merged under the rules.
"""

from __future__ import annotations

import functools
import logging
import re

from pipeline.data import Document, Entity
from pipeline.ingest.cases import Case
from pipeline.nlp.agencies import find_agencies
from pipeline.nlp.dates import find_dates
from pipeline.nlp.money import find_money

log = logging.getLogger(__name__)

HONORIFICS = ["bapak", "ibu", "bpk", "bpk.", "sdr", "sdr.", "sdri", "sdri.", "pak", "bu", "mr", "mr.", "mrs", "mrs.",
              "ms", "ms.", "dr", "dr.", "prof", "prof.", "ir", "ir.", "drs", "drs.", "hj", "hj.", "h.", "mas", "mbak"]
ROLE_TITLES = ["wali kota", "walikota", "wakil wali kota", "bupati", "gubernur", "kepala dinas", "kepala bagian",
               "kabag", "kasubbag", "sekretaris daerah", "sekda", "ketua dprd", "camat", "lurah", "mayor",
               "burgemeester", "bürgermeisterin", "bürgermeister", "konsul", "duta besar"]
COUNTRIES = ["Indonesia", "Korea Selatan", "Korea", "Jepang", "Tiongkok", "China", "Cina", "Australia", "Belanda",
             "Jerman", "Kroasia", "Amerika Serikat", "Singapura", "Malaysia", "Prancis", "Perancis", "Inggris",
             "South Korea", "Japan", "Netherlands", "Germany", "Republik Indonesia", "Republik Korea",
             "Republik Rakyat Tiongkok", "Kerajaan Belanda", "Republik Federal Jerman"]
PROVINCES = ["Jawa Tengah", "Jawa Timur", "Jawa Barat", "DKI Jakarta", "Jakarta", "Kalimantan Timur", "Kepulauan Riau",
             "Sumatera Barat", "Sumatera Utara", "Sulawesi Selatan", "Bali", "Gyeonggi-do", "Gyeongsangnam-do",
             "Zhejiang", "Okayama", "Prefektur Okayama", "Western Australia", "Zuid-Holland", "Nordrhein-Westfalen",
             "Seoul", "Tokyo", "Beijing", "Canberra", "Den Haag", "Berlin", "Surabaya", "Semarang", "Bandung"]
NAME_TOKEN = r"[A-Z][a-zA-Z'’-]+"
PERSON_RE = re.compile(
    r"\b(?i:" + "|".join(re.escape(h.rstrip(".")) for h in HONORIFICS) + r")\.?\s+"
    r"(?P<name>(?:(?:[A-Z]\.\s?){0,2})" + NAME_TOKEN + r"(?:\s+(?:" + NAME_TOKEN + r"|bin|binti|van|de|der|von))*?(?:\s+" + NAME_TOKEN + r")?)"
    r"(?=[\s,.;:)]|$)"
)
ROLE_PERSON_RE = re.compile(
    r"\b(?i:" + "|".join(re.escape(t) for t in ROLE_TITLES) + r")(?:\s+(?:Kota\s+)?(?P<place>[A-Z][\w-]+))?,?\s+"
    r"(?:(?i:" + "|".join(re.escape(h.rstrip(".")) for h in HONORIFICS) + r")\.?\s+)?"
    r"(?P<name>" + NAME_TOKEN + r"(?:\s+" + NAME_TOKEN + r"){1,3})"
)
PRIORITY = {"MONEY": 0, "DATE": 1, "ORG": 2, "EVENT": 3, "GPE": 4, "PERSON": 5}


@functools.cache
def blank_nlp():
    """spaCy's Indonesian language with a tokenizer that keeps "Jung-Gu", dates and reduplications whole."""
    try:
        import spacy
        from spacy.util import compile_infix_regex
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("the NLP stage needs spaCy: pip install spacy") from exc
    nlp = spacy.blank("id")
    infixes = [p for p in nlp.Defaults.infixes if "-" not in p and "/" not in p]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


@functools.lru_cache(maxsize=32)
def _ruler_nlp(gpe_names: tuple[str, ...]):
    nlp = blank_nlp().__class__.from_config(blank_nlp().config)
    nlp.tokenizer = blank_nlp().tokenizer
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "GPE", "pattern": name} for name in gpe_names])
    return nlp


def _case_names(cases: list[Case]) -> tuple[list[tuple[str, list[str]]], tuple[str, ...]]:
    cities, gpe = [], set(COUNTRIES) | set(PROVINCES)
    for case in cases:
        for city in case.cities:
            cities.append((city.name, city.aliases))
            gpe.add(city.name)
            gpe.update(a for a in city.aliases if not a.lower().startswith(("pemkot", "pemerintah", "gemeente")))
    return cities, tuple(sorted(gpe))


def tag_text(text: str, case: Case | None, cases: list[Case]) -> list[tuple[int, int, str, str | None]]:
    """Entities in one text: (start, end, label, normalized), non-overlapping, in order."""
    cities, gpe_names = _case_names([c for c in [case, *cases] if c is not None])
    local = case.local.name if case is not None and case.local is not None else None
    cands: list[tuple[int, int, str, str | None]] = []
    cands += [(m.start, m.end, "MONEY", m.value) for m in find_money(text)]
    cands += [(m.start, m.end, "DATE", m.value) for m in find_dates(text)]
    cands += [(m.start, m.end, "ORG", m.canonical) for m in find_agencies(text, cities, local)]
    for rx in (PERSON_RE, ROLE_PERSON_RE):
        cands += [(m.start("name"), m.end("name"), "PERSON", None) for m in rx.finditer(text)]
    doc = _ruler_nlp(gpe_names)(text)
    cands += [(e.start_char, e.end_char, e.label_, None) for e in doc.ents]
    chosen: list[tuple[int, int, str, str | None]] = []
    for cand in sorted(cands, key=lambda c: (PRIORITY[c[2]], -(c[1] - c[0]), c[0])):
        if all(cand[1] <= s or cand[0] >= e for s, e, _, _ in chosen):
            chosen.append(cand)
    return sorted(chosen)


def tag_document(document: Document, case: Case | None, cases: list[Case]) -> list[Entity]:
    """Entities of a whole document, block by block, with document offsets and pages."""
    entities: list[Entity] = []
    for block in document.blocks:
        text = document.text[block.start : block.end]
        for s, e, label, value in tag_text(text, case, cases):
            start, end = block.start + s, block.start + e
            entities.append(Entity(doc=document.doc, page=document.page_at(start), start=start, end=end,
                                   text=document.text[start:end], label=label, normalized=value))
    return entities
