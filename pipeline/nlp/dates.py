"""Find Indonesian (and English) date expressions and normalise them to ISO 8601.

A day is `YYYY-MM-DD`; anything longer (a range, a month, a quarter, a year, a
fiscal year, "akhir tahun 2018") is `start/end`. Durations ("lima tahun") are not
normalised. A date without a year is normalised only when it names its weekday, as
news does ("Rabu (15/3)", "Jumat, 8 Agustus", "Thursday (8/1)"): its year is the
year of a date stated before it (in the same text, else `years_before`, the years
of the document's earlier dates, nearest first) on which that day falls on that
weekday, else of a year the document states after it (`years_after`: news gives
its own year at the end, or only in the page's address). A date without a year
or a weekday ("10 Agustus", "July 8 to 12") takes the year of the nearest date
stated before it, and is not tagged where none is.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass

MONTHS: dict[str, int] = {}
for number, names in enumerate(
    [
        ("januari", "january", "jan"),
        ("februari", "pebruari", "february", "feb", "peb"),
        ("maret", "march", "mar", "mrt"),
        ("april", "apr"),
        ("mei", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("agustus", "august", "agt", "agu", "ags", "aug", "agust"),
        ("september", "sept", "sep", "sept"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nopember", "nov", "nop"),
        ("desember", "december", "des", "dec"),
    ],
    start=1,
):
    for name in names:
        MONTHS[name] = number

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_DASH = r"\s*(?:-|–|—|s\.?\s?d\.?|s/d|sampai(?:\s+dengan)?|hingga|to|until)\s*"
_YEAR = r"(?:19[5-9]\d|20[0-4]\d)"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])"
_ORD = r"(?:st|nd|rd|th)?"  # "16th July 1985", "July 16th, 1985"
# "July 19 to 23", "February 28 to March 2": a range of days in English order, with or without its year
_RANGE_EN = rf"\b(?P<m1>{_MONTH})\s+(?P<d1>{_DAY}){_ORD}{_DASH}(?:(?P<m2>{_MONTH})\s+)?(?P<d2>{_DAY}){_ORD}"

PARTS = {
    "awal": (1, 3), "permulaan": (1, 3), "pertengahan": (5, 8), "tengah": (5, 8),
    "akhir": (10, 12), "penghujung": (10, 12), "early": (1, 3), "mid": (5, 8), "late": (10, 12), "end of": (10, 12),
}
ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
# Thirds of a month: "awal Mei" = 1-10, "pertengahan Mei" = 11-20, "akhir Mei" = 21 to the month's end.
MONTH_PARTS = {"awal": 1, "permulaan": 1, "early": 1, "pertengahan": 2, "tengah": 2, "mid": 2,
               "akhir": 3, "penghujung": 3, "late": 3, "end of": 3}
UNITS = {"nol": 0, "satu": 1, "se": 1, "dua": 2, "tiga": 3, "empat": 4, "lima": 5, "enam": 6, "tujuh": 7,
         "delapan": 8, "sembilan": 9}
_UNIT = r"(?:satu|dua|tiga|empat|lima|enam|tujuh|delapan|sembilan)"
# Spelled-out numbers up to 99 ("dua puluh satu", "sebelas", "tiga belas") and years ("dua ribu lima belas").
_WORDS99 = rf"(?:sepuluh|sebelas|{_UNIT}\s+belas|{_UNIT}\s+puluh(?:\s+{_UNIT})?|{_UNIT})"
_WORDYEAR = rf"(?:dua\s+ribu(?:\s+{_WORDS99})?|seribu\s+sembilan\s+ratus(?:\s+{_WORDS99})?)"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # dua puluh satu bulan April tahun dua ribu lima belas (MoU style)
    ("words", re.compile(rf"\b(?P<d>{_WORDS99})\s+(?:bulan\s+)?(?P<m>{_MONTH})\s+(?:tahun\s+)?(?P<y>{_WORDYEAR})\b", re.I)),
    # 21 April 2015 sampai dengan 20 April 2020: a start and an end stated as two days
    ("two_days", re.compile(
        rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH})\s+(?P<y1>{_YEAR})(?P<sep>\s+(?:sampai(?:\s+dengan)?|hingga|s\.\s?d\.?)\s+)"
        rf"(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})\s+(?P<y2>{_YEAR})\b", re.I)),
    # 28 Juli - 3 Agustus 2015 ; 30 Desember 2015 - 2 Januari 2016
    ("day_month_range", re.compile(
        rf"\b(?P<d1>{_DAY})\s+(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?{_DASH}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})\s+(?P<y2>{_YEAR})\b", re.I)),
    # 9 - 14 Agustus 2015 ; 6 – 7 November 2013 ; 9-14 Agt. 2015
    ("day_range", re.compile(rf"\b(?P<d1>{_DAY}){_DASH}(?P<d2>{_DAY})\s+(?P<m>{_MONTH})\s+(?P<y>{_YEAR})\b", re.I)),
    # Jumat, 25 November 2016 ; 25 Nop. 2016 ; 25 November, 2016
    # 16th July 1985 ; the 16th of July 1985
    ("day", re.compile(rf"\b(?P<d>{_DAY}){_ORD}\s+(?:of\s+)?(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})\b", re.I)),
    # July 19 to 23, 2019 ; February 28 to March 2, 2019
    ("range_en", re.compile(rf"{_RANGE_EN},?\s+(?P<y>{_YEAR})\b", re.I)),
    # November 25, 2016 ; July 16th, 1985
    ("day_en", re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<d>{_DAY}){_ORD},\s+(?P<y>{_YEAR})\b", re.I)),
    # 21-22/11/2023: two days of one month, numerically
    ("numeric_range", re.compile(rf"(?<![\d/.-])(?P<d1>{_DAY})-(?P<d2>{_DAY})/(?P<m>0?[1-9]|1[0-2])/(?P<y>{_YEAR})(?![\d/])")),
    # 25/11/2016 ; 25-11-2016 ; 25.11.2016
    ("numeric", re.compile(rf"(?<![\d/.-])(?P<d>{_DAY})(?P<sep>[/.-])(?P<m>0?[1-9]|1[0-2])(?P=sep)(?P<y>{_YEAR})(?![\d/])")),
    # 2016-11-25
    ("iso", re.compile(rf"(?<![\d/])(?P<y>{_YEAR})-(?P<m>0[1-9]|1[0-2])-(?P<d>[0-3]\d)(?![\d/])")),
    # Juli - Agustus 2015 ; Desember 2015 - Januari 2016
    ("month_range", re.compile(rf"\b(?P<m1>{_MONTH})(?:\s+(?P<y1>{_YEAR}))?{_DASH}(?P<m2>{_MONTH})\s+(?P<y2>{_YEAR})\b", re.I)),
    # awal/pertengahan/akhir Mei 2018: a third of the month
    ("part_month", re.compile(rf"\b(?P<part>awal|permulaan|pertengahan|tengah|akhir|penghujung|early|mid|late|end\s+of)\s+(?:bulan\s+)?(?P<m>{_MONTH})\s+(?P<y>{_YEAR})\b", re.I)),
    # September atau Oktober 2019: either month, so the two together
    ("month_or", re.compile(rf"\b(?P<m1>{_MONTH})\s+(?:atau|or)\s+(?P<m2>{_MONTH})\s+(?P<y2>{_YEAR})\b", re.I)),
    # tahun 2000-an: a decade
    ("decade", re.compile(r"\b(?:tahun\s+)?(?P<y>(?:19[5-9]|20[0-4])0)-an\b", re.I)),
    # awal/akhir/pertengahan (tahun) 2018
    ("part_year", re.compile(rf"\b(?P<part>awal|permulaan|pertengahan|tengah|akhir|penghujung|early|mid|late|end\s+of)\s+(?:tahun\s+|of\s+)?(?P<y>{_YEAR})\b", re.I)),
    # triwulan/kuartal III 2018 ; semester I 2018
    ("quarter", re.compile(rf"\b(?P<unit>triwulan|kuartal|semester)\s+(?P<n>I{{1,3}}|IV|[1-4])\s+(?:tahun\s+)?(?P<y>{_YEAR})\b", re.I)),
    # (bulan) Desember 2012 ; Des. 2012
    ("month", re.compile(rf"\b(?P<m>{_MONTH})\s+(?P<y>{_YEAR})\b", re.I)),
    # (tahun/periode) 2016 - 2021 ; 2016/2017 is a fiscal pair too
    ("year_range", re.compile(rf"\b(?P<y1>{_YEAR}){_DASH}(?P<y2>{_YEAR})\b(?![./-]\d)", re.I)),
    # tahun anggaran 2018 ; TA 2018 ; T.A. 2018 ; tahun 2018 ; a bare year
    ("year", re.compile(rf"(?<![\w/.-])(?:(?:tahun\s+anggaran|t\.?\s?a\.?|tahun|year|fiscal\s+year)\s+)?(?P<y>{_YEAR})\b(?![/.-]\d|-an)", re.I)),
]


@dataclass(slots=True)
class DateMatch:
    start: int
    end: int
    text: str
    value: str
    kind: str


def _month(token: str) -> int:
    return MONTHS[token.lower().rstrip(".")]


def _day(y: int, m: int, d: int) -> str | None:
    if d > calendar.monthrange(y, m)[1]:
        return None
    return f"{y:04d}-{m:02d}-{d:02d}"


def _span(y1: int, m1: int, d1: int, y2: int, m2: int, d2: int) -> str | None:
    a, b = _day(y1, m1, d1), _day(y2, m2, d2)
    if a is None or b is None or a > b:
        return None
    return a if a == b else f"{a}/{b}"


def _month_span(y1: int, m1: int, y2: int | None = None, m2: int | None = None) -> str | None:
    y2 = y1 if y2 is None else y2
    m2 = m1 if m2 is None else m2
    return _span(y1, m1, 1, y2, m2, calendar.monthrange(y2, m2)[1])


def words_to_number(words: str) -> int | None:
    """ "dua puluh satu" -> 21, "sebelas" -> 11, "dua ribu lima belas" -> 2015; None if not a number."""
    total, current = 0, 0
    for w in words.lower().split():
        if w in UNITS:
            current += UNITS[w]
        elif w == "sepuluh":
            current += 10
        elif w == "sebelas":
            current += 11
        elif w == "belas":
            current += 10
        elif w == "puluh":
            current *= 10
        elif w == "seratus":
            current += 100
        elif w == "ratus":
            current *= 100
        elif w == "seribu":
            total += 1000
        elif w == "ribu":
            total += current * 1000
            current = 0
        else:
            return None
    return total + current


def _value(kind: str, g: dict[str, str | None]) -> str | None:
    if kind == "words":
        d, y = words_to_number(g["d"]), words_to_number(g["y"])
        if d is None or y is None or not 1 <= d <= 31 or not 1950 <= y <= 2049:
            return None
        return _day(y, _month(g["m"]), d)
    if kind == "part_month":
        y, m = int(g["y"]), _month(g["m"])
        third = MONTH_PARTS[" ".join(g["part"].lower().split())]
        last = calendar.monthrange(y, m)[1]
        return _span(y, m, 10 * third - 9, y, m, last if third == 3 else 10 * third)
    if kind == "month_or":
        y = int(g["y2"])
        return _month_span(y, _month(g["m1"]), y, _month(g["m2"]))
    if kind == "decade":
        y = int(g["y"])
        return _span(y, 1, 1, y + 9, 12, 31)
    if kind == "day_month_range":
        y2 = int(g["y2"])
        m1, m2 = _month(g["m1"]), _month(g["m2"])
        y1 = int(g["y1"]) if g["y1"] else (y2 - 1 if m1 > m2 else y2)
        return _span(y1, m1, int(g["d1"]), y2, m2, int(g["d2"]))
    if kind == "range_en":
        y, m1 = int(g["y"]), _month(g["m1"])
        m2 = _month(g["m2"]) if g["m2"] else m1
        return _span(y, m1, int(g["d1"]), y, m2, int(g["d2"]))
    if kind == "numeric_range":
        y, m = int(g["y"]), int(g["m"])
        return _span(y, m, int(g["d1"]), y, m, int(g["d2"]))
    if kind == "day_range":
        y, m = int(g["y"]), _month(g["m"])
        return _span(y, m, int(g["d1"]), y, m, int(g["d2"]))
    if kind in {"day", "day_en"}:
        return _day(int(g["y"]), _month(g["m"]), int(g["d"]))
    if kind in {"numeric", "iso"}:
        return _day(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind == "month_range":
        y2 = int(g["y2"])
        m1, m2 = _month(g["m1"]), _month(g["m2"])
        y1 = int(g["y1"]) if g["y1"] else (y2 - 1 if m1 > m2 else y2)
        return _month_span(y1, m1, y2, m2)
    if kind == "part_year":
        part = " ".join(g["part"].lower().split())
        first, last = PARTS[part]
        return _month_span(int(g["y"]), first, int(g["y"]), last)
    if kind == "quarter":
        n = g["n"].lower()
        n = ROMAN.get(n) or int(n)
        y = int(g["y"])
        if g["unit"].lower() == "semester":
            if n > 2:
                return None
            return _month_span(y, 6 * n - 5, y, 6 * n)
        return _month_span(y, 3 * n - 2, y, 3 * n)
    if kind == "month":
        return _month_span(int(g["y"]), _month(g["m"]))
    if kind == "year_range":
        y1, y2 = int(g["y1"]), int(g["y2"])
        return _span(y1, 1, 1, y2, 12, 31) if y1 < y2 else None
    if kind == "year":
        y = int(g["y"])
        return f"{y:04d}-01-01/{y:04d}-12-31"
    return None


# "Nomor 23 Tahun 2014", "No. 5 Tahun 2019": a year inside a regulation's name is not a date.
REGULATION_BEFORE = re.compile(r"(?:nomor|no\.?)\s*\d+[A-Za-z]?\s+$", re.I)
# Python's weekday numbers (Monday 0) of the weekday names, and each language's names as a named group.
WEEKDAYS_ID = {"senin": 0, "selasa": 1, "rabu": 2, "kamis": 3, "jumat": 4, "jum'at": 4, "sabtu": 5, "minggu": 6}
WEEKDAYS_EN = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKDAYS = {**WEEKDAYS_ID, "ahad": 6, **WEEKDAYS_EN}


def _names(group: str, names: dict[str, int]) -> str:
    return rf"(?P<{group}>{'|'.join(names)})"


_WEEKDAY_ID, _WEEKDAY_EN = _names("wd", WEEKDAYS_ID), _names("wd", WEEKDAYS_EN)
# A weekday with a date but no year, as news writes it; the span is the date alone (CODEBOOK 8.5: weekday
# names and brackets stay outside), its year comes from the dates stated before it.
# "Minggu (28/10)": day/month.
WEEKDAY_DAY_MONTH = re.compile(
    rf"\b{_WEEKDAY_ID}\s*\((?P<date>(?P<d>[12]\d|3[01]|0?[1-9])/(?P<m>0?[1-9]|1[0-2]))\)", re.I)
# The same in English news ("Thursday (8/1)"), where the numbers may be month/day: the weekday decides.
WEEKDAY_NUMBERS_EN = re.compile(
    rf"\b{_WEEKDAY_EN}\s*\((?P<date>(?P<a>[12]\d|3[01]|0?[1-9])/(?P<b>[12]\d|3[01]|0?[1-9]))\)", re.I)
# "Jumat, 8 Agustus", "Friday 8 August", "Friday, August 8" with no year after it.
WEEKDAY_DAY_MONTHNAME = re.compile(
    rf"\b(?:{_WEEKDAY_ID}|{_names('wd2', WEEKDAYS_EN)}),?\s+(?P<date>(?P<d>{_DAY}){_ORD}\s+(?P<m>{_MONTH})"
    rf"|(?P<m2>{_MONTH})\s+(?P<d2>{_DAY}){_ORD})\b(?!\.?,?\s*{_YEAR}\b)", re.I)


# A date written without its year where the document's year is plain from the dates before it (CODEBOOK 8.5:
# "pada 10 Agustus" in a report's daily schedule): tagged with the year of the nearest date stated before it,
# never where no date precedes. Each yields (kind, groups) that `_yearless_value` turns into a value.
_NO_YEAR_AFTER = rf"(?!\.?,?\s*{_YEAR}\b)"
YEARLESS: list[tuple[str, re.Pattern[str]]] = [
    # July 8 to 12 ; February 28 to March 2
    ("range_en", re.compile(rf"{_RANGE_EN}\b{_NO_YEAR_AFTER}(?![/.-]\d)", re.I)),
    # 28 Juli - 3 Agustus ; 9 - 14 Agustus (no year)
    ("range_id", re.compile(rf"\b(?P<d1>{_DAY})(?:\s+(?P<m1>{_MONTH}))?{_DASH}(?P<d2>{_DAY})\s+(?P<m2>{_MONTH})\b{_NO_YEAR_AFTER}",
                            re.I)),
    # 10 Agustus ; 2nd of October ; July 19 (no year)
    ("day_month", re.compile(rf"\b(?P<d1>{_DAY}){_ORD}\s+(?:of\s+)?(?P<m2>{_MONTH})\b{_NO_YEAR_AFTER}", re.I)),
    ("month_day", re.compile(rf"\b(?P<m2>{_MONTH})\s+(?P<d1>{_DAY}){_ORD}\b{_NO_YEAR_AFTER}(?!\s*(?:-|–|to\b))", re.I)),
]
ANY_MONTH = re.compile(rf"\b{_MONTH}", re.I)
# A year as written anywhere (a date, a page address "/2023/03/", a copyright line): candidates for a weekday date.
YEAR_WRITTEN = re.compile(rf"(?<!\d){_YEAR}(?!\d)")


def years_after_each(texts: list[str]) -> list[tuple[int, ...]]:
    """For each of a document's texts in order, the years written in the texts after it, the nearest first."""
    out: list[tuple[int, ...]] = [()] * len(texts)
    later: tuple[int, ...] = ()
    for i in range(len(texts) - 1, -1, -1):
        out[i] = later
        later = tuple(dict.fromkeys([int(y) for y in YEAR_WRITTEN.findall(texts[i])] + list(later)))
    return out


