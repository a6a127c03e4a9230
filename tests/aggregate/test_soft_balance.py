"""A cell where no passage was read as evidence with confidence gets its status from the probabilities."""

from __future__ import annotations

from pipeline.aggregate.verdicts import Thresholds, decide
from pipeline.data import Document, Passage

CASE = "kota-a-kota-b"


def _passages(rows, doc_type="news"):
    d = Document(doc="d" * 16, source="berita.txt", case=CASE, type=doc_type)
    out, start = [], 0
    for text, p_pos, p_obs, p_el in rows:
        out.append(Passage(doc=d.doc, page=1, start=start, end=start + len(text), text=text, case=CASE,
                           scores={"outcomes": p_el}, elements=[], stance="neutral",
                           stance_scores={"positive": p_pos, "obstacle": p_obs, "neutral": 1 - p_pos - p_obs}))
        start += len(text) + 1
    d.text = " ".join(r[0] for r in rows)
    return d, out


def test_probabilities_decide_where_no_passage_was_read_as_evidence():
    d, ps = _passages([("Pelatihan guru dari kota mitra sudah diikuti 40 guru.", 0.40, 0.05, 0.35),
                       ("Kursus bahasa bagi pegawai juga telah berjalan dua angkatan.", 0.35, 0.05, 0.30),
                       ("Kota ini terletak di tepi sungai.", 0.05, 0.02, 0.02)])
    v = decide(CASE, "outcomes", ps, {d.doc: d})
    assert v.status == "fulfilled" and v.basis == "evidence" and v.evidence_status == "fulfilled"
    assert any(n.startswith("thin evidence: no passage was read as evidence on outcomes") for n in v.notes)
    weak = [e for e in v.evidence if e.kind == "weak"]
    assert weak and weak[0].quote.startswith("Pelatihan guru") and all(e.stance == "positive" for e in weak)
    assert all(d.text[e.start:e.end] == e.quote for e in weak)
    off = decide(CASE, "outcomes", ps, {d.doc: d}, Thresholds(soft_floor=None))
    assert off.status == "insufficient_evidence" and any(n.startswith("gap:") for n in off.notes)


def test_obstacle_probabilities_give_not_fulfilled_and_faint_ones_stay_a_gap():
    d, ps = _passages([("Sejak MoU ditandatangani tidak ada kegiatan sama sekali.", 0.05, 0.45, 0.40),
                       ("Program pertukaran yang dijanjikan tidak pernah terlaksana.", 0.05, 0.40, 0.35)])
    assert decide(CASE, "outcomes", ps, {d.doc: d}).status == "not_fulfilled"
    faint_d, faint = _passages([("Kota ini terletak di tepi sungai.", 0.05, 0.02, 0.05)])
    assert decide(CASE, "outcomes", faint, {faint_d.doc: faint_d}).status == "insufficient_evidence"


def test_hopes_alone_stay_insufficient_however_likely():
    d, ps = _passages([("Wali kota berharap kerja sama segera memberi hasil.", 0.6, 0.0, 0.6)] * 6)
    v = decide(CASE, "outcomes", ps, {d.doc: d})
    assert v.status == "insufficient_evidence"
