"""The date normaliser on a table of Indonesian (and some English) forms."""

from __future__ import annotations

import pytest

from pipeline.nlp.dates import find_dates, normalize_date

Y18 = "2018-01-01/2018-12-31"
TABLE = [
    # single days
    ("25 November 2016", "2016-11-25"),
    ("1 Januari 2020", "2020-01-01"),
    ("01 Februari 2019", "2019-02-01"),
    ("29 Februari 2016", "2016-02-29"),
    ("14 Mei 2013", "2013-05-14"),
    ("3 Oktober 2016", "2016-10-03"),
    ("12 Maret 2013", "2013-03-12"),
    ("25 Nopember 2016", "2016-11-25"),
    ("5 Pebruari 2015", "2015-02-05"),
    ("6 Agt. 2018", "2018-08-06"),
    ("6 Agt 2018", "2018-08-06"),
    ("3 Okt. 2016", "2016-10-03"),
    ("20 Sept. 2018", "2018-09-20"),
    ("9 Des 2012", "2012-12-09"),
    ("17 Agustus 1945", None),  # outside the supported year range 1950-2049
    ("25 November, 2016", "2016-11-25"),
    ("November 25, 2016", "2016-11-25"),
    ("25/11/2016", "2016-11-25"),
    ("25-11-2016", "2016-11-25"),
    ("5.3.2014", "2014-03-05"),
    ("2016-11-25", "2016-11-25"),
    ("31 Juni 2016", None),  # no such day
    # ranges of days
    ("9 - 14 Agustus 2015", "2015-08-09/2015-08-14"),
    ("9-14 Agustus 2015", "2015-08-09/2015-08-14"),
    ("6 – 7 November 2013", "2013-11-06/2013-11-07"),
    ("6—7 November 2013", "2013-11-06/2013-11-07"),
    ("11 s.d. 22 Mei 2015", "2015-05-11/2015-05-22"),
    ("11 s/d 22 Mei 2015", "2015-05-11/2015-05-22"),
    ("11 sampai 22 Mei 2015", "2015-05-11/2015-05-22"),
    ("11 hingga 22 Mei 2015", "2015-05-11/2015-05-22"),
    ("28 Juli - 3 Agustus 2015", "2015-07-28/2015-08-03"),
    ("29 September – 6 Oktober 2016", "2016-09-29/2016-10-06"),
    ("30 Desember 2015 - 2 Januari 2016", "2015-12-30/2016-01-02"),
    ("28 Desember - 3 Januari 2016", "2015-12-28/2016-01-03"),
    # months
    ("Desember 2012", "2012-12-01/2012-12-31"),
    ("Desember 2012", "2012-12-01/2012-12-31"),
    ("akhir Mei 2018", "2018-05-21/2018-05-31"),  # a third of a month (gold convention)
    ("awal Agustus 2018", "2018-08-01/2018-08-10"),
    ("pertengahan Februari 2016", "2016-02-11/2016-02-20"),
    ("September atau Oktober 2019", "2019-09-01/2019-10-31"),
    ("tahun 2000-an", "2000-01-01/2009-12-31"),
    ("dua puluh satu bulan April tahun dua ribu lima belas", "2015-04-21"),
    ("tiga Oktober tahun dua ribu enam belas", "2016-10-03"),
    ("Februari 2016", "2016-02-01/2016-02-29"),
    ("Februari 2018", "2018-02-01/2018-02-28"),
    ("Nopember 2018", "2018-11-01/2018-11-30"),
    ("Agt. 2015", "2015-08-01/2015-08-31"),
    ("Sept 2019", "2019-09-01/2019-09-30"),
    ("Juli–Agustus 2015", "2015-07-01/2015-08-31"),
    ("Juli - Agustus 2015", "2015-07-01/2015-08-31"),
    ("Desember 2015 - Januari 2016", "2015-12-01/2016-01-31"),
    ("November 2016 sampai Maret 2017", "2016-11-01/2017-03-31"),
    # years and fiscal years
    ("tahun 2018", Y18),
    ("Tahun 2018", Y18),
    ("2018", Y18),
    ("tahun anggaran 2018", Y18),
    ("Tahun Anggaran 2018", Y18),
    ("TA 2018", Y18),
    ("T.A. 2018", Y18),
    ("fiscal year 2018", Y18),
    ("2016 – 2021", "2016-01-01/2021-12-31"),
    ("2016-2021", "2016-01-01/2021-12-31"),
    ("2016 sampai 2021", "2016-01-01/2021-12-31"),
    ("2016 - 2021", "2016-01-01/2021-12-31"),
    ("2014 s.d. 2019", "2014-01-01/2019-12-31"),
    # parts of years
    ("akhir tahun 2018", "2018-10-01/2018-12-31"),
    ("akhir 2018", "2018-10-01/2018-12-31"),
    ("awal tahun 2016", "2016-01-01/2016-03-31"),
    ("awal 2019", "2019-01-01/2019-03-31"),
    ("pertengahan tahun 2016", "2016-05-01/2016-08-31"),
    ("penghujung tahun 2017", "2017-10-01/2017-12-31"),
    ("triwulan III 2018", "2018-07-01/2018-09-30"),
    ("kuartal 1 2019", "2019-01-01/2019-03-31"),
    ("semester II 2019", "2019-07-01/2019-12-31"),
    ("semester I tahun 2020", "2020-01-01/2020-06-30"),
    ("late 2018", "2018-10-01/2018-12-31"),
]


