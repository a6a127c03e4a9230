"""Entity tagging: a spaCy `id` pipeline with a rule layer.

spaCy's blank Indonesian pipeline gives tokens (tuned so "Jung-Gu",
"25/11/2016" and reduplicated words stay whole); an EntityRuler finds places
and people (honorific + capitalised name); regular-expression layers find
dates, money and agencies, which are normalised (ISO dates, rupiah amounts,
canonical agency names with their city); context patterns find people
(honorifics, titles, roles, reported speech, appositions, header fields such as
"Pewawancara:", reference lists, Japanese/Korean name suffixes) and the words
of a name seen once mark its later bare mentions. A trained statistical NER
(pipeline/nlp/ner.py, the newest models/ner_spacy.vN/) is merged with the rules:
the rules lead for every label and the NER's PERSON spans fill their gaps
(trimmed to the codebook's minimal form, and dropped when a word is a common
Indonesian word, an English function word or a number: title-case phrases are
the NER's usual false names). The leave-one-case-out figures on the annotated
documents chose this merge: with the NER leading PERSON and GPE, or adding GPE
or ORG, F1 was lower than with the rules alone (evaluation/REPORT.md).
`tag_document` takes the statistical NER from the backend it is given (the
`nlp_backend` setting: spacy by default, or stanza).
"""

from __future__ import annotations

import functools
import logging
import re

from pipeline.data import Case, Document, Entity
from pipeline.nlp.agencies import find_agencies
from pipeline.nlp.dates import find_dates, years_after_each
from pipeline.nlp.gazetteer import CITY_SUFFIX, THE_COUNTRIES, gazetteer
from pipeline.nlp.memo import last_answer
from pipeline.nlp.money import find_money
from pipeline.nlp.trie import Pruned, names_trie
from pipeline.nlp.words import ENGLISH_FUNCTION_WORDS, blank_nlp, common_word_id, stop_words

log = logging.getLogger(__name__)

# Honorifics that are abbreviations may carry a full stop ("Sdr.", "Ny."); spoken ones may not: in "..., Pak. Jadi"
# the stop ends the sentence and "Jadi" is no name.
ABBREVIATED_HONORIFICS = ["bpk", "sdr", "sdri", "mr", "mrs", "ms", "dr", "dra", "drs", "prof", "ir", "hj", "h", "ny", "nn", "tn"]
SPOKEN_HONORIFICS = ["bapak", "ibu", "pak", "bu", "mas", "mbak", "nyonya", "saudara", "saudari", "herr", "frau",
                     "mister", "madam"]
HONORIFICS = [*ABBREVIATED_HONORIFICS, *(h + "." for h in ABBREVIATED_HONORIFICS), *SPOKEN_HONORIFICS]
HONORIFIC_RX = (r"(?:(?i:" + "|".join(ABBREVIATED_HONORIFICS) + r")\.?|(?i:" + "|".join(SPOKEN_HONORIFICS) + r")(?!\.))")
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
NAME_TOKEN = r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ'’-]+"
PARTICLE = r"(?:van|de|der|den|von|bin|binti)"
# A name: capitalised words on one line, with the particles of Dutch, German, Arabic names inside ("Joost van Leeuwen").
NAME = NAME_TOKEN + r"(?:[ \t]+(?:" + PARTICLE + r"[ \t]+){0,2}" + NAME_TOKEN + r"){0,3}"
PERSON_RE = re.compile(
    r"\b" + HONORIFIC_RX + r"[ \t]+(?:(?:H|Hj)\.[ \t]+)?"  # "Drs. H. Azhar Effendi": the pilgrim's title is no part of the name
    r"(?P<name>(?:(?:[A-Z]\.[ \t]?){0,2})" + NAME + r")"
    r"(?=[\s,.;:)]|$)"
)
ROLE_PERSON_RE = re.compile(
    r"\b(?i:" + "|".join(re.escape(t) for t in ROLE_TITLES) + r")(?:[ \t]+(?:Kota[ \t]+)?(?P<place>[A-Z][\w-]+))?,?[ \t]+"
    r"(?:" + HONORIFIC_RX + r"[ \t]+)?"
    r"(?P<name>" + NAME_TOKEN + r"(?:[ \t]+(?:" + PARTICLE + r"[ \t]+){0,2}" + NAME_TOKEN + r"){1,3})"
)
# A partner city's head by the title alone, one name word being enough there ("Mayor Tallis", "Burgemeester de Boer").
FOREIGN_HEAD_RE = re.compile(r"\b(?:Mayor|Burgemeester|Bürgermeister(?:in)?|Oberbürgermeister(?:in)?|Lord[ \t]+Mayor)[ \t]+"
                             r"(?P<name>(?:" + PARTICLE + r"[ \t]+)?" + NAME + r")")
# Reported speech and attribution in news and minutes: "kata Hendra", "ujar Syahrir", "menurut Margaret Quinlan".
SPEECH_RE = re.compile(r"\b(?i:kata|ujar|ucap|tutur|tegas|jelas|ungkap|imbuh|menurut|said|says|according[ \t]+to)[ \t]+"
                       r"(?P<name>" + NAME + r")(?=[\s,.;:!?)]|$)")
