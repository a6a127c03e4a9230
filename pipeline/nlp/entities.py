"""Entity tagging: a spaCy `id` pipeline with a rule layer.

spaCy's blank Indonesian pipeline gives tokens (tuned so "Jung-Gu",
"25/11/2016" and reduplicated words stay whole); an EntityRuler finds places
and people (honorific + capitalised name); regular-expression layers find
dates, money and agencies, which are normalised (ISO dates, rupiah amounts,
canonical agency names with their city). A trained statistical NER
(pipeline/nlp/ner.py, the newest models/ner_spacy.vN/) is merged with the rules
per label: the NER's PERSON and GPE spans (trimmed to the codebook's minimal
form: no honorific, no edge punctuation, a written "Kota"/"Provinsi" prefix
kept) come first and the rules fill their gaps, except that agencies, dates,
money and events found by the rules, and places of the gazetteer, win over a
NER PERSON (and over a NER GPE inside them); DATE, MONEY, ORG (normalised) and
EVENT come from the rules alone. `tag_document` takes the statistical NER
from the backend of the `nlp_backend` setting (spacy by default, or stanza).
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
APPOSITION_RE = re.compile(  # "Ruslan Tahir, Wali Kota Muara Kencana"
    r"(?P<name>" + NAME_TOKEN + r"(?:\s+(?:" + NAME_TOKEN + r"|de|van|der|bin|binti)){1,3}),\s+(?i:" + "|".join(re.escape(t) for t in ROLE_TITLES)
    + r"|kepala|staf|ketua|anggota|sekretaris|direktur|guru|dosen|peneliti|camat|lurah)\b"
)
CITATION_RE = re.compile(  # "Tjandradewi dan Marcotullio (2009)", "Ringrose, 2001"
    r"\b(?P<name>[A-Z][a-z]{2,})(?:\s+(?:dan|&|and)\s+(?P<name2>[A-Z][a-z]{2,}))?(?:\s+et\s+al\.?)?(?:,\s*|\s+\()(?:19|20)\d{2}\b"
)
TABLE_NAME_CELL = re.compile(r"(?:^|\|)\s*(?P<name>" + NAME_TOKEN + r"(?:\s+(?:" + NAME_TOKEN + r"|de|van)){1,3})\s*(?=\||$)")
DEGREE = r"[A-Z]\.(?:[A-Z][A-Za-z]{0,3}\.)+"  # S.T., M.Si., S.Pd.I., A.Md.Keb., S.K.M.
DEGREE_PERSON_RE = re.compile(  # "Irwan Kurnia, S.Pd., M.Si.", "Muh. Irfan Latief, S.T."
    r"(?<![\w.])(?P<name>(?:(?:Muh|Moh|Moch|Mhd)\.\s+)?" + NAME_TOKEN + r"(?:\s+(?:" + NAME_TOKEN + r"|de|van|der|bin|binti)){0,3})"
    r",\s*" + DEGREE
)
# Words that open a role, a column header or a table label, not a name ("Ketua Delegasi", "Kelas XI", "PIHAK KEDUA").
ROLE_WORDS = frozenset("""ketua wakil sekretaris bendahara anggota kepala staf staff guru kelas pihak pimpinan pembina
    notulis peserta koordinator bidan dokter perawat asal nama no nomor jabatan instansi keterangan peran uraian acara
    kegiatan waktu tempat tanggal hari wali walikota bupati gubernur camat lurah sekda asisten direktur manajer
    kabag kasubbag kasi kabid seksi bidang bagian delegasi rombongan chair mayor mr mrs ms dari ke di dan untuk
    diskusi lokakarya rapat kunjungan rencana kerja sama tesis laporan rekomendasi pengantar kesimpulan""".split())
WEEKDAYS_MONTHS = frozenset("""senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli
    agustus september oktober november desember""".split())
GPE_PREFIX = re.compile(r"(?i:(?<!wali\s)(?<!wakil wali\s)\bkota|provinsi|kabupaten|kecamatan|kelurahan|desa|distrik|"
                        r"prefektur|negara\s+bagian|the)\s+$")
ADMIN_AREA_RE = re.compile(  # "Kecamatan Tallasa", "Kelurahan Sidomukti", "distrik Kawabe", "Kampung Benteng"
    r"\b(?:Kecamatan|Kelurahan|Desa|Kabupaten|Distrik|distrik|Kampung)\s+[A-Z][\w'’-]+(?:\s+(?:Utara|Selatan|Barat|Timur|Tengah))?")
SPEAKER_LABEL = re.compile(r"^[A-Z]{1,2}$")
ROMAN = re.compile(r"^[IVXLC]+$")
OTHER_ORGS = re.compile(
    r"\b(?:SMA|SMP|SMK|SD|MAN|MTsN?)\s+(?:Negeri\s+|Swasta\s+)?\d+\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?"
    r"|\b(?:Universitas|Institut|Politeknik|Sekolah\s+Tinggi)\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3}"
    r"|\b(?:Puskesmas|Sanggar(?:\s+Seni)?|Ikatan|Asosiasi|Perkumpulan|Paguyuban|Kamar\s+Dagang(?:\s+dan\s+Industri)?|Komite|"
    r"Divisi|Biro|Afdeling|Koperasi|Yayasan|Hoogheemraadschap)(?:\s+(?:[A-Z][\w'’-]*|dan|en|van|der))*\s+[A-Z][\w'’-]*"
    r"|\bKomisi\s+(?:IV|I{1,3}|[A-D])\b"
    r"|\bCity\s+of\s+[A-Z]\w+(?:\s+[A-Z]\w+)?"
    r"|\bPT\.?\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3}"
    r"|(?:[A-Z][\w'’-]+\s+){1,4}(?:High\s+School|College|University|Committee|Council|Association|Chamber\s+of\s+Commerce)\b"
)
EVENTS = re.compile(
    r"\bpenandatanganan(?:\s+(?:Nota\s+Kesepahaman|MoU|LoI|Letter\s+of\s+Intent|Memorandum\s+of\s+Understanding|"
    r"Perjanjian\s+Kerja\s+Sama|PKS|naskah\s+kerja\s+sama))?"
    r"|\b(?:Festival|Pekan|Forum|Pameran|Konferensi|Karnaval|Lokakarya)\s+[A-Z][\w–-]*(?:\s+(?:[A-Z][\w–-]*|\d{4}))*"
    r"|(?:[A-Z][\w]+\s+){1,3}(?:International\s+)?(?:Expo|Festival|Forum|Week)\b",
)
LANGUAGE_BEFORE = re.compile(r"(?:bahasa|berbahasa|language)\s*$", re.I)
PRIORITY = {"MONEY": 0, "DATE": 1, "ORG": 2, "EVENT": 3, "GPE": 4, "PERSON": 5}
# The NER's spans are used for these labels only, ahead of the rules' (which fill its gaps). For DATE, MONEY,
# ORG and EVENT the leave-one-case-out figures showed the NER adding more false spans than it found (card.json).
NER_LABELS = {"PERSON", "GPE"}


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
            # Bare place names only: "Kota X" is tagged as "X", and a government ("Pemkot X") is an ORG.
            gpe.update(a for a in city.aliases if a.split()[0].lower() not in {"kota", "pemkot", "pemerintah", "gemeente", "city"})
    return cities, tuple(sorted(gpe))


@functools.lru_cache(maxsize=256)
def _known_names(names: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")


def people_in(texts: list[str]) -> frozenset[str]:
    """Names introduced with an honorific or a role somewhere in a document ("Bapak Ruslan Tahir")."""
    names = set()
    for text in texts:
        for rx in (PERSON_RE, ROLE_PERSON_RE, APPOSITION_RE, DEGREE_PERSON_RE):
            names.update(m.group("name") for m in rx.finditer(text)
                         if len(m.group("name").split()) >= 2 and not _role_like(m.group("name")))
    return frozenset(names)


def _role_like(name: str) -> bool:
    """A capitalised phrase that is a role, header or label rather than a name ("Ketua Delegasi", "PIHAK KEDUA")."""
    words = [w.lower().strip(".,") for w in name.split()]
    return bool(words) and (words[0] in ROLE_WORDS or all(w in ROLE_WORDS or w in WEEKDAYS_MONTHS for w in words))


@functools.lru_cache(maxsize=32)
def _gpe_regex(gpe_names: tuple[str, ...]) -> re.Pattern[str]:
    """Place names wherever they stand, also inside a dash-joined pair ("Karangsari–Seokjin") the tokenizer keeps whole."""
    names = sorted(gpe_names, key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")


@functools.cache
def _stop_words() -> frozenset[str]:
    try:
        from spacy.lang.id.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover - a core dependency
        return frozenset()
    return frozenset(STOP_WORDS) | {"ya", "iya", "oh", "nah", "hmm"}


HONORIFIC_START = re.compile(r"^(?i:" + "|".join(re.escape(h.rstrip(".")) for h in HONORIFICS) + r")\.?\s+")


def _clean_ner_span(text: str, s: int, e: int, label: str) -> tuple[int, int, str, None] | None:
    """A NER span trimmed to the codebook's minimal form (no honorific, no edge punctuation), or None if not a name."""
    while s < e and not (text[s].isalnum()):
        s += 1
    while e > s and not (text[e - 1].isalnum() or text[e - 1] in ".’'" and e - s > 3 and text[e - 2].isupper()):
        e -= 1
    while e > s and text[e - 1] in ",;:":
        e -= 1
    if label == "PERSON":
        m = HONORIFIC_START.match(text[s:e])
        if m and m.end() < e - s:
            s += m.end()
        words = text[s:e].split()
        if not words or SPEAKER_LABEL.match(text[s:e]) or _role_like(text[s:e]):
            return None
        if len(words) == 1 and (words[0].lower() in _stop_words() or words[0].lower() in WEEKDAYS_MONTHS
                                or words[0].lower().rstrip(".") in HONORIFICS):
            return None
    if label == "GPE":
        if ROMAN.match(text[s:e]):  # "Kelas XI", "Komisi IV"
            return None
        prefix = GPE_PREFIX.search(text[max(0, s - 20) : s])
        s -= len(prefix.group(0)) if prefix and not GPE_PREFIX.search(text[s:e] + " ") else 0
    return (s, e, label, None) if text[s:e].strip() else None


