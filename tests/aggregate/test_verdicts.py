from __future__ import annotations

from pipeline.aggregate.verdicts import Thresholds, decide
from pipeline.data import Document, Passage


def make(text_stances, case="c1", doc_type="interview"):
    text = ""
    passages = []
    for words, stance, elements, obstacles in text_stances:
        start = len(text)
        text += words + " "
        passages.append(Passage(doc="d1", page=1, start=start, end=start + len(words), text=words, case=case,
                                scores={e: 0.9 for e in elements}, elements=elements, stance=stance,
                                stance_scores={stance: 0.9}, obstacles=obstacles))
    doc = Document(doc="d1", source="wawancara.txt", case=case, type=doc_type, text=text)
    return passages, {"d1": doc}


def test_mostly_positive_evidence_is_fulfilled_and_cites_it():
    passages, docs = make([("Kunjungan balasan dilakukan setiap tahun.", "positive", ["commitment"], [])] * 4
                          + [("Anggaran sempat dipotong.", "obstacle", ["commitment"], ["budget"])])
    v = decide("c1", "commitment", passages, docs)
    assert v.status == "fulfilled" and v.score > 0.35
    assert len(v.evidence) == 5
    assert v.obstacles[0].code == "budget" and v.obstacles[0].count == 1
    assert v.summary == " ".join(s.text for s in v.sentences)
    for sentence in v.sentences:
        assert sentence.cites and "[wawancara.txt, hlm. 1]" in sentence.text


def test_mostly_obstacles_is_not_fulfilled():
    passages, docs = make([("Tidak ada tindak lanjut.", "obstacle", ["commitment"], ["no_follow_up"])] * 4)
    assert decide("c1", "commitment", passages, docs).status == "not_fulfilled"


def test_mixed_evidence_is_partial():
    passages, docs = make([("Pelatihan berjalan.", "positive", ["outcomes"], [])] * 3
                          + [("Hasilnya hilang setelah mutasi.", "obstacle", ["outcomes"], ["staff_turnover"])] * 3)
    assert decide("c1", "outcomes", passages, docs).status == "partial"


def test_thin_evidence_is_insufficient_and_other_cases_do_not_count():
    passages, docs = make([("Sekolah ikut festival.", "positive", ["participation"], [])])
    other, _ = make([("Sekolah ikut festival.", "positive", ["participation"], [])] * 5, case="c2")
    v = decide("c1", "participation", passages + other, docs, Thresholds())
    # one account is enough for a verdict, flagged as thin; the other case's five passages do not count
    assert v.status == "fulfilled" and len(v.evidence) == 1
    assert "single document" in " ".join(v.notes) and any(n.startswith("thin evidence: 1 passages") for n in v.notes)
    # with no passage of its own the case has no verdict
    assert decide("c1", "participation", other, docs, Thresholds()).status == "insufficient_evidence"


def test_neutral_passages_are_not_evidence():
    passages, docs = make([("Yang dimaksud komitmen adalah kesungguhan.", "neutral", [], [])] * 6)
    v = decide("c1", "commitment", passages, docs)
    assert v.evidence == [] and v.status == "insufficient_evidence" and v.summary == ""


def test_sides_and_english_summaries(case_karangsari):
    passages, docs = make([("Delegasi Karangsari berkunjung ke Seokjin-si dengan dana APBD.", "positive", ["commitment"], []),
                           ("Pemkot Karangsari menganggarkan kunjungan setiap tahun.", "positive", ["commitment"], []),
                           ("Karangsari mengirim staf untuk pelatihan.", "positive", ["commitment"], [])],
                          case="karangsari-seokjin")
    v = decide("karangsari-seokjin", "commitment", passages, docs, case_info=case_karangsari, lang="en")
    assert [e.side for e in v.evidence].count("local") >= 2
    assert any("only the local side" in n for n in v.notes)
    assert v.sentences[0].text.startswith("Commitment: fulfilled")
    assert any("about Karangsari" in s.text for s in v.sentences)
    for s in v.sentences:
        assert s.cites