def _yearless_value(kind: str, g: dict[str, str | None], year: int | None) -> str | None:
    """The value of a YEARLESS match in `year` (None: no date before it, so not a date)."""
    if year is None:
        return None
    m1, m2 = (_month(g[k]) if g.get(k) else None for k in ("m1", "m2"))
    m1, m2 = m1 or m2, m2 or m1  # "9 - 14 Agustus" names its month once, after; "July 8 to 12" once, before
    if kind in {"day_month", "month_day"}:
        return _day(year, m2, int(g["d1"]))
    return _span(year, m1, int(g["d1"]), year, m2, int(g["d2"]))


# Every pattern above holds a year in digits or in words ("dua ribu", "seribu sembilan ratus"), and a weekday with
# day/month takes its year from a date found before it: a text with neither has no date.
ANY_YEAR = re.compile(rf"{_YEAR}|ribu", re.I)
ANY_WEEKDAY = re.compile("|".join(WEEKDAYS), re.I)
# The patterns that cannot match without a month's name: each holds a month (`_MONTH`, in no optional part) right
# after `\b` or a space, where ANY_MONTH (`\b` and a month) finds it too. A text ANY_MONTH finds nothing in is not
# searched with them (half the texts that hold a year have no month, and these patterns cost most: a month opens
# several of them, which re cannot skip ahead to as it skips ahead to a digit). tests/nlp/test_dates.py checks the list.
NEEDS_MONTH = frozenset({"words", "two_days", "day_month_range", "day_range", "day", "range_en", "day_en", "month_range",
                         "part_month", "month_or", "month"})