def tag_text(text: str, case: Case | None, cases: list[Case],
             known_people: frozenset[str] = frozenset(),
             ner_spans: list[tuple[int, int, str]] | None = None) -> list[tuple[int, int, str, str | None]]:
    """Entities in one text: (start, end, label, normalized), non-overlapping, in order.

    `known_people` are names the document introduced elsewhere with an honorific
    or role; their bare mentions are people too. `ner_spans` are the statistical
    NER's (start, end, label) in the same text; None means rules only.
    """
    cities, gpe_names = _case_names([c for c in [case, *cases] if c is not None])
    local = case.local.name if case is not None and case.local is not None else None
    cands: list[tuple[int, int, str, str | None]] = []
    cands += [(m.start, m.end, "MONEY", m.value) for m in find_money(text)]
    cands += [(m.start, m.end, "DATE", m.value) for m in find_dates(text)]
    cands += [(m.start, m.end, "ORG", m.canonical) for m in find_agencies(text, cities, local)]
    cands += [(m.start(), m.end(), "ORG", " ".join(m.group(0).split())) for m in OTHER_ORGS.finditer(text)]
    cands += [(m.start(), m.end(), "EVENT", None) for m in EVENTS.finditer(text)]
    for rx in (PERSON_RE, ROLE_PERSON_RE, APPOSITION_RE, DEGREE_PERSON_RE):
        cands += [(m.start("name"), m.end("name"), "PERSON", None) for m in rx.finditer(text) if not _role_like(m.group("name"))]
    for m in CITATION_RE.finditer(text):
        cands += [(m.start(g), m.end(g), "PERSON", None) for g in ("name", "name2") if m.group(g)]
    if text.count("|") >= 2:  # a table row: a cell that is just a name is a person
        cands += [(m.start("name"), m.end("name"), "PERSON", None) for m in TABLE_NAME_CELL.finditer(text)
                  if not _role_like(m.group("name"))]
    cands += [(m.start(), m.end(), "PERSON", None) for m in _known_names(known_people).finditer(text)] if known_people else []
    doc = _ruler_nlp(gpe_names)(text)
    places = {(e.start_char, e.end_char) for e in doc.ents}
    places |= {(m.start(), m.end()) for m in _gpe_regex(gpe_names).finditer(text)}
    places |= {(m.start(), m.end()) for m in ADMIN_AREA_RE.finditer(text)}
    for s, e in sorted(places):
        if LANGUAGE_BEFORE.search(text[max(0, s - 12) : s]):
            continue
        prefix = GPE_PREFIX.search(text[max(0, s - 20) : s])  # "Kota X", "Provinsi X", "distrik X" as written
        cands.append((s - len(prefix.group(0)) if prefix else s, e, "GPE", None))
    rule_cands = cands
    ner_cands = []
    if ner_spans is not None:
        ner_cands = [c for c in (_clean_ner_span(text, s, e, label) for s, e, label in ner_spans if label in NER_LABELS)
                     if c is not None]
        # A NER PERSON overlapping a place the gazetteer knows, or a NER PERSON/GPE overlapping an agency, date,
        # money or event the rules found, gives way to the rule (a city inside an ORG name is not a GPE).
        # A NER GPE strictly inside a longer gazetteer place ("Australia" in "Western Australia") gives way too.
        fixed = [c for c in rule_cands if c[2] != "PERSON"]
        ner_cands = [c for c in ner_cands
                     if not any(f[0] < c[1] and c[0] < f[1]
                                and (f[2] != "GPE" or c[2] == "PERSON" or (f[0] <= c[0] and c[1] <= f[1] and f[:2] != c[:2]))
                                for f in fixed)]
    events = [c for c in rule_cands + ner_cands if c[2] == "EVENT"]
    # A year closing an event's name ("Festival Bahari Pasirlaut 2017") stays inside the EVENT, as the gold has it.
    rule_cands = [c for c in rule_cands if not (c[2] == "DATE" and any(s < c[0] and c[1] == e for s, e, _, _ in events))]

    def rank(c: tuple[int, int, str, str | None], from_ner: bool) -> tuple:
        leads = from_ner == (c[2] in NER_LABELS) if ner_spans is not None else True
        return (0 if leads else 1, PRIORITY[c[2]], -(c[1] - c[0]), c[0])

    ranked = sorted([(rank(c, False), c) for c in rule_cands] + [(rank(c, True), c) for c in ner_cands],
                    key=lambda rc: rc[0])
    chosen: list[tuple[int, int, str, str | None]] = []
    for _, cand in ranked:
        if all(cand[1] <= s or cand[0] >= e for s, e, _, _ in chosen):
            chosen.append(cand)
    return sorted(chosen)


