from __future__ import annotations

from pipeline.data import Block, Document, PageSpan
from pipeline.ingest.segment import segment, sentence_spans


def sentences(text):
    return [text[s:e] for s, e in sentence_spans(text)]


def test_abbreviations_titles_and_initials_do_not_end_a_sentence():
    text = ("Rapat dipimpin Dr. H. Ahmad Fauzi, S.IP., M.Si. dari Bappeda. Peserta membahas jalan, jembatan, "
            "dll. yang diusulkan. Bpk. Park Min-jae hadir pada 25 Nov. 2016 di Jl. Pemuda No. 3.")
    assert sentences(text) == [
        "Rapat dipimpin Dr. H. Ahmad Fauzi, S.IP., M.Si. dari Bappeda.",
        "Peserta membahas jalan, jembatan, dll. yang diusulkan.",
        "Bpk. Park Min-jae hadir pada 25 Nov. 2016 di Jl. Pemuda No. 3.",
    ]


def test_short_sentences_merge_forward_within_a_block_only():
    text = "Ya. Jadi gini, kerja samanya berhenti setelah tanda tangan itu.\n\nBetul. Tidak ada lagi surat dari mereka sejak itu."
    doc = Document(doc="d", source="s", case="c", text=text, pages=[PageSpan(1, 0, len(text))],
                   blocks=[Block(0, text.index("\n\n")), Block(text.index("Betul"), len(text))])
    passages = segment(doc)
    assert [p.text for p in passages] == [
        "Ya. Jadi gini, kerja samanya berhenti setelah tanda tangan itu.",
        "Betul. Tidak ada lagi surat dari mereka sejak itu.",
    ]
    assert all(text[p.start : p.end] == p.text for p in passages)


def test_headings_and_references_are_not_passages():
    text = "Daftar Pustaka\n\nRinggit, A. (2019). Kota kembar. Jurnal Kota, 3(2), 1-10."
    doc = Document(doc="d", source="s", case="c", text=text, pages=[PageSpan(1, 0, len(text))],
                   blocks=[Block(0, 14, kind="heading"), Block(16, len(text), kind="references")])
    assert segment(doc) == []
