"""Agencies: a gazetteer of Indonesian local-government bodies, their acronyms,
and canonicalisation to one name per body per city.

Canonical form: the full Indonesian name, and for a city's body the city in
parentheses: "Badan Perencanaan Pembangunan Daerah (Karangsari)". National
bodies carry no city: "Kementerian Dalam Negeri".
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from pipeline.nlp.memo import last_answer
from pipeline.nlp.trie import names_trie

# (canonical full name, [surface variants and acronyms], national?)
GAZETTEER: list[tuple[str, list[str], bool]] = [
    ("Badan Perencanaan Pembangunan Daerah", ["Bappeda", "BAPPEDA", "Badan Perencanaan Pembangunan, Penelitian dan Pengembangan Daerah", "Bappelitbangda"], False),
    ("Dinas Tata Kota dan Perumahan", ["DTKP"], False),
    ("Dinas Kebudayaan dan Pariwisata", ["Disbudpar", "Dinas Pariwisata dan Kebudayaan", "Disparbud", "Dinas Pariwisata"], False),
    ("Dinas Perindustrian dan Perdagangan", ["Disperindag", "Dinas Perdagangan", "Disdag"], False),
    ("Dinas Kesehatan", ["Dinkes"], False),
    ("Dinas Pendidikan", ["Disdik", "Dinas Pendidikan dan Kebudayaan", "Disdikbud"], False),
    ("Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu", ["DPM-PTSP", "DPMPTSP", "DPM PTSP", "Dinas Penanaman Modal dan PTSP"], False),
    ("Dinas Lingkungan Hidup", ["DLH", "Badan Lingkungan Hidup", "BLH"], False),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", ["Dinas PUPR", "DPUPR", "PUPR"], False),
    ("Dinas Perumahan dan Kawasan Permukiman", ["Dinas Perkim", "Disperkim", "Perkim", "DPKP"], False),
    ("Dinas Pekerjaan Umum", ["Dinas PU", "DPU"], False),
    ("Dinas Bina Marga", ["DBM"], False),
    ("Dinas Perhubungan", ["Dishub"], False),
    ("Dinas Komunikasi dan Informatika", ["Diskominfo", "Kominfo"], False),
    ("Dinas Koperasi dan Usaha Mikro", ["Dinas Koperasi dan UMKM", "Diskop UMKM", "Diskopukm"], False),
    ("Dinas Kepemudaan dan Olahraga", ["Dispora"], False),
    ("Sekretariat Daerah", ["Setda"], False),  # "Sekda" is the secretary (a role), not the body
    ("Sekretariat Dewan Perwakilan Rakyat Daerah", ["Sekretariat DPRD", "Setwan"], False),
    ("Bagian Kerja Sama Sekretariat Daerah", ["Bagian Kerja Sama", "Bagian Kerjasama", "Bag. Kerja Sama", "Bagian Tata Pemerintahan dan Kerja Sama"], False),
    ("Bagian Otonomi Daerah", ["Bagian Otda"], False),
    ("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", ["BKPSDM", "BKD", "Badan Kepegawaian Daerah"], False),
    ("Badan Pengelolaan Keuangan dan Aset Daerah", ["BPKAD", "BPKD"], False),
    ("Inspektorat", ["Inspektorat Daerah"], False),
    ("Dewan Perwakilan Rakyat Daerah", ["DPRD"], False),
    # A city government in the partner's own style too ("Pemerintah Rakyat Kota Xilanzhou", "Gemeente", "Stadt");
    # "Balai Kota" is the building (codebook 8.4), not the body.
    ("Pemerintah Kota", ["Pemkot", "Pemko", "Pemerintah Kota", "Pemerintah Rakyat Kota", "City Hall", "City Government", "Gemeente",
                         "Stadt", "Stadtverwaltung", "Shiyakusho", "Municipality", "Municipal Government", "Belediyesi",
                         "Kreisverwaltung", "kommune", "Kommune", "Majlis Perbandaran", "Majlis Bandaraya"], False),
    ("Pemerintah Kabupaten", ["Pemkab"], False),
    ("Perusahaan Daerah Air Minum", ["PDAM", "Perumda Air Minum"], False),
    ("Badan Penanggulangan Bencana Daerah", ["BPBD"], False),
    ("Dewan Kota", ["City Council", "Gemeenteraad", "Stadtrat"], False),
    ("Kamar Dagang dan Industri", ["Kadin", "KADIN"], False),
    ("Tim Penggerak Pemberdayaan Kesejahteraan Keluarga", ["TP PKK", "TP-PKK"], False),
    ("Pemberdayaan Kesejahteraan Keluarga", ["PKK"], False),
    ("Satuan Polisi Pamong Praja", ["Satpol PP"], False),
    ("Tim Anggaran Pemerintah Daerah", ["TAPD"], False),
    ("Rumah Sakit Umum Daerah", ["RSUD"], False),
    ("Badan Pusat Statistik", ["BPS"], True),
    ("Kementerian Dalam Negeri", ["Kemendagri", "Kemdagri", "Depdagri", "Ministry of Home Affairs"], True),
    ("Kementerian Luar Negeri", ["Kemlu", "Kemenlu", "Deplu", "Ministry of Foreign Affairs"], True),
    ("United Nations Development Programme", ["UNDP", "United Nation Development Programme", "United Nations Development Program"], True),
    ("Badan Perencanaan Pembangunan Nasional", ["Bappenas", "BAPPENAS"], True),
    ("Japan International Cooperation Agency", ["JICA"], True),
    ("Asosiasi Pemerintah Kota Seluruh Indonesia", ["APEKSI"], True),
]
# Full names for any body not in the gazetteer: "Dinas X (dan Y)", "Badan X", "Kantor X", a partner city's
# "Departemen X" / "Biro X" / "Otoritas X", a mission "Kedutaan Besar X di Y". One line only; not "Kantor Wali Kota"
# (a building) nor "Negara Bagian X" (a state). Units below an agency ("Bidang", "Seksi", "Subbagian") are not
# bodies of their own in the codebook and are left out.
GENERIC = re.compile(
    r"(?<!Negara )\b(?:Cabang[ \t]+Dinas|Dinas|Badan|Kantor|Bagian|Sekretariat|Kementerian|Dewan|Lembaga|Departemen|Biro|"
    r"Otoritas|Konsulat(?:[ \t]+Jenderal)?|Kedutaan[ \t]+Besar|Pemerintah[ \t]+(?:Provinsi|Kabupaten))"
    r"(?:[ \t]+(?:(?:dan|serta|&|en)[ \t]+)?(?!Dinas\b|Badan\b|Kantor\b|Bagian\b|Kota\b|Kabupaten\b|Wali\b)[A-Z][\w'’-]*){1,7}"
    r"(?:[ \t]+di[ \t]+[A-Z][\w-]+(?=[ \t]*[,.;)]|[ \t]*$))?"
)
# Words that name a body only with its city written beside them ("Norrvik Municipality", "PDAM Kota Batu Sari",
# "Holmvik kommune"); alone they are a generic reference ("the Municipality"), not marked (CODEBOOK 8.1).
WITH_CITY_ONLY = {"municipality", "municipal government", "belediyesi", "kreisverwaltung", "kommune", "pdam"}
# "Pemerintah Liverpool", "Pemerintah Bandung": a government written with a city's bare name is that city's
# government (the words after "Pemerintah" must be one of the inbox's city names; "Pemerintah Kota/Provinsi/
# Pusat ..." are other rules or no body).
BARE_GOVERNMENT = re.compile(r"\b(?:Pemerintah|PEMERINTAH)(?=[ \t]+(?!(?:Kota|Kabupaten|Provinsi|Daerah|Pusat|Rakyat|Desa)\b)"
                             r"(?!(?:KOTA|KABUPATEN|PROVINSI|DAERAH|PUSAT)\b)[A-Z])")
MISSIONS = re.compile(r"\b(?:KBRI|KJRI|Kedubes)(?:[ \t]+(?!di\b)[A-Z][a-z][\w-]+)?")
# A section of the city secretariat written with it: "Bagian Hukum Setda", "Bagian Kerja Sama pada Sekretariat Daerah".
SECRETARIAT_TAIL = re.compile(r"[ \t]+(?:pada[ \t]+)?(?:Setda|Sekretariat[ \t]+Daerah)\b")
NATIONAL_TAIL = re.compile(r"[ \t]+RI\b")  # "Kemendagri RI"; a written-out "Republik Indonesia" is a GPE of its own


@dataclass(slots=True)
class AgencyMatch:
    start: int
    end: int
    text: str
    canonical: str


def _variant_index() -> list[tuple[str, str, bool]]:
    rows = []
    for canonical, variants, national in GAZETTEER:
        for v in {canonical, *variants}:
            rows.append((v, canonical, national))
            if " " in v or (len(v) >= 5 and not v.isupper()):  # letterheads in capitals: "GEMEENTE OOSTERVAART"
                rows.append((v.upper(), canonical, national))
    rows.sort(key=lambda r: len(r[0]), reverse=True)
    return rows


VARIANTS = _variant_index()
# Any variant, longest first, not inside "800/417/Disdik/2018": the variants written as a trie (nlp/trie.py: the same
# matches as their alternation longest first), the look behind each one's first character so re can skip ahead.
_VARIANT_RE = re.compile(names_trie((v for v, _, _ in VARIANTS), after_first=r"(?<![\w/-][\s\S])") + r"(?![\w/-])")
_LOOKUP = {v.lower(): (c, n) for v, c, n in VARIANTS}


def find_agencies(text: str, cities: list[tuple[str, list[str]]], default_city: str | None) -> list[AgencyMatch]:
    """Agency mentions with their canonical name.

    `cities` is [(short name, [aliases...])]; a mention followed by one of a
    city's names ("Dinas Kesehatan Kota Wirapura"), or a city government preceded
    by one ("Seokjin City Hall"), belongs to that city, else to `default_city`.
    """
    # the same cities for every block of a document (entities._case_context): the last resolver, without its key
    resolver = last_answer(_resolver_of, cities, default_city)
    found: list[AgencyMatch] = []
    for m in _VARIANT_RE.finditer(text):
        canonical, national = _LOOKUP[m.group(0).lower()]
        match = resolver.attach(text, m.start(), _tail(text, m.end(), canonical, national), canonical, national)
        if m.group(0).lower() in WITH_CITY_ONLY and (match.start, match.end) == m.span():
            continue  # no city beside it
        found.append(match)
    for m in BARE_GOVERNMENT.finditer(text):
        match = resolver.attach(text, m.start(), m.end(), "Pemerintah Kota", False)
        if match.end > m.end() and not any(a.start < match.end and match.start < a.end for a in found):
            found.append(match)  # only with a city's name after it
    found = [a for a in found if not any(o.start <= a.start and a.end <= o.end and (o.start, o.end) != (a.start, a.end)
                                         for o in found)]  # "Sekretariat Daerah" inside "Bagian X pada Sekretariat Daerah"
    for rx in (GENERIC, MISSIONS):
        for m in rx.finditer(text):
            inner = [a for a in found if m.start() < a.end and a.start < m.end()]
            # A longer full name holding a gazetteer name after its head wins ("Bagian Hukum Setda",
            # "Cabang Dinas Pendidikan Wilayah III"); otherwise the gazetteer's match stands.
            if inner and not (all(m.start() < a.start and a.end <= m.end() for a in inner) and not m.group(0).startswith("Kantor")):
                continue
            found = [a for a in found if a not in inner]
            name = m.group(0).strip()
            national = name.startswith(("Kementerian", "Kedutaan", "Konsulat", "KBRI", "KJRI", "Kedubes"))
            end = _tail(text, m.start() + len(name), name, national)
            canonical = re.sub(r" (?:pada )?(?:Setda|Sekretariat Daerah)$", " Sekretariat Daerah", " ".join(text[m.start():end].split()))
            national = national or " Provinsi " in canonical  # a province's office belongs to no city
            found.append(resolver.attach(text, m.start(), end, canonical, national))
    return sorted(found, key=lambda a: a.start)


def _tail(text: str, end: int, canonical: str, national: bool) -> int:
    """Extend a match over the words that belong to the body's name: "Setda" after a section, "RI" after a ministry."""
    tail = NATIONAL_TAIL.match(text, end) if national else SECRETARIAT_TAIL.match(text, end) if canonical.startswith("Bagian") else None
    return tail.end() if tail else end


