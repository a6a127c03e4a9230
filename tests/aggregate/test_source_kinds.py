"""Verdicts weigh the kind of source (an account, an announcement, background), take a researcher's stated
finding as the verdict, and count other stated verdicts as accounts. Invented sentences throughout."""

from __future__ import annotations

import pytest

from pipeline.aggregate.assessments import find_assessments
from pipeline.aggregate.verdicts import Thresholds, aggregate, decide, evidence_kind, finding_value
from pipeline.data import Assessment, Document, Passage

CASE = "c1"


def doc(texts: list[tuple[str, str]], *, doc_id: str = "d" * 16, doc_type: str = "news", element: str = "commitment",
        labelled: bool = True) -> tuple[Document, list[Passage]]:
    """One document of the given (text, stance) passages; with `labelled` each is the model's evidence on
    `element` at probability 1."""
    text, passages = "", []
    for words, stance in texts:
        start = len(text)
        text += words + "\n\n"
        p = Passage(doc=doc_id, page=1, start=start, end=start + len(words), text=words, case=CASE, stance=stance)
        if labelled and stance != "neutral":
            p.elements, p.scores, p.stance_scores = [element], {element: 1.0}, {stance: 1.0}
        passages.append(p)
    d = Document(doc=doc_id, source=f"{doc_type}.txt", case=CASE, type=doc_type, text=text, passages=passages)
    return d, passages


@pytest.mark.parametrize("text, stance, doc_type, kind", [
    ("Kedua wali kota akan menandatangani rencana aksi tahun depan.", "positive", "visit_report", "announcement"),
    ("The two mayors hope the link will open new markets.", "positive", "paper", "announcement"),
    ("Penandatanganan nota kesepahaman berlangsung meriah di balai kota.", "positive", "news", "announcement"),
    ("Penandatanganan nota kesepahaman berlangsung meriah di balai kota.", "positive", "visit_report", "account"),
    ("Delegasi kedua kota saling berkunjung setiap tahun sejak 2015.", "positive", "news", "account"),
    ("Sejak penandatanganan, tidak ada kunjungan balasan.", "obstacle", "news", "account"),
    ("Sister city didefinisikan sebagai kerja sama dua pemerintah kota.", "positive", "paper", "background"),
    ("Komitmen menuntut dana dan waktu kedua pihak (Harlan & Widodo, 2011).", "positive", "paper", "background"),
    ("Baca juga: Wali kota resmikan taman kota", "positive", "news", "background"),
    ("Jembatan penyeberangan selesai dibangun dengan bantuan teknis kota mitra.", "positive", "news", "account"),
    ("Hasil penelitian menunjukkan bahwa kedua kota jarang bertemu setelah 2018.", "obstacle", "paper", "finding"),
    ("This study finds that exchanges ran both ways until the pandemic.", "positive", "paper", "finding"),
])
def test_evidence_kind(text, stance, doc_type, kind):
    assert evidence_kind(text, stance, doc_type) == kind


def test_announcements_weigh_less_than_accounts():
    d, ps = doc([("Kedua kota berencana membuka pelatihan bersama.", "positive")] * 6
                + [("Pelatihan yang dijanjikan tidak pernah diadakan.", "obstacle")])
    on = decide(CASE, "commitment", ps, {d.doc: d})
    off = decide(CASE, "commitment", ps, {d.doc: d}, Thresholds(source_kinds=False))
    assert off.status == "fulfilled"
    assert on.status == "partial" and on.score < off.score
    assert {e.kind for e in on.evidence} == {"announcement", "account"}
    assert any("announcements" in n for n in on.notes)


def test_support_that_is_mostly_announced_is_at_most_partial():
    # hopes alone are no account of what happened: insufficient, with a gap note
    d, ps = doc([("Wali kota berharap kerja sama segera memberi hasil.", "positive")] * 6, element="outcomes")
    v = decide(CASE, "outcomes", ps, {d.doc: d})
    assert v.status == "insufficient_evidence" and any(n.startswith("gap:") for n in v.notes)
    # with one account beside them, the support is still mostly announced: at most partial
    d, ps = doc([("Wali kota berharap kerja sama segera memberi hasil.", "positive")] * 6
                + [("Dua puluh pegawai dinas dilatih di kota mitra.", "positive")], element="outcomes")
    v = decide(CASE, "outcomes", ps, {d.doc: d})
    assert v.score == 1.0 and v.status == v.evidence_status == "partial"
    assert any("announced" in n for n in v.notes)
    cited = [s for s in v.sentences if "pengumuman" in s.text]
    assert cited and all(e.kind == "announcement" for e in cited[0].cites)
    # told as what happened, the same support is fulfilled
    d, ps = doc([("Pelatihan pengelolaan sampah diikuti 40 pegawai dinas.", "positive")] * 6, doc_type="visit_report",
                element="outcomes")
    assert decide(CASE, "outcomes", ps, {d.doc: d}).status == "fulfilled"


def test_scattered_announcements_are_too_little_evidence_with_a_gap_note():
    d, ps = doc([("Kedua kota akan menjajaki kerja sama pariwisata.", "positive")] * 3, element="reciprocity")
    v = decide(CASE, "reciprocity", ps, {d.doc: d})
    assert v.status == "insufficient_evidence"
    assert any(n.startswith("gap: the documents hardly speak to reciprocity") for n in v.notes)
    d, ps = doc([("Guru dari kedua kota saling mengajar selama sebulan.", "positive")] * 3, doc_type="visit_report",
                element="reciprocity")
    assert decide(CASE, "reciprocity", ps, {d.doc: d}).status == "fulfilled"


