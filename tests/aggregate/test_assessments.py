"""Published assessments: found in tiny real sentences of the demo papers, resolved, compared, and (only
when switched on) used to break a near tie."""

from __future__ import annotations

import pytest

from pipeline.aggregate.assessments import agreement, consensus, find_assessments, judge_sentence
from pipeline.aggregate.verdicts import Thresholds, aggregate, decide
from pipeline.data import Assessment, Document, PageSpan, Passage

CASE = "wirapura-asakuni"


def paper(paragraphs: list[tuple[str | None, str]], doc: str = "d" * 16, doc_type: str = "paper",
          case: str = CASE) -> tuple[Document, list[Passage]]:
    """A document whose passages are the given (section, text) paragraphs, two pages."""
    text = "\n\n".join(t for _, t in paragraphs)
    d = Document(doc=doc, source="tesis_2019.pdf", case=case, type=doc_type, text=text,
                 pages=[PageSpan(1, 0, len(text) // 2), PageSpan(2, len(text) // 2, len(text))])
    out, at = [], 0
    for section, t in paragraphs:
        out.append(Passage(doc=doc, page=d.page_at(at), start=at, end=at + len(t), text=t, case=case, section=section))
        at += len(t) + 2
    d.passages = out
    return d, out


def pairs(found: list[Assessment]) -> list[tuple[str, str]]:
    return [(a.element, a.value) for a in found]


# ----------------------------------------------------------------------------------------------- phrase families
@pytest.mark.parametrize("sentence, expected", [
    ("Dengan demikian elemen komitmen dinilai tidak terpenuhi.", [("commitment", "not_fulfilled")]),
    ("Pemahaman bersama dinilai terpenuhi.", [("understanding", "fulfilled")]),
    ("Hasil nyata dinilai terpenuhi sebagian.", [("outcomes", "partial")]),
    ("Partisipasi masyarakat hanya sebagian terpenuhi.", [("participation", "partial")]),
    ("Untuk partisipasi masyarakat, bukti yang tersedia tidak cukup untuk menarik kesimpulan.",
     [("participation", "insufficient_evidence")]),
    ("Resiprositas tidak dapat dinilai dari dokumen yang ada.", [("reciprocity", "insufficient_evidence")]),
    ("Community participation, however, was only partial, limited to a public festival and a single pair of "
     "sister schools, while businesses remained absent.", [("participation", "partial")]),
    ("Reciprocity was judged not met.", [("reciprocity", "not_fulfilled")]),
    ("Commitment was partly met.", [("commitment", "partial")]),
    ("There is too little evidence on community participation; participation was not assessed.", []),
    ("For participation there is too little evidence.", [("participation", "insufficient_evidence")]),
])
def test_each_phrase_family(sentence, expected):
    assert judge_sentence(sentence) == expected


def test_one_sentence_assesses_several_elements():
    s = ("Kerja sama Muara Kencana–Oostervaart memenuhi unsur komitmen, hubungan timbal balik, dan hasil nyata "
         "hanya sebagian, sedangkan pemahaman bersama tidak terpenuhi.")
    assert judge_sentence(s) == [("commitment", "partial"), ("reciprocity", "partial"), ("outcomes", "partial"),
                                 ("understanding", "not_fulfilled")]
    s = ("Kerja sama Karangsari–Seokjin memenuhi empat dari lima elemen: komitmen, pemahaman bersama, timbal balik "
         "dan hasil nyata saling menguatkan.")
    assert judge_sentence(s) == [(el, "fulfilled") for el in ("commitment", "understanding", "reciprocity", "outcomes")]
    s = ("Using the five elements of Tjandradewi and Marcotullio, the study finds that shared understanding was met, "
         "participation, reciprocity and outcomes were partial, and commitment was not met.")
    assert judge_sentence(s) == [("understanding", "fulfilled"), ("participation", "partial"),
                                 ("reciprocity", "partial"), ("outcomes", "partial"), ("commitment", "not_fulfilled")]


@pytest.mark.parametrize("sentence", [
    "Pintu air di muara Kanal Lakkang dinilai sebagai titik paling kritis.",
    "Secara keseluruhan, kerja sama ini dinilai berhasil pada empat aspek.",
    "Kuota peserta pelatihan terpenuhi pada hari pertama.",
    "Pertanyaan yang diajukan sederhana: unsur keberhasilan mana yang terpenuhi, dan mana yang tidak?",
    "Setiap temuan dikodekan menurut kelima elemen dan dinilai terpenuhi, sebagian, atau tidak terpenuhi.",
    "Kerja sama akan berhasil bila komitmen kedua pihak terpenuhi.",
    "Catatan sekecil itu tidak cukup untuk menyimpulkan apa pun, baik ke arah terpenuhi maupun tidak terpenuhi.",
    "Unsur ini paling lemah.",
    "Komitmen merujuk pada kesediaan kedua pihak mencurahkan waktu, tenaga, orang dan dana secara berkelanjutan.",
])
def test_statements_that_assess_no_element(sentence):
    assert judge_sentence(sentence, anaphor_element="participation") == []


# ----------------------------------------------------------------------------------------------- documents
def test_elemen_ini_takes_the_element_of_its_heading_and_quotes_are_exact():
    d, ps = paper([
        ("5.1 Komitmen", "Monitoring bersama hanya terjadi sekali. Dengan demikian elemen komitmen dinilai tidak terpenuhi."),
        ("5.2 Partisipasi Masyarakat", "Kader PKK terlibat aktif. Elemen ini dinilai terpenuhi sebagian."),
        ("5.4 Hubungan Timbal Balik", "Undangan Asakuni tidak dijawab. Elemen ini dinilai terpenuhi sebagian."),
    ])
    found = find_assessments(ps, {d.doc: d})
    assert pairs(found) == [("commitment", "not_fulfilled"), ("participation", "partial"), ("reciprocity", "partial")]
    for a in found:
        assert d.text[a.start:a.end] == a.quote and a.quote.endswith("."), a
        assert a.case == CASE and a.source == "tesis_2019.pdf" and a.doc_type == "paper"
        assert any(a.passage == p.key and p.start <= a.start and a.end <= p.end for p in ps)
    assert found[0].quote == "Dengan demikian elemen komitmen dinilai tidak terpenuhi."
    assert [a.page for a in found] == [d.page_at(a.start) for a in found]


def test_elemen_ini_without_an_element_heading_takes_the_paragraph_opening():
    d, ps = paper([("4. Temuan", "Komitmen pihak Oostervaart terlihat konsisten."),
                   ("4. Temuan", "Unsur ini hampir tidak dapat dinilai.")])
    assert pairs(find_assessments(ps, {d.doc: d})) == [("commitment", "insufficient_evidence")]
    d, ps = paper([("4. Temuan", "Kunjungan berlangsung dua arah."), ("4. Temuan", "Unsur ini dinilai terpenuhi.")])
    assert find_assessments(ps, {d.doc: d}) == []  # nothing to resolve it to: no guess


def test_only_the_passages_of_the_case():
    d, ps = paper([("5.1 Komitmen", "Dengan demikian elemen komitmen dinilai tidak terpenuhi.")])
    ps[0].case = "tanjungwaru-aldenbruck"
    assert find_assessments(ps, {d.doc: d}, case=CASE) == []
    assert [a.case for a in find_assessments(ps, {d.doc: d})] == ["tanjungwaru-aldenbruck"]


def test_consensus_and_agreement():
    a = Assessment(CASE, "commitment", "partial", "x", 1, 0, 1, ".", "x:0-1")
    b = Assessment(CASE, "commitment", "fulfilled", "x", 1, 0, 1, ".", "x:0-1")
    assert consensus([a, a]) == "partial" and consensus([a, b]) == "mixed" and consensus([]) is None
    assert agreement("partial", "partial") == "agrees"
    assert agreement("partial", "fulfilled") == "one_step"
    assert agreement("not_fulfilled", "fulfilled") == "conflict"
    assert agreement("insufficient_evidence", "partial") == "differs"
    assert agreement("mixed", "partial") == "sources_disagree"
    assert agreement(None, "partial") is None


# ----------------------------------------------------------------------------------------------- verdicts
def evidence_doc(n_pos: int, n_neg: int) -> tuple[Document, list[Passage]]:
    """A visit report with n_pos positive and n_neg obstacle commitment passages (weight 1 each)."""
    texts = [f"Kunjungan {i} dibiayai APBD." for i in range(n_pos)] + [f"Anggaran {i} dipotong." for i in range(n_neg)]
    d, ps = paper([(None, t) for t in texts], doc="e" * 16, doc_type="visit_report")
    for i, p in enumerate(ps):
        p.elements, p.stance = ["commitment"], "positive" if i < n_pos else "obstacle"
        p.scores, p.stance_scores = {"commitment": 1.0}, {p.stance: 1.0}
    return d, ps


def cell(n_pos, n_neg, statement, thresholds=None, doc_type="paper", lang="id"):
    ev, eps = evidence_doc(n_pos, n_neg)
    pub, pps = paper([("5.1 Komitmen", statement)], doc_type=doc_type)
    docs = {ev.doc: ev, pub.doc: pub}
    return aggregate([CASE], eps + pps, docs, thresholds, lang=lang)[CASE]["commitment"], pub


def test_verdict_lists_the_assessment_and_cites_it_exactly():
    v, pub = cell(7, 3, "Dengan demikian elemen komitmen dinilai tidak terpenuhi.")  # score +0.40: partial
    # a researcher's stated finding sets the verdict; the evidence-based status stays beside it
    assert v.evidence_status == "partial" and v.status == "not_fulfilled" and v.basis == "published"
    assert v.published_assessment == "not_fulfilled" and v.published_agreement == "one_step"
    assert [a.quote for a in v.assessments] == ["Dengan demikian elemen komitmen dinilai tidak terpenuhi."]
    published = [s for s in v.sentences if any(e.stance == "published" for e in s.cites)]
    assert len(published) == 3  # the assessment quoted, how it relates to the evidence, and that it decides
    for s in published:
        for e in s.cites:
            assert pub.text[e.start:e.end] == e.quote and f"[{e.source}, hlm. {e.page}]" in s.text
    assert "\u201cDengan demikian elemen komitmen dinilai tidak terpenuhi.\u201d" in published[0].text
    assert any("published assessment" in n and "one_step" in n and "sets the verdict" in n for n in v.notes)
    assert v.summary == " ".join(s.text for s in v.sentences)
    off = cell(7, 3, "Dengan demikian elemen komitmen dinilai tidak terpenuhi.", Thresholds(published_findings=False))[0]
    assert off.status == off.evidence_status == "partial" and off.basis == "evidence"


def test_tiebreak_is_off_by_default_and_moves_only_a_near_tie_one_step_away():
    statement = "Dengan demikian elemen komitmen dinilai terpenuhi."
    # the tie-break on its own: without the findings rule, and with stated verdicts not weighed as accounts
    on = Thresholds(published_tiebreak=True, published_findings=False, source_kinds=False)
    v, _ = cell(7, 3, statement, on)  # score +0.40, 0.05 below the fulfilled cut-off 0.45
    assert (v.status, v.evidence_status, v.basis) == ("fulfilled", "partial", "tiebreak")
    assert any("breaks the tie" in n for n in v.notes)
    assert any("0.05" in s.text and any(e.stance == "published" for e in s.cites) for s in v.sentences)
    assert cell(7, 3, statement, Thresholds(published_findings=False, source_kinds=False))[0].status == "partial"
    assert cell(6, 4, statement, on)[0].status == "partial"  # +0.20: 0.25 from the cut-off
    far = cell(7, 3, "Dengan demikian elemen komitmen dinilai tidak terpenuhi.", on)[0]
    assert far.status == "partial"  # not_fulfilled is one step from partial, but +0.40 is far from -0.40
    v, _ = cell(2, 8, statement, on)  # -0.60 not_fulfilled, published fulfilled: two steps, never
    assert v.status == "not_fulfilled" and v.published_agreement == "conflict"
    assert cell(7, 3, statement, on, doc_type="interview")[0].status == "partial"  # an informant is not published
    insufficient = cell(0, 0, statement, on)[0]
    assert insufficient.status == "insufficient_evidence" and insufficient.published_agreement == "differs"


def test_sources_that_disagree_never_break_a_tie():
    on = Thresholds(published_tiebreak=True, published_findings=False)
    ev, eps = evidence_doc(7, 3)
    a, aps = paper([("5.1 Komitmen", "Dengan demikian elemen komitmen dinilai terpenuhi.")], doc="a" * 16)
    b, bps = paper([("5.1 Komitmen", "Komitmen dinilai terpenuhi sebagian.")], doc="b" * 16)
    docs = {d.doc: d for d in (ev, a, b)}
    v = decide(CASE, "commitment", eps + aps + bps, docs, on, assessments=find_assessments(aps + bps, docs))
    assert v.status == "partial" and v.published_assessment == "mixed" and v.published_agreement == "sources_disagree"


def test_english_sentences():
    v, _ = cell(7, 3, "Dengan demikian elemen komitmen dinilai terpenuhi.",
                Thresholds(published_tiebreak=True, published_findings=False, source_kinds=False), lang="en")
    texts = " ".join(s.text for s in v.sentences)
    assert "Assessment stated in a paper/thesis: fulfilled" in texts and "cut-off between partly fulfilled" in texts


def test_the_published_tiebreak_setting_reaches_the_shipped_thresholds(monkeypatch):
    """`--published-tiebreak` (or SISTERCITY_PUBLISHED_TIEBREAK, read by `Settings.from_env` only) is the
    `published_tiebreak` setting; every aggregation path takes its thresholds from `shipped_thresholds`
    with it, and the environment read later changes nothing."""
    from pipeline.config import Settings
    from pipeline.stages import shipped_thresholds

    monkeypatch.delenv("SISTERCITY_PUBLISHED_TIEBREAK", raising=False)
    assert Settings.from_env().published_tiebreak is False
    assert Settings.from_env(published_tiebreak=True).published_tiebreak is True
    monkeypatch.setenv("SISTERCITY_PUBLISHED_TIEBREAK", "1")
    assert Settings.from_env().published_tiebreak is True
    assert shipped_thresholds([]).published_tiebreak is False  # a stage never reads the environment
    assert shipped_thresholds([], published_tiebreak=True).published_tiebreak is True
    monkeypatch.setenv("SISTERCITY_PUBLISHED_TIEBREAK", "no")
    assert Settings.from_env().published_tiebreak is False


def test_the_reports_are_rewritten_when_the_tiebreak_setting_changes(monkeypatch, tmp_path):
    from pipeline.config import Settings
    from pipeline.flows import report_inputs
    from pipeline.store.db import Store

    store = Store(f"sqlite:///{tmp_path / 's.db'}")
    settings = Settings(db=store.url, reports=tmp_path / "r", inbox=tmp_path)
    off = report_inputs(store, {}, settings, [])
    assert report_inputs(store, {}, settings, []) == off
    settings.published_tiebreak = True
    assert report_inputs(store, {}, settings, []) != off


# ----------------------------------------------------------------------------------------------- field forms
# Invented sentences in the ways authors state verdicts: lists after a value, counts of the five elements, the
# framework's own wordings of the elements, "partially met", "remains weak", table rows.
@pytest.mark.parametrize("sentence, expected", [
    ("Dari lima elemen kunci, tiga elemen belum terpenuhi, yaitu komitmen, partisipasi masyarakat, dan hubungan "
     "timbal balik.", [("commitment", "not_fulfilled"), ("participation", "not_fulfilled"),
                       ("reciprocity", "not_fulfilled")]),
    ("Three of the five key elements are not fulfilled, namely commitment to the link, mutual understanding and "
     "reciprocity.", [("commitment", "not_fulfilled"), ("understanding", "not_fulfilled"),
                      ("reciprocity", "not_fulfilled")]),
    ("Tiga dari lima elemen tidak terpenuhi: komitmen, pemahaman bersama dan timbal balik, sedangkan hasil nyata "
     "terpenuhi sebagian.", [("commitment", "not_fulfilled"), ("understanding", "not_fulfilled"),
                             ("reciprocity", "not_fulfilled"), ("outcomes", "partial")]),
    ("Menurut temuan penulis, sejumlah poin dari kerangka UNDP sudah dipenuhi seperti adanya kesepakatan secara "
     "resmi, adanya kelompok yang mewakili masyarakat, pemahaman mengenai keberlanjutan program, manfaat bersama "
     "bagi kedua kota dan hasil kerja sama yang terlihat.",
     [(el, "fulfilled") for el in ("commitment", "participation", "understanding", "reciprocity", "outcomes")]),
    ("The study shows that two elements were fulfilled, such as a legal agreement and mutual benefit.",
     [("commitment", "fulfilled"), ("reciprocity", "fulfilled")]),
    ("Dari kelima unsur, empat dinilai terpenuhi dan satu, yakni pemahaman bersama, terpenuhi sebagian.",
     [("understanding", "partial")]),
    ("Community participation was only partially met.", [("participation", "partial")]),
    ("Outcomes are partially achieved, confined to one village.", [("outcomes", "partial")]),
    ("Mutual understanding and reciprocity are fulfilled; participation and outcomes are partly so.",
     [("understanding", "fulfilled"), ("reciprocity", "fulfilled"), ("participation", "partial"),
      ("outcomes", "partial")]),
    ("Outcomes have not yet been achieved.", [("outcomes", "not_fulfilled")]),
    ("Reciprocity remains weak, as visits ran one way.", [("reciprocity", "partial")]),
    ("Partisipasi masyarakat masih lemah.", [("participation", "partial")]),
    ("Kerja sama ini berjalan, tetapi partisipasi warga masih perlu ditingkatkan.", [("participation", "partial")]),
    ("Komitmen kedua pihak belum dipenuhi.", [("commitment", "not_fulfilled")]),
    ("| Komitmen | Tidak terpenuhi | tidak ada anggaran |", [("commitment", "not_fulfilled")]),
    ("| Community participation | Partially fulfilled | two fishers' groups |", [("participation", "partial")]),
])
def test_field_forms(sentence, expected):
    assert judge_sentence(sentence) == expected


@pytest.mark.parametrize("sentence", [
    "Hasil kunjungan dipenuhi dengan agenda yang padat.",  # "hasil" outside a list after a value
    "Kedua kota sepakat meningkatkan hasil kerja sama dan manfaat bersama.",
    "Jika komitmen tidak terpenuhi, kerja sama akan berhenti.",
    "The partnership needs to be improved.",
    "Kerangka UNDP memuat lima elemen, yaitu komitmen, partisipasi, pemahaman, timbal balik dan hasil.",
    "Three of the five elements are discussed below: commitment, participation and reciprocity.",
])
def test_lists_without_a_value_assess_nothing(sentence):
    assert judge_sentence(sentence) == []


def test_a_count_left_open_is_taken_by_the_list_in_the_next_sentence():
    d, ps = paper([("Abstract", "We conclude that three of the five key elements of this partnership are not "
                                "fulfilled. Which are the commitment to the link, the participation of the community, "
                                "and reciprocity. The other two are partly met.")])
    found = find_assessments(ps, {d.doc: d})
    assert pairs(found) == [("commitment", "not_fulfilled"), ("participation", "not_fulfilled"),
                            ("reciprocity", "not_fulfilled")]
    assert all(a.quote.startswith("Which are") and d.text[a.start:a.end] == a.quote for a in found)
    # no open count before it: a list on its own assesses nothing
    d, ps = paper([("Abstract", "We studied the link. Which are commitment to the link and reciprocity.")])
    assert find_assessments(ps, {d.doc: d}) == []