@pytest.mark.parametrize(("text", "value"), TABLE)
def test_forms(text, value):
    assert normalize_date(text) == value


def test_table_is_large():
    assert len(TABLE) >= 60


def test_dates_in_running_text_with_exact_spans():
    text = ("Nota Kesepahaman ditandatangani pada 25 November 2014 dan berlaku 2014 – 2019; kunjungan balasan "
            "9 - 14 Agustus 2015 dibiayai APBD tahun anggaran 2015.")
    found = [(d.text, d.value) for d in find_dates(text)]
    assert found == [
        ("25 November 2014", "2014-11-25"),
        ("2014 – 2019", "2014-01-01/2019-12-31"),
        ("9 - 14 Agustus 2015", "2015-08-09/2015-08-14"),
        ("tahun anggaran 2015", "2015-01-01/2015-12-31"),
    ]
    for d in find_dates(text):
        assert text[d.start : d.end] == d.text


@pytest.mark.parametrize("text", ["Nomor: 415.4/118/KS/IX/2018", "tahun 20-an", "lima tahun", "pukul 09.00 WIB",
                                   "Perda Nomor 5 Tahun 2019 pasal 2018.3"])
def test_not_dates(text):
    assert find_dates(text) == []


def test_prefix_words_stay_outside_the_span_and_validity_periods_are_two_days():
    text = ("pada bulan Agustus 2016 untuk periode 2017 – 2022, yaitu 21 April 2015 sampai dengan 20 April 2020; "
            "festival dibuka 26 Oktober 2018 dan ditutup pada Minggu (28/10) malam.")
    assert [(d.text, d.value) for d in find_dates(text)] == [
        ("Agustus 2016", "2016-08-01/2016-08-31"),
        ("2017 – 2022", "2017-01-01/2022-12-31"),
        ("21 April 2015", "2015-04-21"),
        ("20 April 2020", "2020-04-20"),
        ("26 Oktober 2018", "2018-10-26"),
        ("28/10", "2018-10-28"),
    ]


@pytest.mark.parametrize("text,value", [
    ("signed on 16th July 1985 in Kyoto", "1985-07-16"),
    ("signed on July 16th, 1985 in Kyoto", "1985-07-16"),
    ("signed on the 2nd of October 2019", "2019-10-02"),
    ("visits from July 19 to 23, 2019", "2019-07-19/2019-07-23"),
    ("disaksikan pada 21-22/11/2023 di balai kota", "2023-11-21/2023-11-22"),
])
def test_english_ordinals_ranges_and_numeric_day_ranges(text, value):
    assert [d.value for d in find_dates(text)] == [value]


def test_a_weekday_date_without_a_year_takes_the_year_its_weekday_falls_in():
    # 15 March 2023 is a Wednesday (Rabu), 15 March 2022 a Tuesday: the weekday picks 2023 over the nearer 2022
    found = find_dates("pertemuan daring pada Rabu (15/3) lalu", years_before=(2022, 2023))
    assert [(d.text, d.value) for d in found] == [("15/3", "2023-03-15")]
    # the span leaves the weekday and the brackets out (CODEBOOK 8.5)
    assert [(d.text, d.value) for d in find_dates("Kunjungan pada Jumat, 8 Agustus, dihadiri", (2025,))] == [
        ("8 Agustus", "2025-08-08")]
    # English news may write month/day: 8 January 2019 is a Tuesday, 1 August 2019 a Thursday
    assert [d.value for d in find_dates("held at City Hall, Thursday (8/1).", (2019,))] == ["2019-08-01"]