# A name set off by commas before a verb or a weekday: "Ketua Kadin Kota Pasirlaut, Herman Situmeang, menyambut".
# Or closing the sentence after a role ("..., guru koordinator program, Desi Marlina."), or with the age ("Sumiyati (52)").
APPOSED_RE = re.compile(r",[ \t]+(?P<name>" + NAME + r"),[ \t]+"
                        r"(?=(?:me|ber|ter)[a-z]{3,}\b|(?:dalam|saat|ketika|usai|seusai|selaku|sebagai|juga|yang)\b"
                        r"|(?:Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu)\b)"
                        r"|,[ \t]+(?P<name2>" + NAME_TOKEN + r"(?:[ \t]+(?:" + PARTICLE + r"[ \t]+){0,2}" + NAME_TOKEN + r"){1,3})"
                        r"(?=\.(?:[ \t]+[A-Z\"“]|[ \t]*$))"
                        r"|\b(?P<name3>" + NAME + r")[ \t]+\(\d{2}\)")
# A Japanese or Korean honorific suffix: "Mori-san", "Park-ssi".
SUFFIX_RE = re.compile(r"\b(?P<name>[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ÿ]+)-(?:san|sama|sensei|ssi|nim|kun)\b")
# A name opening a sentence, a numbered item or a line, then a verb ("Choi Jae-won memaparkan",
# "Abdul Haris Baso (Bagian Kerja Sama) melaporkan"): how minutes and news report who said what.
SUBJECT_RE = re.compile(r"(?:^|(?<=[.!?][ \t])|(?<=^\d\.[ \t])|(?<=\n\d\.[ \t]))(?P<name>(?:(?:Muh|Moh)\.[ \t]+)?" + NAME_TOKEN
                        + r"(?:[ \t]+(?:" + PARTICLE + r"[ \t]+){0,2}" + NAME_TOKEN + r"){1,3})"
                        r"(?:[ \t]+\([^()\n]{2,60}\))?,?[ \t]+(?=me[a-z]{3,}\b)", re.M)
# Header fields of transcripts, minutes and letters: "Pewawancara: Dewi Anggraeni", "Informan (N): René Sitorus", "Oleh X".
FIELD_RE = re.compile(r"(?:^|(?<=\n))[-*]?[ \t]*(?:Pewawancara|Informan(?:[ \t]*\d)?|Narasumber|Notulis|Notulen|Penulis|Oleh|Kontak|"
                      r"Moderator|Pencatat|Interviewer|Interviewee|Disusun[ \t]+oleh|Dilaporkan[ \t]+oleh)"
                      r"(?:[ \t]*\([A-Z]{1,3}\))?[ \t]*[:,]?[ \t]*\n?[ \t]*(?:" + HONORIFIC_RX + r"[ \t]+)?(?P<name>" + NAME + r")"
                      r"(?=[\s,.;:)]|$)")