def test_side_of_names_the_acting_city(case_karangsari):
    from pipeline.aggregate.verdicts import side_of

    assert side_of("Tim dari Seokjin City datang.", case_karangsari) == "partner"
    assert side_of("Karangsari dan Seokjin-si bertukar guru.", case_karangsari) == "both"
    assert side_of("Anggaran dipotong.", case_karangsari) is None


def two_docs(rows, case="c1"):
    """`make`, with the passages alternating between two documents."""
    passages, docs = make(rows, case=case)
    for i, p in enumerate(passages):
        p.doc = "d1" if i % 2 == 0 else "d2"
    docs["d2"] = Document(doc="d2", source="laporan.txt", case=case, type="visit_report", text=docs["d1"].text)
    return passages, docs


def test_insufficient_verdict_says_why():
    passages, docs = make([("Dua dosen turut hadir atas undangan Bappeda.", "positive", ["participation"], []),
                           ("Belum ada sosialisasi ke warga.", "obstacle", ["participation"], [])])
    v = decide("c1", "participation", passages, docs, Thresholds(min_passages=3, min_weight=1.0))
    assert v.status == "insufficient_evidence"
    assert any("needs at least 3 passages" in n for n in v.notes)


def test_one_document_is_not_fulfilled_under_the_codebook_rules():
    rows = [("Kunjungan balasan dilakukan setiap tahun.", "positive", ["commitment"], [])] * 4
    passages, docs = make(rows)
    assert decide("c1", "commitment", passages, docs, Thresholds()).status == "fulfilled"
    v = decide("c1", "commitment", passages, docs, Thresholds(codebook_rules=True))
    assert v.status == "partial"
    assert any("one document" in n for n in v.notes)
    why = [s for s in v.sentences if "satu dokumen" in s.text]
    assert len(why) == 1 and why[0].cites and "[wawancara.txt, hlm. 1]" in why[0].text
    passages, docs = two_docs(rows)
    assert decide("c1", "commitment", passages, docs, Thresholds(codebook_rules=True)).status == "fulfilled"


def test_one_side_is_not_fulfilled_under_the_codebook_rules(case_karangsari):
    local = [("Pemkot Karangsari menganggarkan kunjungan setiap tahun.", "positive", ["commitment"], []),
             ("Karangsari mengirim staf untuk pelatihan.", "positive", ["commitment"], [])]
    passages, docs = two_docs(local * 2, case="karangsari-seokjin")
    v = decide("karangsari-seokjin", "commitment", passages, docs, Thresholds(codebook_rules=True),
               case_info=case_karangsari, lang="en")
    assert v.status == "partial" and v.sentences[0].text.startswith("Commitment: partly fulfilled")
    why = [s for s in v.sentences if "name only" in s.text]
    assert len(why) == 1 and "Karangsari" in why[0].text and all(e.side == "local" for e in why[0].cites)
    both = local + [("Seokjin-si mengirim dua insinyur ke Karangsari.", "positive", ["commitment"], []),
                    ("Tim dari Seokjin City mendampingi pembangunan jembatan.", "positive", ["commitment"], [])]
    passages, docs = two_docs(both, case="karangsari-seokjin")
    v = decide("karangsari-seokjin", "commitment", passages, docs, Thresholds(codebook_rules=True),
               case_info=case_karangsari)
    assert v.status == "fulfilled" and not any("name only" in s.text for s in v.sentences)
    # reciprocity is held to both sides too; outcomes is not
    assert Thresholds.fulfilled_blocked_by("reciprocity", {"pos_docs": 3, "pos_sides": {"partner"}}) == "one_side"
    assert Thresholds.fulfilled_blocked_by("outcomes", {"pos_docs": 3, "pos_sides": {"partner"}}) is None
