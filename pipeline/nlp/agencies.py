"""Agencies: a gazetteer of Indonesian local-government bodies, their acronyms,
and canonicalisation to one name per body per city.

Canonical form: the full Indonesian name, and for a city's body the city in
parentheses: "Badan Perencanaan Pembangunan Daerah (Karangsari)". National
bodies carry no city: "Kementerian Dalam Negeri".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    ("Sekretariat Daerah", ["Setda", "Sekda"], False),
    ("Bagian Kerja Sama", ["Bagian Kerjasama", "Bag. Kerja Sama", "Bagian Kerja Sama Setda", "Bagian Kerja Sama Sekretariat Daerah", "Subbagian Kerja Sama", "Sub Bagian Kerja Sama", "Bagian Tata Pemerintahan dan Kerja Sama"], False),
    ("Bagian Otonomi Daerah", ["Bagian Otda"], False),
    ("Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", ["BKPSDM", "BKD", "Badan Kepegawaian Daerah"], False),
    ("Badan Pengelolaan Keuangan dan Aset Daerah", ["BPKAD", "BPKD"], False),
    ("Inspektorat", ["Inspektorat Daerah"], False),
    ("Dewan Perwakilan Rakyat Daerah", ["DPRD"], False),
    ("Pemerintah Kota", ["Pemkot", "Pemerintah Kota", "City Hall", "City Government", "Gemeente", "Balai Kota"], False),
    ("Kementerian Dalam Negeri", ["Kemendagri", "Kemdagri", "Depdagri", "Ministry of Home Affairs"], True),
    ("Kementerian Luar Negeri", ["Kemlu", "Kemenlu", "Deplu", "Ministry of Foreign Affairs"], True),
    ("United Nations Development Programme", ["UNDP"], True),
    ("Asosiasi Pemerintah Kota Seluruh Indonesia", ["APEKSI"], True),
]
# Full names for any body not in the gazetteer: "Dinas X (dan Y)", "Badan X", "Kantor X".
GENERIC = re.compile(
    r"\b(?:Dinas|Badan|Kantor|Bagian|Sub\s?bagian|Bidang|Sekretariat|Kementerian|Dewan|Lembaga)"
    r"(?:\s+(?:(?:dan|serta|&)\s+)?(?!Dinas\b|Badan\b|Kantor\b|Bagian\b|Kota\b|Kabupaten\b)[A-Z][\w-]*){1,7}"
)


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
            if " " in v:  # letterheads are set in capitals: "PEMERINTAH KOTA KARANGSARI"
                rows.append((v.upper(), canonical, national))
    rows.sort(key=lambda r: len(r[0]), reverse=True)
    return rows


VARIANTS = _variant_index()
_VARIANT_RE = re.compile(
    r"(?<![\w-])(?:" + "|".join(re.escape(v) for v, _, _ in VARIANTS) + r")(?![\w-])"
)
_LOOKUP = {v.lower(): (c, n) for v, c, n in VARIANTS}


def find_agencies(text: str, cities: list[tuple[str, list[str]]], default_city: str | None) -> list[AgencyMatch]:
    """Agency mentions with their canonical name.

    `cities` is [(short name, [aliases...])]; a mention followed by one of a
    city's names ("Dinas Kesehatan Kota Wirapura"), or a city government preceded
    by one ("Seokjin City Hall"), belongs to that city, else to `default_city`.
    """
    resolver = _CityResolver(cities, default_city)
    found: list[AgencyMatch] = []
    for m in _VARIANT_RE.finditer(text):
        canonical, national = _LOOKUP[m.group(0).lower()]
        found.append(resolver.attach(text, m.start(), m.end(), canonical, national))
    for m in GENERIC.finditer(text):
        if any(m.start() < a.end and a.start < m.end() for a in found):
            continue
        name = m.group(0).strip()
        found.append(resolver.attach(text, m.start(), m.start() + len(name), name, name.startswith("Kementerian")))
    return sorted(found, key=lambda a: a.start)


class _CityResolver:
    def __init__(self, cities: list[tuple[str, list[str]]], default_city: str | None):
        self.default = default_city
        self.city_of = {a.lower(): name for name, aliases in cities for a in (name, *aliases)}
        names = sorted(self.city_of, key=len, reverse=True)
        alt = "|".join(re.escape(n) for n in names)
        self.after = re.compile(rf"\s*(?:Kota\s+|Kabupaten\s+|of\s+)?({alt})\b", re.I) if names else None
        self.before = re.compile(rf"\b({alt})\s*$", re.I) if names else None

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