BACKENDS = ("spacy", "stanza")


def nlp_backend() -> str:
    """The configured NER backend (setting `nlp_backend`, environment SISTERCITY_NLP_BACKEND): spacy or stanza."""
    from pipeline.config import Settings

    name = (Settings.from_env().nlp_backend or "spacy").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"SISTERCITY_NLP_BACKEND / nlp_backend: unknown NLP backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name


def _ner_tagger(backend: str):
    """A function text -> [(start, end, label)] for `backend`, or None when no model is shipped for it."""
    if backend == "stanza":
        from pipeline.nlp.stanza_backend import load_stanza, tag_text_stanza

        tagger = load_stanza()  # ImportError naming pip install 'sistercity[stanza]' when stanza is missing
        return lambda text: tag_text_stanza(text, tagger)
    if backend != "spacy":
        raise ValueError(f"unknown NLP backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    from pipeline.nlp.ner import load_ner, predict

    nlp = load_ner()
    return (lambda text: predict(nlp, text)) if nlp is not None else None


def tag_document(document: Document, case: Case | None, cases: list[Case], use_ner: bool = True,
                 backend: str | None = None) -> list[Entity]:
    """Entities of a whole document, block by block, with document offsets and pages.

    With `use_ner`, the statistical NER of `backend` ("spacy": the newest
    models/ner_spacy.vN/; "stanza": the newest models/ner_stanza.vN/ through
    stanza_backend.tag_text_stanza; default: the `nlp_backend` setting) is
    merged with the rules, the same merge for both; without it, or when no
    spaCy model is shipped, the rules alone tag.
    """
    entities: list[Entity] = []
    people = people_in([document.text[b.start : b.end] for b in document.blocks])
    ner = _ner_tagger(backend or nlp_backend()) if use_ner else None
    for block in document.blocks:
        text = document.text[block.start : block.end]
        spans = ner(text) if ner is not None else None
        for s, e, label, value in tag_text(text, case, cases, people, spans):
            start, end = block.start + s, block.start + e
            entities.append(Entity(doc=document.doc, page=document.page_at(start), start=start, end=end,
                                   text=document.text[start:end], label=label, normalized=value))
    return entities
