"""Gaps from inline verdicts: thin, single-document, one-sided evidence and missing kinds of document."""

from __future__ import annotations

from pipeline.aggregate.gaps import case_gaps, document_kind
from pipeline.aggregate.verdicts import decide
from pipeline.data import Case, City, Document, Passage

CASE = Case(slug="a-b", cities=[City("Karangsari", side="local"), City("Seokjin", side="partner")])


def passage(doc: str, start: int, text: str, element: str, stance: str = "positive") -> Passage:
    return Passage(doc=doc, page=1, start=start, end=start + len(text), text=text, case=CASE.slug,
                   scores={element: 0.9}, elements=[element], stance=stance, stance_scores={stance: 0.9})


def docs_and_passages():
    texts = {
        "d1": ("NOTA KESEPAHAMAN antara Kota Karangsari dan Kota Seokjin", "mou"),
        "d2": ("LAPORAN KUNJUNGAN KERJA ke Seokjin", "visit_report"),
        "d3": ("RENCANA AKSI kerja sama kota bersaudara", "other"),
    }
    docs = {k: Document(doc=k, source=f"{k}.pdf", case=CASE.slug, type=t, text=x) for k, (x, t) in texts.items()}
    ps = [passage("d2", 0, "Karangsari mengirim staf", "commitment"),
          passage("d2", 30, "Seokjin membiayai pelatihan", "commitment"),
          passage("d1", 0, "Karangsari menganggarkan APBD", "commitment"),
          passage("d2", 60, "Karangsari menyiapkan pokja", "commitment"),
          passage("d3", 0, "Seokjin mengirim ahli", "commitment"),
          passage("d2", 90, "Sekolah di Karangsari ikut", "participation"),
          passage("d2", 120, "Warga Karangsari datang ke festival", "participation")]
    return docs, ps


def test_element_gaps_name_their_reasons():
    docs, ps = docs_and_passages()
    verdicts = {el: decide(CASE.slug, el, ps, docs) for el in ("commitment", "participation", "outcomes")}
    g = case_gaps(CASE.slug, verdicts, list(docs.values()), CASE)
    by_el = {e.element: e for e in g.elements}
    assert by_el["commitment"].reasons == [] and by_el["commitment"].sides == ["local", "partner"]
    assert set(by_el["participation"].reasons) == {"thin", "single_document", "one_side_only"}
    assert by_el["outcomes"].reasons == ["no_evidence"]


def test_missing_kinds_of_document():
    docs, ps = docs_and_passages()
    docs["x"] = Document(doc="x", source="rusak.pdf", case=CASE.slug, status="failed", error="corrupt: rusak.pdf: bad xref")
    verdicts = {"commitment": decide(CASE.slug, "commitment", ps, docs)}
    g = case_gaps(CASE.slug, verdicts, list(docs.values()), CASE)
    assert g.documents == {"action_plan": 1, "mou": 1, "visit_report": 1}
    assert g.missing == ["monev_report", "interview", "minutes"]
    assert g.failed == ["rusak.pdf: corrupt: rusak.pdf: bad xref"]


def test_document_kind_reads_the_title():
    assert document_kind(Document(doc="l", source="l.docx", case=None, type="mou",
                                  text="SURAT PERNYATAAN KEHENDAK (LETTER OF INTENT) antara ...")) == "loi"
    assert document_kind(Document(doc="m", source="m.pdf", case=None, type="visit_report",
                                  text="LAPORAN MONITORING DAN EVALUASI kerja sama")) == "monev_report"
    assert document_kind(Document(doc="n", source="n.pdf", case=None, type="news", text="Rencana aksi dibahas")) == "news"