def test_a_date_without_a_year_needs_a_date_before_it():
    assert find_dates("pada 10 Agustus dan 28 Juli - 3 Agustus", ()) == []
    assert find_dates("met on November 2", ()) == []
    found = find_dates("Program 2015 dimulai pada 10 Agustus dan 28 Juli - 3 Agustus; July 8 to 12.")
    assert [(d.text, d.value) for d in found] == [
        ("2015", "2015-01-01/2015-12-31"), ("10 Agustus", "2015-08-10"),
        ("28 Juli - 3 Agustus", "2015-07-28/2015-08-03"), ("July 8 to 12", "2015-07-08/2015-07-12")]
    # the nearest year before it wins over the document's earlier ones
    assert [d.value for d in find_dates("met on 2 October", years_before=(2019, 2014))] == ["2019-10-02"]


def test_tag_document_carries_the_years_of_earlier_blocks():
    from pipeline.data import Block, Document
    from pipeline.nlp.entities import tag_document

    text = "Jakarta, 3 Maret 2023\n\nRapat persiapan digelar Rabu (15/3) di balai kota."
    second = text.index("Rapat")
    doc = Document(doc="d1", source="x.txt", case=None, text=text,
                   blocks=[Block(0, second - 2), Block(second, len(text))])
    dates = [(e.text, e.normalized) for e in tag_document(doc, None, [], use_ner=False) if e.label == "DATE"]
    assert dates == [("3 Maret 2023", "2023-03-03"), ("15/3", "2023-03-15")]


def test_a_weekday_date_may_take_a_year_written_after_it_but_a_plain_one_may_not():
    from pipeline.nlp.dates import years_after_each

    texts = ["Sejak 10 Agustus, rapat digelar Sabtu (17/11) di balai kota.", "Ditulis 20 November 2018."]
    later = years_after_each(texts)
    assert later == [(2018,), ()]
    # 17 November 2018 is a Saturday; "10 Agustus" has no weekday to check a later year against, and no date before it
    assert [(d.text, d.value) for d in find_dates(texts[0], (), later[0])] == [("17/11", "2018-11-17")]
    # a weekday that falls on none of the candidate years is not a date
    assert find_dates("Rapat digelar Senin (17/11).", (), (2018,)) == []  # 17 November 2017-2019: Fri, Sat, Sun


class _EveryText:
    """A stand-in for dates.ANY_MONTH that finds a month everywhere: find_dates then runs every pattern."""

    @staticmethod
    def search(_text):
        return True


def test_texts_without_a_month_skip_only_patterns_that_need_one(monkeypatch):
    """find_dates skips the NEEDS_MONTH patterns, the yearless ones and the weekday-with-month-name one in a text
    where ANY_MONTH finds no month: the same dates as running all of them, over the demo corpus's texts (paragraph
    by paragraph, with and without the years of earlier dates) and texts full of dates written without a month."""
    from pathlib import Path

    from pipeline.nlp import dates

    demo = Path(__file__).resolve().parents[2] / "corpora" / "demo"
    texts = [p for f in sorted(demo.rglob("*.txt"))[:60] for p in f.read_text(encoding="utf-8", errors="replace").split("\n\n")]
    texts += ["25/11/2016, 2016-11-25, 21-22/11/2023 dan tahun anggaran 2018; periode 2016 - 2021, 2016/2017",
              "awal 2018, triwulan III 2018, tahun 2000-an, Rabu (15/3), Thursday (8/1), dua ribu lima belas",
              "Jumat, 8 Agustus; 9 - 14 Agt. 2015; July 19 to 23, 2019; mid May 2018; Mei atau Juni 2019"]
    without = [t for t in texts if dates.ANY_MONTH.search(t) is None and dates.ANY_YEAR.search(t)]
    assert len(without) >= 20 and len(texts) - len(without) >= 20
    years = [(), (2016, 2015)]
    skipping = [find_dates(t, y, (2017,)) for t in texts for y in years]
    monkeypatch.setattr(dates, "ANY_MONTH", _EveryText)
    assert [find_dates(t, y, (2017,)) for t in texts for y in years] == skipping
    assert sum(map(len, skipping)) >= 100
    # each pattern the skip names finds nothing where no month is named
    assert all(p.search(t) is None for kind, p in dates.PATTERNS if kind in dates.NEEDS_MONTH for t in without)
    assert {kind for kind, _ in dates.PATTERNS} >= dates.NEEDS_MONTH
