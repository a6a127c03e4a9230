"""Every report people read quotes exactly and cites its passages; document text is escaped."""

from __future__ import annotations

import csv
import html as htmllib
import json
import re
from html.parser import HTMLParser

import pytest

from pipeline.aggregate.verdicts import aggregate
from pipeline.data import ELEMENTS, Case, City
from pipeline.report import html as html_report
from pipeline.report.build import write_reports
from tests.report.contract import check_outputs, read_jsonl
from tests.report.demo import DEMO_CASES, demo_reports, hostile_document

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    return demo_reports(tmp_path_factory)


@pytest.fixture(scope="module")
def texts(reports):
    return {d["doc"]: d["text"] for d in read_jsonl(reports / "documents.jsonl") if d["status"] == "ok"}


def test_report_stage_writes_every_report(reports):
    check_outputs(reports)
    for name in ("report.md", "report.html", "timeline.json", "gaps.json", "comparison.json", "verdicts.csv",
                 "evidence.csv", "obstacles.csv", "timeline.csv", "gaps.csv"):
        assert (reports / name).stat().st_size > 0, name
    assert set(json.loads((reports / "comparison.json").read_text())["cases"]) >= set(DEMO_CASES)


def test_json_quotes_are_exact_and_sentences_cite(reports, texts):
    verdicts = json.loads((reports / "verdicts.json").read_text())
    n = 0
    for case in verdicts["cases"].values():
        for v in case["elements"].values():
            for s in v["sentences"]:
                assert s["cites"], s["text"]
                for ev in s["cites"]:
                    assert texts[ev["doc"]][ev["start"]:ev["end"]] == ev["quote"]
                    n += 1
    assert n > 50
    timeline = json.loads((reports / "timeline.json").read_text())["cases"]
    assert len(timeline["karangsari-seokjin"]) >= 10
    kinds = {ev["kind"] for ev in timeline["karangsari-seokjin"]}
    assert {"loi_signing", "mou_signing", "visit", "training", "festival"} <= kinds
    mou = [ev for ev in timeline["karangsari-seokjin"] if ev["kind"] == "mou_signing" and ev["date"] == "2014-11-25"]
    assert mou and len(mou[0]["sources"]) >= 2  # told by several documents, merged into one event
    for events in timeline.values():
        for ev in events:
            for s in ev["sources"]:
                assert texts[s["doc"]][s["start"]:s["end"]] == s["quote"]


def test_published_assessments_are_reported_quoted_and_cited(reports, texts):
    verdicts = json.loads((reports / "verdicts.json").read_text())["cases"]["karangsari-seokjin"]["elements"]
    participation = verdicts["participation"]
    assert participation["published_assessment"] == "partial"
    assert "Elemen ini hanya terpenuhi sebagian." in [a["quote"] for a in participation["published_sources"]]
    assert {verdicts[el]["published_assessment"] for el in ("commitment", "understanding", "reciprocity", "outcomes")} \
        == {"fulfilled"}
    cited = [s for s in participation["sentences"] if any(ev["stance"] == "published" for ev in s["cites"])]
    assert any("\u201cElemen ini hanya terpenuhi sebagian.\u201d" in s["text"] for s in cited)
    md = (reports / "report.md").read_text(encoding="utf-8")
    assert "### Penilaian yang dinyatakan dokumen" in md and "\u201cElemen ini hanya terpenuhi sebagian.\u201d [" in md
    rows = list(csv.DictReader((reports / "published.csv").open(encoding="utf-8", newline="")))
    assert {(r["case"], r["element"]) for r in rows} >= {("karangsari-seokjin", el) for el in ELEMENTS}
    for r in rows:
        assert texts[r["doc"]][int(r["start"]):int(r["end"])] == r["quote"]


def test_csv_quotes_are_exact(reports, texts):
    for name in ("evidence.csv", "timeline.csv"):
        rows = list(csv.DictReader((reports / name).open(encoding="utf-8", newline="")))
        assert rows, name
        for r in rows:
            assert texts[r["doc"]][int(r["start"]):int(r["end"])] == r["quote"], (name, r["doc"], r["start"])
    verdict_rows = list(csv.DictReader((reports / "verdicts.csv").open(encoding="utf-8", newline="")))
    assert {(r["case"], r["element"]) for r in verdict_rows} >= {(c, el) for c in DEMO_CASES for el in ELEMENTS}


def test_markdown_quotes_are_exact(reports, texts):
    md = (reports / "report.md").read_text(encoding="utf-8")
    quotes = re.findall(r"\u201c(.*?)\u201d(?= \[)", md, flags=re.S)
    assert len(quotes) > 30
    corpus = "\n\x00".join(texts.values())
    for q in quotes:
        assert q in corpus, q[:80]


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.hrefs, self.scripts = set(), [], 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.hrefs.append(a["href"][1:])
        if tag == "script" or any(k.startswith("on") for k in a):
            self.scripts += 1


def test_html_quotes_are_exact_and_every_link_has_a_target(reports, texts):
    page = (reports / "report.html").read_text(encoding="utf-8")
    parser = _Anchors()
    parser.feed(page)
    assert parser.scripts == 0
    missing = [h for h in parser.hrefs if h not in parser.ids]
    assert not missing, missing[:5]
    links = re.findall(r'<a class="quote" href="#q-([0-9a-f]+)-(\d+)-(\d+)">\u201c(.*?)\u201d</a>', page, flags=re.S)
    assert len(links) > 100
    for doc, start, end, quoted in links:
        assert texts[doc][int(start):int(end)] == htmllib.unescape(quoted)
    assert page.count("<svg") >= 1 + 2 * len(DEMO_CASES)


def test_english_fixed_texts(tmp_path):
    doc = hostile_document()
    verdicts = aggregate(["karangsari-seokjin"], doc.passages, {doc.doc: doc})
    paths = write_reports(tmp_path, [doc], verdicts, lang="en", formats=("md", "html"))
    assert "Cross-case comparison" in paths["report.md"].read_text()
    assert "Perbandingan antarkasus" in write_reports(tmp_path / "id", [doc], verdicts, lang="id",
                                                      formats=("md",))["report.md"].read_text()
    with pytest.raises(ValueError, match="valid values: id, en"):
        write_reports(tmp_path, [doc], verdicts, lang="fr")


def test_document_markup_renders_inert(tmp_path):
    doc = hostile_document()
    case = Case(slug="karangsari-seokjin", cities=[City("Karangsari"), City("Seokjin", side="partner")])
    verdicts = aggregate(["karangsari-seokjin"], doc.passages, {doc.doc: doc})
    paths = write_reports(tmp_path, [doc], verdicts, cases=[case], formats=("html", "json"))
    page = paths["report.html"].read_text(encoding="utf-8")
    assert "<script" not in page.lower() and "<img" not in page.lower() and "<b>laporan</b>.txt" not in page
    assert "&lt;script&gt;window.__pwned = 1;" in page and "&lt;img src=x onerror=" in page
    assert "&lt;b&gt;laporan&lt;/b&gt;.txt" in page
    parser = _Anchors()
    parser.feed(page)
    assert parser.scripts == 0
    timeline = json.loads(paths["timeline.json"].read_text())["cases"]["karangsari-seokjin"]
    assert timeline[0]["kind"] == "visit" and "<script>" in timeline[0]["sources"][0]["quote"]  # data stays verbatim
    assert html_report._e("<a href='x'>") == "&lt;a href=&#x27;x&#x27;&gt;"
