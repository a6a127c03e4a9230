"""Obstacles stated in so many words (pipeline/aggregate/obstacles.py) reach the verdicts' obstacle lists."""

from __future__ import annotations

from pipeline.aggregate.obstacles import stated_codes, stated_obstacles
from pipeline.aggregate.verdicts import Thresholds, aggregate
from pipeline.data import Document, Passage


def test_lists_of_obstacles_in_both_languages_give_every_code():
    assert set(stated_codes("Kendala utamanya adalah anggaran yang terbatas, birokrasi yang berbelit, dan kurangnya "
                            "koordinasi antardinas.")) == {"budget", "bureaucracy", "coordination"}
    assert set(stated_codes("The main challenges were budgetary constraints, a shortage of staff and language "
                            "barriers.")) == {"budget", "hr_capacity", "language"}


def test_general_statements_denials_and_problems_the_cooperation_solves_give_none():
    # theory about sister cities in general, with a citation
    assert stated_codes("Hambatan kerja sama sister city pada umumnya berupa anggaran terbatas (Mukti, 2013).") == []
    assert stated_codes("Such partnerships typically face language barriers.") == []
    # an obstacle denied
    assert stated_codes("Menurut Kepala Bagian, program berjalan tanpa kendala anggaran.") == []
    # a problem the cooperation takes on is its subject, not its obstacle
    assert stated_codes("Kerja sama ini membantu mengatasi masalah banjir di bantaran sungai.") == []
    # a disaster is an obstacle only when it held the cooperation up
    assert "external_crisis" not in stated_codes("Latihan bersama menghadapi masalah tsunami digelar tiap tahun.")
    assert "external_crisis" in stated_codes("Kendala terbesar: pandemi membuat kunjungan 2020 dibatalkan.")
    # no head word and not an obstacle passage: not a stated obstacle
    assert stated_codes("Anggaran kegiatan ini terbatas pada biaya konsumsi.") == []


def test_words_inside_other_words_are_not_cues():
    assert stated_codes("Kendalanya ada di sektor pariwisata yang belum pulih.") == []


def test_an_obstacle_passage_needs_no_head_word_and_codes_go_to_its_elements_or_the_usual_one():
    p = Passage(doc="c/d", page=1, start=0, end=60, text="Anggaran dipotong, kunjungan balasan tahun itu batal.",
                case="c", stance="obstacle", elements=["reciprocity"])
    q = Passage(doc="c/d", page=1, start=61, end=120, text="Masalahnya, SDM yang menguasai bahasa asing terbatas.",
                case="c", stance="neutral")
    found = {(s.code, s.element) for s in stated_obstacles([p, q])}
    assert found == {("budget", "reciprocity"), ("hr_capacity", "commitment")}


def test_verdicts_report_stated_obstacles_citing_the_passage_and_can_be_turned_off():
    text = "Hambatan utama kerja sama ini adalah birokrasi yang rumit dan anggaran terbatas."
    p = Passage(doc="c/d", page=1, start=0, end=len(text), text=text, case="c", stance="neutral")
    docs = {"c/d": Document(doc="c/d", source="d.txt", case="c", type="paper")}
    verdicts = aggregate(["c"], [p], docs, Thresholds())
    codes = {o.code: o for v in verdicts["c"].values() for o in v.obstacles}
    assert {"bureaucracy", "budget"} <= set(codes)
    ev = codes["budget"].evidence[0]
    assert ev.kind == "stated" and ev.quote == text and (ev.doc, ev.start, ev.end) == ("c/d", 0, len(text))
    off = aggregate(["c"], [p], docs, Thresholds(stated_obstacles=False))
    assert not any(v.obstacles for v in off["c"].values())