# A reference list entry or an in-text citation of one: "Tjandradewi, B. I., & Marcotullio, P. J. (2009)".
REFERENCE_RE = re.compile(r"(?:^|(?<=\n)|(?<=&[ \t])|(?<=\.,[ \t]))(?P<name>[A-Z][a-z]{1,}(?:[ \t]+[A-Z][a-z]+)?),[ \t]+(?:[A-Z]\.[ \t]?){1,3}(?=[,(& ]|$)")
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
    kabag kasubbag kasi kabid kadis seksi bidang bagian delegasi rombongan chair mayor mr mrs ms dari ke di dan untuk
    diskusi lokakarya rapat kunjungan rencana kerja sama tesis laporan rekomendasi pengantar kesimpulan
    bapak ibu pak bu mas mbak tuan nyonya saudara saudari burgemeester bürgermeister bürgermeisterin para tim kedua ketiga pemerintah masyarakat
    warga dinas badan kantor kota provinsi negara pasal jalan jl sungai kali pasar gedung pelabuhan jembatan taman
    hotel bandara stasiun masjid gereja aula ruang balai program nota kesepahaman perjanjian daftar pustaka""".split())
WEEKDAYS_MONTHS = frozenset("""senin selasa rabu kamis jumat sabtu minggu januari februari maret april mei juni juli
    agustus september oktober november desember""".split())
# A written prefix that belongs to a place's span: capitalised, as a name's part ("Kota Seokjin"); lower-case "kota" is
# the common noun and stays out ("kota Seokjin-si, kota di Korea Selatan"), as does "Kota" after "Balai" or "Wali"
# ("Balai Kota Seokjin" is a building). "the" belongs to a country's name only ("the Netherlands").
GPE_PREFIX = re.compile(r"(?:(?<!(?i:wali)\s)(?<!(?i:balai)\s)\b(?:Kota|KOTA)|\b(?:Provinsi|PROVINSI|Kabupaten|KABUPATEN|"
                        r"Kecamatan|KECAMATAN|Kelurahan|KELURAHAN|Desa|DESA|[Dd]istrik|DISTRIK|Prefektur|PREFEKTUR|"
                        r"Negara\s+Bagian|NEGARA\s+BAGIAN)|\b[Tt]he)\s+$")
ADMIN_AREA_RE = re.compile(  # "Kecamatan Tallasa", "Kelurahan Sidomukti", "distrik Kawabe", "Kampung Benteng"
    r"\b(?:Kecamatan|Kelurahan|Desa|Kabupaten|Distrik|distrik|Kampung)\s+[A-Z][\w'’-]+(?:\s+(?:Utara|Selatan|Barat|Timur|Tengah))?")
SPEAKER_LABEL = re.compile(r"^[A-Z]{1,2}$")
SPEAKER_TURN = re.compile(r"(?:^|(?<=\n))[ \t]*\**([A-ZÀ-Þ][\w'’.-]*(?:[ \t]+[A-ZÀ-Þ][\w'’.-]*){0,3})\**[ \t]*:(?=[ \t])")
ROMAN = re.compile(r"^[IVXLC]+$")
# Other organisations. The branches that open with any capitalised word (slow: re tries them at every capital letter)
# need one of their closing words in the text; where none is there, `Pruned` searches without them.
_OTHER_ORGS = Pruned([
    (r"\b(?:SMA|SMP|SMK|SD|MAN|MTsN?)\s+(?:Negeri\s+|Swasta\s+|N\s+)?\d+(?:\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?)?", ()),
    (r"\b(?:Universitas|Institut|Politeknik|Sekolah\s+Tinggi)\s+[A-Z][\w-]+(?:\s+[A-Z][\w-]+){0,3}", ()),
    (r"\b(?:Puskesmas|Sanggar(?:\s+Seni)?|Ikatan|Asosiasi|Perkumpulan|Paguyuban|Kamar\s+Dagang(?:\s+dan\s+Industri)?|Komite|"
     r"Divisi|Biro|Afdeling|Koperasi|Yayasan|Hoogheemraadschap)(?:\s+(?:[A-Z][\w'’-]*|dan|en|van|der))*\s+[A-Z][\w'’-]*", ()),
    (r"\b(?:Komisi|KOMISI)\s+(?:IV|I{1,3}|[A-D])\b", ()),
    (r"\b(?:City|CITY)\s+(?:of|OF)\s+[A-Z]\w+(?:[ \t]+[A-Z]\w+)?", ()),
    (r"\b(?:PT|CV|UD)\.?\s+[A-Z][\w-]+(?:[ \t]+[A-Z][\w-]+){0,3}", ()),
    (r"\b(?:[A-Z][\w&'’-]*[ \t]+){1,4}(?:Co\.,?[ \t]+Ltd\.|Ltd\.|GmbH|B\.V\.|Inc\.|Corporation)",
     ("Co.", "Ltd.", "GmbH", "B.V.", "Inc.", "Corporation")),
    (r"(?:St\.[ \t]+)?(?:[A-Z][\w'’-]+[ \t]+){1,4}(?:High\s+School|College|University|Committee|Council|Association|"
     r"Chamber\s+of\s+Commerce)\b", ("High", "College", "University", "Committee", "Council", "Association", "Chamber")),
    # newspapers: "Suara Karangsari", "Harian X", "Kencana Pos", "Tanjungwaru Ekspres"
    (r"\b(?:Harian|Suara|Warta|Radar|Tribun)[ \t]+[A-Z][\w-]+(?:[ \t]+[A-Z][\w-]+)?", ()),
    (r"\b[A-Z][\w-]+(?:[ \t]+[A-Z][\w-]+){0,2}[ \t]+(?:Pos|Post|Ekspres|Express|Times|News)\b",
     ("Pos", "Ekspres", "Express", "Times", "News")),
])
OTHER_ORGS = _OTHER_ORGS.pattern
# A regional government by its short form or as "Pemerintah Daerah" with the region's name, a regional company: "Pemda
# DIY", "Pemprov Jawa Timur", "Pemerintah Daerah Istimewa Yogyakarta", "Perumda Tirta X"; not inside an event's name
# ("Forum Pemimpin Pemerintah Daerah BIMP-EAGA").
REGIONAL_BODIES = re.compile(r"\b(?:Pemda|Pemprov|Pemerintah[ \t]+Daerah|Perumda|Perusahaan[ \t]+Umum[ \t]+Daerah)"
                             r"[ \t]+[A-Z][\w'’-]*(?:[ \t]+[A-Z][\w'’-]*){0,3}")
# English names closed by the word that says what kind of body they are: "Berlin Senate Chancellery", "International
# Relations Board", "State Legislative Assembly", "Sriwijaya Airlines", "Tranmere Rovers Football Club", "Wanasari City
# Environment and Sanitation Agency". Not when a capitalised word follows (the body's kind is then part of a longer
# name: "ASEAN Local Government Forum"), and a name of generic words only ("the Provincial Government") is no name.
# (searched only in a text holding one of its closing words, as the capitalised branches of _OTHER_ORGS are)
EN_BODIES = Pruned([(r"(?:[A-Z][\w'’-]+[ \t]+(?:(?:and|of|for|&)[ \t]+)?){1,5}(?:Agency|Board|Assembly|Secretariat|"
                     r"Chancellery|Government|Network|Airlines|Airways|Football[ \t]+Club|FC|Academy|Foundation)\b"
                     r"(?![ \t]+[A-Z])",
                     ("Agency", "Board", "Assembly", "Secretariat", "Chancellery", "Government", "Network", "Airlines",
                      "Airways", "Club", "FC", "Academy", "Foundation"))])
GENERIC_ONLY = frozenset("""the a an this that our their its city municipal provincial local central national state
    regional federal new old and of for""".split())
ORG_HEAD = re.compile(r"(?:SMA|SMP|SMK|SD|MAN|MTs|Universitas|Institut|Politeknik|Sekolah|Puskesmas|Sanggar|Ikatan|Asosiasi|"
                      r"Perkumpulan|Paguyuban|Kamar|Komite|Divisi|Biro|Afdeling|Koperasi|Yayasan|Hoogheemraadschap|Komisi|KOMISI|"
                      r"City|CITY|PT|CV|UD|St\.|Harian|Suara|Warta|Radar|Tribun)\b")
_EVENTS = Pruned([
    (r"\bpenandatanganan(?:\s+(?:Nota\s+Kesepahaman|MoU|LoI|Letter\s+of\s+Intent|Memorandum\s+of\s+Understanding|"
     r"Perjanjian\s+Kerja\s+Sama|PKS|naskah\s+kerja\s+sama))?", ()),
    (r"\b(?:Festival|Pekan|Forum|Pameran|Konferensi|Karnaval|Lokakarya)\s+[A-Z][\w–-]*(?:\s+(?:[A-Z][\w–-]*|\d{4}))*", ()),
    (r"(?:[A-Z][\w]+\s+){1,3}(?:International\s+)?(?:Expo|Festival|Forum|Week)\b", ("Expo", "Festival", "Forum", "Week")),
])
EVENTS = _EVENTS.pattern
LANGUAGE_BEFORE = re.compile(r"(?:bahasa|berbahasa|language)\s*$", re.I)
PRIORITY = {"MONEY": 0, "DATE": 1, "ORG": 2, "EVENT": 3, "GPE": 4, "PERSON": 5}
# The NER's spans are used for these labels only. For the other labels the leave-one-case-out figures showed the
# NER adding more false spans than it found (36 annotated documents; card.json of models/ner_spacy.v2).
NER_LABELS = {"PERSON"}
# Labels whose NER spans win over overlapping rule spans; for the others the rules lead and the NER fills their gaps.
NER_LEADS: frozenset[str] = frozenset()


@functools.lru_cache(maxsize=32)
def _ruler_nlp(gpe_names: tuple[str, ...]):
    # The shared tokenizer, not a new one built from the config (seconds per build).
    nlp = blank_nlp().__class__(create_tokenizer=lambda _nlp: blank_nlp().tokenizer)
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER"})
    ruler.add_patterns([{"label": "GPE", "pattern": name} for name in gpe_names])
    return nlp


def _ruler_places(gpe_names: tuple[str, ...], text: str, tokens=None) -> set[tuple[int, int]]:
    """The (start, end) of the places the EntityRuler of `_ruler_nlp` finds in `text`. Given `tokens`, a Doc of the
    text by the same (shared) tokenizer, its matches are taken as the ruler takes them into a new Doc (longest
    first, none sharing a first or last token with one taken), without tokenizing the text again."""
    nlp = last_answer(_ruler_nlp, gpe_names)
    if tokens is None or tokens.vocab is not nlp.tokenizer.vocab:  # not a Doc of the shared tokenizer
        return {(e.start_char, e.end_char) for e in nlp(text).ents}
    seen: set[int] = set()
    places = set()
    for _, start, end in nlp.get_pipe("entity_ruler").match(tokens):
        if start not in seen and end - 1 not in seen:  # EntityRuler.set_annotations on a Doc with no entities
            last = tokens[end - 1]
            places.add((tokens[start].idx, last.idx + len(last)))
            seen.update(range(start, end))
    return places


def _case_names(cases: list[Case]) -> tuple[list[tuple[str, list[str]]], tuple[str, ...]]:
    return _names_of(tuple((city.name, tuple(city.aliases)) for case in cases for city in case.cities))


@functools.lru_cache(maxsize=64)
def _names_of(case_cities: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[list[tuple[str, list[str]]], tuple[str, ...]]:
    """The cities (name, aliases) and the place names of the cases' cities: built once per set of cases, not per block."""
    cities, gpe = [], set(COUNTRIES) | set(PROVINCES)
    for name, aliases in case_cities:
        cities.append((name, list(aliases)))
        gpe.add(name)
        # Bare place names only: "Kota X" is tagged as "X", and a government ("Pemkot X") is an ORG.
        gpe.update(a for a in aliases if a.split()[0].lower() not in {"kota", "pemkot", "pemerintah", "gemeente", "city"})
    return cities, tuple(sorted(gpe))