def _on_weekday(years: list[int], weekday: int, readings: list[tuple[int, int]]) -> str | None:
    """The first (year, (month, day)) in that order, years first, on which the day falls on `weekday`."""
    for y in years:
        for m, d in readings:
            if 1 <= m <= 12 and 1 <= d <= calendar.monthrange(y, m)[1] and calendar.weekday(y, m, d) == weekday:
                return f"{y:04d}-{m:02d}-{d:02d}"
    return None


def find_dates(text: str, years_before: tuple[int, ...] = (), years_after: tuple[int, ...] = ()) -> list[DateMatch]:
    """All date expressions in `text`, longest first where they overlap, in text order. `years_before`: the
    years of the dates stated before `text` in its document, the nearest first (for dates without a year);
    `years_after`: the years the document writes after `text`, the nearest first (for a weekday date only,
    whose weekday checks the year)."""
    has_year = ANY_YEAR.search(text) is not None
    if not has_year and not (years_before or years_after):
        return []
    has_month = ANY_MONTH.search(text) is not None
    if not has_year and not has_month and not ANY_WEEKDAY.search(text):
        return []
    taken: list[tuple[int, int]] = []
    found: list[DateMatch] = []

    def add(s: int, e: int, value: str | None, kind: str) -> None:
        if value is not None:
            taken.append((s, e))
            found.append(DateMatch(s, e, text[s:e], value, kind))

    for kind, pattern in PATTERNS:
        if not has_month and kind in NEEDS_MONTH:
            continue
        for m in pattern.finditer(text):
            s, e = m.start(), m.end()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if kind == "two_days":
                g = m.groupdict()
                add(s, m.start("sep"), _day(int(g["y1"]), _month(g["m1"]), int(g["d1"])), "day")
                add(m.start("d2"), e, _day(int(g["y2"]), _month(g["m2"]), int(g["d2"])), "day")
                continue
            if kind == "year" and REGULATION_BEFORE.search(text[max(0, s - 16) : s]):
                continue
            add(s, e, _value(kind, m.groupdict()), kind)
    def years_for(at: int) -> list[int]:
        """Candidate years for a date without one at `at`: the dates before it in this text (nearest first),
        then the document's earlier ones, each also a year on either side (news of a late-December event
        published in January)."""
        here = [int(d.value[:4]) for d in sorted((d for d in found if d.end <= at), key=lambda d: -d.end)]
        ordered = list(dict.fromkeys(here + list(years_before)))
        return list(dict.fromkeys(ordered + [y + k for y in ordered for k in (-1, 1)]))

    def weekday_years(at: int) -> list[int]:
        """years_for(at), then the years stated after `at` in this text and in the document (nearest first):
        a weekday date's weekday checks whichever it takes."""
        later = [int(d.value[:4]) for d in sorted((d for d in found if d.start >= at), key=lambda d: d.start)]
        later = list(dict.fromkeys(later + list(years_after)))
        return list(dict.fromkeys(years_for(at) + later + [y + k for y in later for k in (-1, 1)]))

    for m in WEEKDAY_DAY_MONTH.finditer(text):
        s, e = m.span("date")
        if any(s < te and ts < e for ts, te in taken):
            continue
        day, month = int(m.group("d")), int(m.group("m"))
        weekday = WEEKDAYS[m.group("wd").lower()]
        # the weekday picks the year; where no candidate year fits it, the nearest year before it (if any)
        before = years_for(s)
        add(s, e, _on_weekday(weekday_years(s), weekday, [(month, day)]) or (_day(before[0], month, day) if before else None),
            "weekday_day_month")
    for m in WEEKDAY_NUMBERS_EN.finditer(text):
        s, e = m.span("date")
        if any(s < te and ts < e for ts, te in taken):
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        add(s, e, _on_weekday(weekday_years(s), WEEKDAYS[m.group("wd").lower()], [(b, a), (a, b)]), "weekday_day_month")
    for m in WEEKDAY_DAY_MONTHNAME.finditer(text) if has_month else ():  # a month's name in both its forms
        s, e = m.span("date")
        if any(s < te and ts < e for ts, te in taken):
            continue
        day, month = (int(m.group("d")), _month(m.group("m"))) if m.group("d") else (int(m.group("d2")), _month(m.group("m2")))
        weekday = WEEKDAYS[(m.group("wd") or m.group("wd2")).lower()]
        add(s, e, _on_weekday(weekday_years(s), weekday, [(month, day)]), "weekday_day_month")
    for kind, pattern in YEARLESS if has_month else ():  # each names a month (m2, in no optional part)
        for m in pattern.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            years = years_for(s)
            add(s, e, _yearless_value(kind, m.groupdict(), years[0] if years else None), kind)
    return sorted(found, key=lambda d: d.start)


def normalize_date(text: str) -> str | None:
    """The ISO value of a text that is one date expression, else None."""
    matches = find_dates(text.strip())
    if len(matches) == 1 and matches[0].text == text.strip():
        return matches[0].value
    return None
