"""The "why it stalls" part, read as a researcher reads it: per demo case, obstacles quoted from that
case's own documents with file and page; strongest evidence that is substantive and the case's own."""

from __future__ import annotations

import re

import pytest

from pipeline.data import Evidence
from pipeline.report.stalls import analyse, substantive
from tests.report.demo import all_demo_reports

QUOTE = re.compile(r"\u201c(.+?)\u201d \[([a-z-]+)/([^,\]]+), hlm\. (\d+);")


def _why_part(md: str, case: str) -> str:
    part = md.split(f"\n## {case}\n", 1)[1]
    return part.split("### Mengapa kerja sama ini macet?", 1)[1].split("\n#### ", 1)[0]


@pytest.mark.slow
def test_every_demo_case_quotes_obstacles_from_its_own_documents(tmp_path_factory):
    out, docs = all_demo_reports(tmp_path_factory)
    md = (out / "report.md").read_text(encoding="utf-8")
    by_source = {(d.case, d.source): d for d in docs}
    cases = sorted({d.case for d in docs if d.case})
    assert len(cases) == 30
    for case in cases:
        why = _why_part(md, case)
        own = []
        for quote, home, source, page in QUOTE.findall(why):
            d = by_source[(home, source)]
            assert quote in " ".join(d.text.split()), (case, source, quote)  # exact (whitespace as in report.md)
            if home == case:
                own.append((source, page, quote))
        assert len({q for _, _, q in own}) >= 2, (case, why[:500])
        assert "[" in why and "hlm." in why


@pytest.mark.slow
def test_strongest_evidence_is_substantive_and_the_case_own(tmp_path_factory):
    out, _ = all_demo_reports(tmp_path_factory)
    md = (out / "report.md").read_text(encoding="utf-8")
    for case in ("tanjungwaru-aldenbruck", "muarakencana-oostervaart"):
        part = md.split(f"\n## {case}\n", 1)[1].split("\n## ", 1)[0]
        both = part.split("#### Bukti terkuat per elemen, kedua sisi", 1)[1].split("### Putusan", 1)[0]
        for line in both.splitlines():
            if "mendukung:" in line:
                assert "pelayaran wisata" not in line and "ditanggung" not in line, line
                m = QUOTE.search(line)
                if m:
                    assert m[2] == case or "dikaitkan ke kasus ini" in line, line


def _ev(quote, doc="d1", stance="positive", weight=1.0, side=None, start=0):
    return Evidence(doc=doc, page=1, start=start, end=start + len(quote), quote=quote, stance=stance, weight=weight,
                    source=f"{doc}.txt", doc_type="interview", side=side)


def test_substantive_leaves_out_cost_clauses_sightseeing_questions_and_fragments():
    assert not substantive(_ev("Biaya perjalanan ditanggung oleh masing-masing pihak sesuai ketentuan yang berlaku."),
                           "understanding")
    assert substantive(_ev("Biaya perjalanan ditanggung oleh masing-masing pihak sesuai ketentuan yang berlaku."),
                       "commitment")
    assert not substantive(_ev("Delegasi mengikuti pelayaran wisata di sungai selama kurang lebih dua jam."), "outcomes")
    assert not substantive(_ev("P: Apakah ada tindak lanjut setelah penandatanganan itu dari pihak dinas?"), "outcomes")
    assert not substantive(_ev("RW: Cepat sekali balasnya, dua hari."), "reciprocity")
    assert substantive(_ev("Tidak ada satu pun kegiatan kerja sama yang terlaksana sejak penandatanganan.",
                           stance="obstacle"), "outcomes")


def test_another_case_document_is_quoted_only_when_it_names_the_case_and_says_so():
    from pipeline.data import ObstacleFinding, Verdict

    own = _ev("Dinas tidak pernah diberi tahu tentang kerja sama ini sampai rapat dengan DPRD.", "own", "obstacle", 1.0)
    stray = _ev("Di kota kami dinas tidak pernah diberi tahu tentang kerja sama sampai rapat dengan DPRD.", "other",
                "obstacle", 2.0)
    paper = _ev("Di Tanjungwaru dinas teknis tidak pernah diberi tahu tentang kerja sama dengan Aldenbrück.", "paper",
                "obstacle", 1.5, side="both")
    v = Verdict(case="a", element="commitment", status="not_fulfilled", score=-1.0, evidence=[stray, paper, own],
                obstacles=[ObstacleFinding("coordination", 3, [stray, paper, own])])
    a = analyse("a", {"commitment": v}, {"own": "a", "other": "b", "paper": "c"})
    (ob,) = a.obstacles
    assert [q.evidence.doc for q in ob.quotes] == ["own", "paper"]  # own first; the stray one never
    assert ob.quotes[1].attributed_from == "c" and ob.quotes[0].attributed_from is None
    assert ob.passages == 2 and a.excluded_other_cases == 1