def _bare_place(surface: str) -> str:
    """A place's name without a municipal suffix ("Seokjin" for "Seokjin-si", "Davao" for "Davao City")."""
    surface = " ".join(surface.split())
    m = CITY_SUFFIX.search(surface)
    return surface[: m.start()] if m and m.end() == len(surface) and m.start() > 0 else surface


def _case_city_values(cases: list[Case]) -> dict[str, str]:
    """The canonical form of each case city's names: "Seokjin (KR)", its country's ISO code from the case's `country`
    (Indonesian or English name), or the bare name when the country is unknown."""
    return _city_values(tuple((city.name, city.country, tuple(city.aliases)) for case in cases for city in case.cities))


@functools.lru_cache(maxsize=64)
def _city_values(cities: tuple[tuple[str, str, tuple[str, ...]], ...]) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, country_name, aliases in cities:
        country = gazetteer().lookup(country_name) if country_name else None
        value = f"{name} ({country.country})" if country is not None and country.kind == "country" else name
        for alias in (name, *aliases):
            if alias.split() and alias.split()[0].lower() not in {"pemkot", "pemerintah", "gemeente"}:
                values.setdefault(_bare_place(re.sub(r"^(?i:kota|city\s+of)\s+", "", alias)), value)
    return values


def _place_value(surface: str) -> str | None:
    """The canonical form of a place the gazetteer knows ("Korea Selatan" -> "South Korea"), else None."""
    place = gazetteer().lookup(surface)
    return place.normalized if place is not None else None