def test_background_weighs_nothing():
    d, ps = doc([("Timbal balik diartikan sebagai manfaat yang sebanding bagi kedua pihak.", "positive")] * 5,
                element="reciprocity")
    v = decide(CASE, "reciprocity", ps, {d.doc: d})
    assert v.status == "insufficient_evidence" and all(e.kind == "background" and e.weight == 0 for e in v.evidence)


def test_a_researchers_finding_sets_the_verdict_and_the_evidence_stays_beside_it():
    ev, eps = doc([("Kunjungan balasan dibiayai APBD setiap tahun.", "positive")] * 5, doc_type="visit_report")
    pub, pps = doc([("Penelitian ini menyimpulkan bahwa komitmen kedua pihak belum terpenuhi.", "neutral")],
                   doc_id="p" * 16, doc_type="paper", labelled=False)
    docs = {ev.doc: ev, pub.doc: pub}
    v = aggregate([CASE], eps + pps, docs)[CASE]["commitment"]
    assert (v.status, v.evidence_status, v.basis) == ("not_fulfilled", "fulfilled", "published")
    assert v.published_agreement == "conflict"
    finding = [s for s in v.sentences if "Temuan peneliti" in s.text]
    assert finding and finding[0].cites[0].quote == pps[0].text
    # one researcher's finding is enough where the passages hardly speak to the element
    v = aggregate([CASE], pps, {pub.doc: pub})[CASE]["commitment"]
    assert (v.status, v.evidence_status) == ("not_fulfilled", "insufficient_evidence")
    off = aggregate([CASE], eps + pps, docs, Thresholds(published_findings=False))[CASE]["commitment"]
    assert off.status == "fulfilled" and off.basis == "evidence"


def test_a_verdict_stated_in_the_news_weighs_as_one_account():
    d, ps = doc([("Warga dan sekolah ikut festival kota mitra.", "positive")] * 2, element="participation",
                doc_type="visit_report")
    news, nps = doc([("Menurut ketua DPRD, partisipasi masyarakat dalam kerja sama ini masih lemah.", "neutral")],
                    doc_id="n" * 16, labelled=False)
    docs = {d.doc: d, news.doc: news}
    found = find_assessments(nps, docs)
    assert [(a.element, a.value) for a in found] == [("participation", "partial")]
    without = decide(CASE, "participation", ps, docs, assessments=found,
                     thresholds=Thresholds(source_kinds=False, min_passages=3, min_weight=1.0))
    assert without.status == "insufficient_evidence"  # two passages: below the floor of three
    v = decide(CASE, "participation", ps + nps, docs, assessments=found)
    # the stated "partial" counts as a third passage, half for and half against: (2.5 - 0.5) / 3
    assert v.basis == "evidence" and v.status == "fulfilled" and v.score == pytest.approx(2 / 3, abs=1e-3)


def test_a_researchers_conclusion_is_not_taken_for_a_misread_passage():
    """The stance-confusion correction moves obstacle weight to the positive side when positives dominate; a
    researcher's conclusion is added after it, at twice an account's weight."""
    confusion = {"commitment": [[0.75, 0.25], [0.10, 0.90]]}
    d, ps = doc([("Kunjungan kerja dilakukan ke kota mitra bersama DPRD pada 2016.", "positive")] * 6
                + [("Hasil penelitian menunjukkan bahwa nota kesepahaman itu belum ditindaklanjuti.", "obstacle")] * 2,
                doc_type="visit_report")
    v = decide(CASE, "commitment", ps, {d.doc: d}, Thresholds(confusion=confusion))
    assert [e.kind for e in v.evidence if e.stance == "obstacle"] == ["finding", "finding"]
    # counted as accounts the two are corrected away (score near +1); as findings: 6 corrected to 8.3 for, 4 against
    as_accounts = decide(CASE, "commitment", ps, {d.doc: d}, Thresholds(confusion=confusion, source_kinds=False))
    assert as_accounts.status == "fulfilled" and as_accounts.score > 0.9
    assert v.status == "partial" and v.score < 0.45


def _a(doc: str, value: str) -> Assessment:
    return Assessment(CASE, "commitment", value, doc, 1, 0, 1, ".", f"{doc}:0-1", doc_type="paper")


def test_finding_value_when_researchers_disagree():
    assert finding_value([_a("x", "partial"), _a("x", "partial"), _a("y", "fulfilled")], "fulfilled") in \
        {"partial", "fulfilled"}  # one document each: nearest the evidence
    assert finding_value([_a("x", "partial"), _a("y", "fulfilled")], "fulfilled") == "fulfilled"
    assert finding_value([_a("x", "partial"), _a("y", "partial"), _a("z", "fulfilled")], "fulfilled") == "partial"
    assert finding_value([_a("x", "not_fulfilled"), _a("y", "fulfilled")], "partial") is None  # equally near
    assert finding_value([_a("x", "not_fulfilled"), _a("y", "fulfilled")], "insufficient_evidence") is None
    news = Assessment(CASE, "commitment", "fulfilled", "n", 1, 0, 1, ".", "n:0-1", doc_type="news")
    assert finding_value([news], "partial") is None
