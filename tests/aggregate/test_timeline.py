"""Timelines from inline documents: event kinds from Indonesian cues, sides, dedup, exact quotes."""

from __future__ import annotations

import re

from pipeline.aggregate.timeline import build_timelines, sentence_bounds
from pipeline.data import Case, City, Document, Entity, PageSpan, Passage

CASE = Case(slug="kota-a-kota-b", cities=[City("Karangsari", side="local", aliases=["Kota Karangsari"]),
                                          City("Seokjin", side="partner", aliases=["Seokjin-si"])])
DATES = {"14 Mei 2013": "2013-05-14", "25 November 2014": "2014-11-25", "9 - 14 Agustus 2015": "2015-08-09/2015-08-14",
         "Agustus 2015": "2015-08-01/2015-08-31", "Oktober 2016": "2016-10-01/2016-10-31", "2019": "2019-01-01/2019-12-31",
         "Mei 2017": "2017-05-01/2017-05-31", "12 Maret 2018": "2018-03-12"}


def make_doc(doc_id: str, text: str, source: str, doc_type: str = "visit_report") -> Document:
    d = Document(doc=doc_id, source=source, case=CASE.slug, type=doc_type, text=text,
                 pages=[PageSpan(1, 0, len(text))])
    for m in re.finditer(r"[^\n]+", text):
        d.passages.append(Passage(doc=doc_id, page=1, start=m.start(), end=m.end(), text=m.group(0), case=CASE.slug))
    for surface, iso in DATES.items():
        for m in re.finditer(r"(?<![\d\w-])" + re.escape(surface) + r"(?![\w])", text):
            if any(e.start <= m.start() < e.end for e in d.entities):
                continue
            d.entities.append(Entity(doc_id, 1, m.start(), m.end(), surface, "DATE", iso))
    d.entities.sort(key=lambda e: e.start)
    return d


REPORT = make_doc("a" * 16, (
    "Nota Kesepahaman ditandatangani di Karangsari pada tanggal 25 November 2014.\n"
    "Delegasi Kota Karangsari melakukan kunjungan kerja ke Seokjin-si pada 9 - 14 Agustus 2015.\n"
    "Kunjungan balasan delegasi Seokjin ke Karangsari berlangsung pada Oktober 2016.\n"
    "Undangan pelatihan dari Seokjin pada Mei 2017 tidak dijawab.\n"
    "Nota Kesepahaman berlaku sampai 12 Maret 2018.\n"
    "P: Pernah ada monitoring dan evaluasi sebelum 2019?\n"), "laporan.pdf")
NEWS = make_doc("b" * 16, (
    "Setelah LoI pada 14 Mei 2013, kedua kota menandatangani Nota Kesepahaman pada 25 November 2014 di Karangsari.\n"
    "Rombongan Pemkot Karangsari berkunjung ke Seokjin-si pada Agustus 2015 untuk studi banding.\n"), "berita.pdf", "news")


def test_events_kinds_sides_and_exact_quotes():
    events = build_timelines([REPORT, NEWS], [CASE])[CASE.slug]
    by_date = {ev.date: ev for ev in events}
    assert by_date["2013-05-14"].kind == "loi_signing"
    assert by_date["2014-11-25"].kind == "mou_signing" and by_date["2014-11-25"].side == "both"
    visit = by_date["2015-08-09/2015-08-14"]
    assert visit.kind == "visit" and visit.side == "local"
    ret = by_date["2016-10-01/2016-10-31"]
    assert ret.kind == "return_visit" and ret.side == "partner"
    assert by_date["2017-05-01/2017-05-31"].status == "cancelled"
    docs = {REPORT.doc: REPORT, NEWS.doc: NEWS}
    for ev in events:
        for s in ev.sources:
            assert docs[s.doc].text[s.start:s.end] == s.quote
            assert s.date_text in s.quote


def test_same_event_in_two_documents_is_merged_with_the_most_precise_date():
    events = build_timelines([REPORT, NEWS], [CASE])[CASE.slug]
    mou = [ev for ev in events if ev.kind == "mou_signing"]
    assert len(mou) == 1 and {s.source for s in mou[0].sources} == {"laporan.pdf", "berita.pdf"}
    visits = [ev for ev in events if ev.kind == "visit"]
    assert len(visits) == 1, [(v.date, v.source.quote) for v in visits]
    assert visits[0].date == "2015-08-09/2015-08-14" and len(visits[0].sources) == 2


def test_validity_ends_and_questions_are_not_events():
    dates = {ev.date for ev in build_timelines([REPORT, NEWS], [CASE])[CASE.slug]}
    assert "2018-03-12" not in dates  # "berlaku sampai": the end of validity
    assert "2019-01-01/2019-12-31" not in dates  # a question in an interview


def test_without_case_cities_the_side_is_unknown_not_guessed():
    events = build_timelines([REPORT], [])[CASE.slug]
    visit = next(ev for ev in events if ev.kind == "visit")
    assert visit.side is None


def test_sentence_bounds_skip_abbreviations():
    text = "Rapat dipimpin Bpk. Hendra pada 3 Mei 2016 di Setda. Kalimat lain."
    s, e = sentence_bounds(text, 0, len(text), text.index("3 Mei"), text.index("3 Mei") + 10)
    assert text[s:e] == "Rapat dipimpin Bpk. Hendra pada 3 Mei 2016 di Setda."