CaseContext = tuple[list[tuple[str, list[str]]], tuple[str, ...], dict[str, str]]


def _case_context(case: Case | None, cases: list[Case]) -> CaseContext:
    """What tagging a text needs of the cases: their cities (name, aliases), the place names, the cities'
    canonical values (each cached per set of cases; the keys cost time with many cases, so once a document)."""
    known = [c for c in [case, *cases] if c is not None]
    return (*_case_names(known), _case_city_values(known))


def case_places(case: Case | None, cases: list[Case]) -> tuple[str, ...]:
    """The place names known for a document of `case`: the cases' cities, countries and provinces."""
    return _case_names([c for c in [case, *cases] if c is not None])[1]


@functools.lru_cache(maxsize=256)
def _known_people_rx(known_people: frozenset[str], gpe_names: tuple[str, ...]) -> tuple[frozenset[str], re.Pattern[str]]:
    """The words of the names a document introduced that mark a bare mention of the person alone (no place name),
    and the pattern of those names and words: worked out once per document (tag_text is called per block)."""
    places = set(gpe_names)
    words = frozenset(w for n in known_people for w in n.split() if len(w) >= 3 and w[0].isupper() and "." not in w
                      and not _not_name_word(w) and w not in places)
    return words, _known_names(known_people | words)


