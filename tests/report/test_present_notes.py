"""The aggregator's notes read in the report's language (report/present.py): an Indonesian report carries no
English note for the evidence floor, thin evidence, findings and announcements (issue #17's one language)."""

from pipeline.aggregate.verdicts import RULE_NOTES, Thresholds, decide
from pipeline.data import Document, Passage
from pipeline.report.present import note_text

ENGLISH = ("documents", "passages", "weight", "announce", "finding", "evidence", "verdict", "score")


def _cell(texts, element="participation", doc_type="news"):
    text, passages = "", []
    for words, stance in texts:
        start = len(text)
        text += words + "\n\n"
        p = Passage(doc="d" * 16, page=1, start=start, end=start + len(words), text=words, case="c1", stance=stance,
                    elements=[element], scores={element: 0.9}, stance_scores={stance: 0.9})
        passages.append(p)
    d = Document(doc="d" * 16, source="x.txt", case="c1", type=doc_type, text=text, passages=passages)
    return decide("c1", element, passages, {d.doc: d}, Thresholds())


def _indonesian(note: str) -> str:
    out = note_text(note, "id")
    assert out is not None and not any(w in out for w in ENGLISH), out
    return out


def test_gap_thin_and_announcement_notes_are_indonesian():
    gap = _cell([("Wali kota berharap warga ikut festival tahun depan.", "positive")])
    assert gap.status == "insufficient_evidence"
    assert _indonesian(next(n for n in gap.notes if n.startswith("gap:"))).startswith("celah:")
    thin = _cell([("Sekolah-sekolah mengirim 40 siswa ke festival di kota mitra.", "positive")])
    assert thin.status == "fulfilled"
    assert _indonesian(next(n for n in thin.notes if n.startswith("thin evidence"))).startswith("bukti tipis")
    assert _indonesian(RULE_NOTES["announcements"]).startswith("skornya")
    assert note_text("3 passages are announcements (plans, hopes, or signings and visits told by news or a web page) "
                     "and weigh 0.3 of an account", "id").startswith("3 bagian berupa pengumuman")


def test_english_reports_keep_the_notes_as_they_are():
    note = "thin evidence: 1 passages of weight 0.6; read this verdict as a lead to check, not a finding"
    assert note_text(note, "en") == note