def _resolver_of(cities: list[tuple[str, list[str]]], default_city: str | None) -> _CityResolver:
    """`_resolver` of these cities (the key of its cache a tuple of every case's cities)."""
    return _resolver(tuple((name, tuple(aliases)) for name, aliases in cities), default_city)


@functools.lru_cache(maxsize=64)
def _resolver(cities: tuple[tuple[str, tuple[str, ...]], ...], default_city: str | None) -> _CityResolver:
    """One resolver per set of cities, compiled once rather than for every block."""
    return _CityResolver([(name, list(aliases)) for name, aliases in cities], default_city)


@functools.lru_cache(maxsize=64)
def _city_patterns(names: tuple[str, ...]) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """The patterns of a city name after an agency ("Dinas X Kota Y") and before a city government, longest name first."""
    if not names:
        return None, None
    alt = "|".join(re.escape(n) for n in names)
    return re.compile(rf"\s*(?:Kota\s+|Kabupaten\s+|of\s+)?({alt})\b", re.I), re.compile(rf"\b({alt})\s*$", re.I)


class _CityResolver:
    def __init__(self, cities: list[tuple[str, list[str]]], default_city: str | None):
        self.default = default_city
        self.city_of = {a.lower(): name for name, aliases in cities for a in (name, *aliases)}
        # longest first; names of one length cannot match at the same place, so their order is free: sorted, the
        # patterns are compiled once for every case of an inbox (each puts its own cities first)
        self.after, self.before = _city_patterns(tuple(sorted(self.city_of, key=lambda n: (-len(n), n))))

    def attach(self, text: str, start: int, end: int, canonical: str, national: bool) -> AgencyMatch:
        city = None if national else self.default
        if self.after is not None and not national:
            m = self.after.match(text, end)
            pre = self.before.search(text[max(0, start - 40) : start]) if canonical == "Pemerintah Kota" else None
            if m:
                end = m.end()
                city = self.city_of[m.group(1).lower()]
            elif pre:
                start = start - (len(text[max(0, start - 40) : start]) - pre.start())
                city = self.city_of[pre.group(1).lower()]
        value = f"{canonical} ({city})" if city and not national else canonical
        return AgencyMatch(start, end, text[start:end], value)