@functools.lru_cache(maxsize=256)
def _known_names(names: frozenset[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b")


# Patterns that find a person's name by its context, each with a group "name".
PERSON_PATTERNS = (PERSON_RE, ROLE_PERSON_RE, APPOSITION_RE, DEGREE_PERSON_RE, FOREIGN_HEAD_RE, SPEECH_RE, APPOSED_RE,
                   SUBJECT_RE, FIELD_RE, SUFFIX_RE)


@functools.lru_cache(maxsize=64)
def _places_index(places: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The place names lower-cased, and longest first: once per set of places, not per text and match."""
    return frozenset(p.lower() for p in places), tuple(sorted(places, key=len, reverse=True))


def _person_matches(text: str, places: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """(start, end) of the names the context patterns find in one text, trimmed to the name.

    `places` are the place names known for the case: a role's place ("Wali Kota Muara Kencana Andi
    Mappaseng") is cut off the name; a word after a role that is no known place starts the name.
    """
    out = []
    lowered, longest_first = last_answer(_places_index, places)
    for rx in PERSON_PATTERNS:
        for m in rx.finditer(text):
            group = next(g for g in ("name", "name2", "name3") if g in rx.groupindex and m.group(g))
            s, e = m.start(group), m.end(group)
            if rx is ROLE_PERSON_RE and m.group("place") and lowered and m.group("place").lower() not in lowered \
                    and gazetteer().lookup(m.group("place")) is None:  # "Wali Kota Yokohama Takeharu Yamanaka"
                s = m.start("place")
            for place in longest_first:  # "Muara Kencana Andi Mappaseng" -> "Andi Mappaseng"
                if text.startswith(place + " ", s) and s + len(place) + 1 < e:
                    s += len(place) + 1
                    break
            if rx is SUBJECT_RE and any(common_word_id(w) for w in text[s:e].split()):
                continue  # "Perwakilan Dinas Kesehatan menyampaikan": a sentence opening with common words
            span = _trim_name(text, s, e, caps_ok=rx in (PERSON_RE, DEGREE_PERSON_RE, FIELD_RE))
            if span is not None:
                out.append(span)
    return out


def people_in(texts: list[str], places: tuple[str, ...] = ()) -> frozenset[str]:
    """Names of two words or more introduced by their context somewhere in a document ("Bapak Ruslan Tahir")."""
    return _people_of(texts, [_person_matches(text, places) for text in texts])


def _people_of(texts: list[str], matches: list[list[tuple[int, int]]]) -> frozenset[str]:
    """people_in from the texts' _person_matches, found once and used again by tag_text."""
    return frozenset(text[s:e] for text, found in zip(texts, matches, strict=True) for s, e in found
                     if len(text[s:e].split()) >= 2)


def _not_name_word(word: str) -> bool:
    w = word.lower().strip(".,;:()")
    return w in ROLE_WORDS or w in WEEKDAYS_MONTHS or w in stop_words()


def _trim_name(text: str, s: int, e: int, caps_ok: bool = False) -> tuple[int, int] | None:
    """Cut a candidate name before the first word that is a role, a weekday or month or a function word
    ("Hendra Prasetyo Wali ..."), and drop it when its first word is a role ("Ibu Margaret", "Jalan Pemuda").
    A function word opening it is left out ("Bagi Sumiyati (52)")."""
    words = list(re.finditer(r"\S+", text[s:e]))
    while len(words) > 1 and words[0].group(0).lower() in stop_words() and words[0].group(0).lower() not in ROLE_WORDS:
        words.pop(0)
    # A heading in capitals is no name, unless a title or degree says it is ("Drs. SIGIT HARTONO, M.Si.").
    shouted = [w.group(0).isupper() and len(w.group(0)) > 3 and not caps_ok for w in words]
    if not words or _not_name_word(words[0].group(0)) or shouted[0]:
        return None
    keep = words[0]
    for w, caps in zip(words[1:], shouted[1:], strict=True):
        if caps or (_not_name_word(w.group(0)) and not re.fullmatch(PARTICLE, w.group(0))):
            break
        keep = w
    start, end = s + words[0].start(), s + keep.end()
    while re.search(r"[ \t]" + PARTICLE + r"$", text[start:end]):  # no particle at the end
        end = start + text[start:end].rstrip().rfind(" ")
    return start, end


def _role_like(name: str) -> bool:
    """A capitalised phrase that is a role, header or label rather than a name ("Ketua Delegasi", "PIHAK KEDUA")."""
    words = [w.lower().strip(".,") for w in name.split()]
    return bool(words) and (words[0] in ROLE_WORDS or all(w in ROLE_WORDS or w in WEEKDAYS_MONTHS for w in words))


@functools.lru_cache(maxsize=32)
def _gpe_regex(gpe_names: tuple[str, ...]) -> re.Pattern[str]:
    """Place names wherever they stand, also inside a dash-joined pair ("Karangsari–Seokjin") the tokenizer keeps whole:
    at each position the longest name that ends before no word character or hyphen. The names are written as a
    trie (`names_trie`), which finds the same names as their alternation longest first, where re would try every
    name at every position of the text."""
    if not gpe_names or not all(gpe_names):
        names = sorted(gpe_names, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w-])")
    # the look behind each name's first character, so that re can skip ahead to a character a name begins with
    return re.compile(names_trie(gpe_names, after_first=r"(?<![\w-][\s\S])") + r"(?![\w-])")


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
        if len(words) == 1 and (words[0].lower() in stop_words() or words[0].lower() in WEEKDAYS_MONTHS
                                or words[0].lower().rstrip(".") in HONORIFICS or common_word_id(words[0])):
            return None
        if SPEAKER_TURN.match(text, max(0, text.rfind("\n", 0, s) + 1)) and text[e:e + 1] == ":":
            return None
        # Title-case phrases ("Memutar Lagi", "Seni Budaya", "Tabel 1") are the NER's usual false names: a word of
        # the Indonesian lexicon, an English function word or a digit makes the span no name.
        if any(common_word_id(w) or w.lower() in ENGLISH_FUNCTION_WORDS or any(ch.isdigit() for ch in w) for w in words):
            return None
    if label == "GPE":
        if ROMAN.match(text[s:e]):  # "Kelas XI", "Komisi IV"
            return None
        prefix = GPE_PREFIX.search(text[max(0, s - 20) : s])
        s -= len(prefix.group(0)) if prefix and not GPE_PREFIX.search(text[s:e] + " ") else 0
    return (s, e, label, None) if text[s:e].strip() else None


def tag_text(text: str, case: Case | None, cases: list[Case],
             known_people: frozenset[str] = frozenset(),
             ner_spans: list[tuple[int, int, str]] | None = None, *,
             person_spans: list[tuple[int, int]] | None = None,
             case_context: CaseContext | None = None, tokens=None,
             years_before: tuple[int, ...] = (),
             years_after: tuple[int, ...] = ()) -> list[tuple[int, int, str, str | None]]:
    """Entities in one text: (start, end, label, normalized), non-overlapping, in order.

    `known_people` are names the document introduced elsewhere with an honorific
    or role; their bare mentions are people too. `ner_spans` are the statistical
    NER's (start, end, label) in the same text; None means rules only. `person_spans` are
    `_person_matches(text, case_places(case, cases))` when the caller found them already; `case_context`
    is `_case_context(case, cases)`, worked out once per document by tag_document rather than per block.
    `tokens` is a Doc of `text` made by the shared tokenizer (the NER's, ner.predict_many), or None.
    `years_before`: the years of the dates the document states before `text`, the nearest first (`years_of`),
    for a date without a year ("Rabu (15/3)", "10 Agustus"); `years_after`: the years written after `text`
    (dates.years_after_each), for a weekday date only.
    """
    cities, gpe_names, case_values = case_context or _case_context(case, cases)
    local = case.local.name if case is not None and case.local is not None else None
    cands: list[tuple[int, int, str, str | None]] = []
    cands += [(m.start, m.end, "MONEY", m.value) for m in find_money(text)]
    cands += [(m.start, m.end, "DATE", m.value) for m in find_dates(text, years_before, years_after)]
    cands += [(m.start, m.end, "ORG", m.canonical) for m in find_agencies(text, cities, local)]
    for m in _OTHER_ORGS.finditer(text):
        s, name = m.start(), m.group(0)
        while not ORG_HEAD.match(name) and " " in name and (name.split()[0].lower() in stop_words() or common_word_id(name.split()[0])):
            s += name.index(" ") + 1  # "Di Qiaofeng Electronics Co., Ltd.", "Tawaran Seokjin Girls' High School"
            name = text[s:m.end()]
        cands.append((s, m.end(), "ORG", " ".join(name.split())))
    for m in EN_BODIES.finditer(text):
        s, name = m.start(), m.group(0)
        if name.startswith(("The ", "the ")):
            s, name = s + 4, name[4:]
        words = name.split()
        if all(w.lower() in GENERIC_ONLY for w in words[:-1]):
            continue
        cands.append((s, m.end(), "ORG", " ".join(words)))
    regional = [(m.start(), m.end(), "ORG", " ".join(m.group(0).split())) for m in REGIONAL_BODIES.finditer(text)]
    # A council commission with its council is one body: "Komisi I DPRD Kota Tanjungwaru".
    for c in [c for c in cands if c[2] == "ORG" and c[3] and c[3].lower().startswith("komisi")]:
        council = next((o for o in cands if o[2] == "ORG" and o[0] == c[1] + 1 and text[o[0]:o[0] + 4].upper() == "DPRD"), None)
        if council is not None:
            cands.append((c[0], council[1], "ORG", f"Komisi {c[3].split()[1]} {council[3]}"))
    events = [(m.start(), m.end(), "EVENT", None) for m in _EVENTS.finditer(text)]
    cands += [r for r in regional if not any(e[0] <= r[0] and r[1] <= e[1] for e in events)] + events
    if person_spans is None:
        person_spans = _person_matches(text, gpe_names)
    cands += [(s, e, "PERSON", None) for s, e in person_spans if not _role_like(text[s:e])]
    for m in CITATION_RE.finditer(text):
        cands += [(m.start(g), m.end(g), "PERSON", None) for g in ("name", "name2") if m.group(g)]
    cands += [(m.start("name"), m.end("name"), "PERSON", None) for m in REFERENCE_RE.finditer(text)
              if not _not_name_word(m.group("name").split()[0])]
    if text.count("|") >= 2:  # a table row: a cell that is just a name is a person
        cands += [(m.start("name"), m.end("name"), "PERSON", None) for m in TABLE_NAME_CELL.finditer(text)
                  if not _role_like(m.group("name"))]
    if known_people:  # the full names, and each of their words alone ("Rusdi" after "Rusdi Hamzah")
        words, known_rx = last_answer(_known_people_rx, known_people, gpe_names)
        for m in known_rx.finditer(text):
            s, e = m.start(), m.end()
            if m.group(0) in words:  # a known word inside a longer name not seen before ("Salmah Rusdi")
                while (b := re.search(r"(?:^|(?<=\s))(" + NAME_TOKEN + r")[ \t]+$", text[max(0, s - 30):s])) and not _not_name_word(b.group(1)) \
                        and not b.group(1).isupper() and not common_word_id(b.group(1)):
                    s -= len(text[max(0, s - 30):s]) - b.start(1)
                while (a := re.match(r"[ \t]+(" + NAME_TOKEN + r")(?=[\s,.;:)]|$)", text[e:])) and not _not_name_word(a.group(1)) \
                        and not a.group(1).isupper() and not common_word_id(a.group(1)):
                    e += a.end()
            cands.append((s, e, "PERSON", None))
    # A speaker label opening a transcript turn ("Ratna: ...") is layout, not a mention (codebook 8.2).
    labels = {(m.start(1), m.end(1)) for m in SPEAKER_TURN.finditer(text)}
    cands = [c for c in cands if not (c[2] == "PERSON" and (c[0], c[1]) in labels)]
    places = _ruler_places(gpe_names, text, tokens)
    places |= {(m.start(), m.end()) for m in last_answer(_gpe_regex, gpe_names).finditer(text)}
    places |= {(m.start(), m.end()) for m in ADMIN_AREA_RE.finditer(text)}
    # Countries, continents and cities anywhere (pipeline/nlp/gazetteer.py), unless a person's name holds them
    # ("Bapak Rizal", "Takahashi Kenji") or they are a word of a name the document introduced.
    people = [(c[0], c[1]) for c in cands if c[2] == "PERSON"]
    person_words = {w for n in known_people for w in n.split()}
    found = {}
    for m in gazetteer().find(text):
        if m.place.kind == "city" and (text[m.start:m.end] in person_words
                                       or any(s < m.end and m.start < e for s, e in people)):
            continue
        found[(m.start, m.end)] = m.place
    places |= set(found)
    for s, e in sorted(places):
        if LANGUAGE_BEFORE.search(text[max(0, s - 12) : s]):
            continue
        place = found.get((s, e))
        value = case_values.get(_bare_place(text[s:e])) or (place.normalized if place is not None else _place_value(text[s:e]))
        prefix = GPE_PREFIX.search(text[max(0, s - 20) : s])  # "Kota X", "Provinsi X", "distrik X" as written
        if prefix and prefix.group(0).lower().startswith("the") and (place is None or place.country not in THE_COUNTRIES
                                                                     or place.kind != "country"):
            prefix = None  # "the Kellerton Remote Health Hub", "the Germany government": "the" opens the phrase
        cands.append((s - len(prefix.group(0)) if prefix else s, e, "GPE", value))
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
        leads = True if ner_spans is None else (c[2] in NER_LEADS) == from_ner
        return (0 if leads else 1, PRIORITY[c[2]], -(c[1] - c[0]), c[0])

    ranked = sorted([(rank(c, False), c) for c in rule_cands] + [(rank(c, True), c) for c in ner_cands],
                    key=lambda rc: rc[0])
    chosen: list[tuple[int, int, str, str | None]] = []
    for _, cand in ranked:
        if all(cand[1] <= s or cand[0] >= e for s, e, _, _ in chosen):
            chosen.append(cand)
    return sorted(chosen)


BACKENDS = ("spacy", "stanza")


def nlp_backend(setting: str | None) -> str:
    """The NER backend a `nlp_backend` setting names (environment SISTERCITY_NLP_BACKEND): spacy or stanza."""
    name = (setting or "spacy").strip().lower()
    if name not in BACKENDS:
        raise ValueError(f"SISTERCITY_NLP_BACKEND / nlp_backend: unknown NLP backend {name!r}; choose one of {', '.join(BACKENDS)}")
    return name


def _ner_tagger(backend: str):
    """A function ([text], tokens=None) -> [[(start, end, label)]] for `backend`, or None when no model is shipped
    for it; with a list `tokens`, the spaCy backend puts the texts' Docs there that the rules can use again."""
    if backend == "stanza":
        from pipeline.nlp.stanza_backend import load_stanza, tag_text_stanza

        tagger = load_stanza()  # ImportError naming pip install 'sistercity[stanza]' when stanza is missing
        return lambda texts, _tokens=None: [tag_text_stanza(text, tagger) for text in texts]
    if backend != "spacy":
        raise ValueError(f"unknown NLP backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    from pipeline.nlp.ner import load_ner, predict_many

    nlp = load_ner()
    return (lambda texts, tokens=None: predict_many(nlp, texts, tokens)) if nlp is not None else None


def years_of(years: list[int]) -> tuple[int, ...]:
    """The distinct years of a document's dates so far (in document order), the latest stated first."""
    return tuple(dict.fromkeys(reversed(years)))


def dated_years(found: list[tuple[int, int, str, str | None]]) -> list[int]:
    """The years of the dates among tag_text's entities, in text order (to carry to the next text: `years_of`)."""
    return [int(value[:4]) for _, _, label, value in found if label == "DATE" and value]


def tag_document(document: Document, case: Case | None, cases: list[Case], use_ner: bool = True,
                 backend: str = "spacy") -> list[Entity]:
    """Entities of a whole document, block by block, with document offsets and pages.

    With `use_ner`, the statistical NER of `backend` ("spacy": the newest
    models/ner_spacy.vN/; "stanza": the newest models/ner_stanza.vN/ through
    stanza_backend.tag_text_stanza; the `nlp_backend` setting) is
    merged with the rules, the same merge for both; without it, or when no
    spaCy model is shipped, the rules alone tag.
    """
    entities: list[Entity] = []
    texts = [document.text[b.start : b.end] for b in document.blocks]
    context = _case_context(case, cases)
    places = context[1]  # case_places(case, cases)
    person_spans = [_person_matches(text, places) for text in texts]  # once, for people_in and for tag_text
    people = _people_of(texts, person_spans)
    ner = _ner_tagger(nlp_backend(backend)) if use_ner else None
    tokens: list = [None] * len(texts)  # the NER's Docs of the blocks, where it made one of the whole block
    all_spans = ner(texts, tokens) if ner is not None else [None] * len(texts)  # the whole document in one batch
    years: list[int] = []  # the years of the dates tagged so far, in document order
    later = years_after_each(texts)
    for block, text, spans, persons, doc, after in zip(document.blocks, texts, all_spans, person_spans, tokens, later,
                                                       strict=True):
        found = tag_text(text, case, cases, people, spans, person_spans=persons, case_context=context, tokens=doc,
                         years_before=years_of(years), years_after=after)
        years += dated_years(found)
        for s, e, label, value in found:
            start, end = block.start + s, block.start + e
            entities.append(Entity(doc=document.doc, page=document.page_at(start), start=start, end=end,
                                   text=document.text[start:end], label=label, normalized=value))
    return entities
