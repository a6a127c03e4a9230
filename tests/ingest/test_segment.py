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


def _former_sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """sentence_spans as it was written before its spans were kept and its look-arounds made cheaper."""
    import re

    from pipeline.ingest.segment import ABBREVIATIONS, SENTENCE_END

    spans: list[tuple[int, int]] = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        end = m.end()
        before = text[start : m.start()]
        word = re.search(r"([\w.]+)$", before)
        token = word.group(1).lower().rstrip(".") if word else ""
        if m.group(0).startswith(".") and (token in ABBREVIATIONS or (len(token) == 1 and token.isalpha())):
            continue
        nxt = text[end:].lstrip()[:1]
        if nxt and (nxt.islower() or nxt.isdigit()) and m.group(0).startswith("."):
            continue
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return [(s + offset, e + offset) for s, e in spans if e > s]


def test_sentence_spans_are_the_former_ones_on_the_demo_corpus_and_odd_texts():
    import random
    from pathlib import Path

    from pipeline.ingest.segment import sentence_spans

    demo = Path(__file__).resolve().parents[2] / "corpora" / "demo"
    texts = [p for f in sorted(demo.rglob("*.txt")) + sorted(demo.rglob("*.md"))
             for p in f.read_text(encoding="utf-8", errors="replace").split("\n\n")]
    texts += ["Dr.\nH. Ahmad. tiba.\u00a0 Rp 1.5 juta.\u2003ayat 2.", "a.\n", "x_y.\n. Z", "Kota.\u2029b", "Nº. 5", "abc.\n\n",
              ".", "", "   ", "Dr. Ir. H. Joko, M.Si. hadir.\nSelesai!  “Ya.” (Ok.) 3. ayat", "ⅻ. x", "٣. a", "_. b"]
    rng = random.Random(5)
    alphabet = "aZ .!?\n\t\u00a0\u2003_Ⅻ٣”)'drH"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))) for _ in range(3000)]
    assert len(texts) > 3000
    for offset in (0, 17):
        assert [sentence_spans(t, offset) for t in texts] == [_former_sentence_spans(t, offset) for t in texts]
    spans = sentence_spans("Satu dua. Tiga empat.")
    spans.append((0, 0))  # the caller's list is its own: the kept spans do not change
    assert sentence_spans("Satu dua. Tiga empat.") == [(0, 9), (10, 21)]


def test_the_next_character_and_the_word_before_read_as_lstrip_and_backslash_w_do():
    import re
    import sys

    from pipeline.ingest.segment import NEXT_CHAR, _word_before

    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    assert all((NEXT_CHAR.match(ch) is None) == ch.isspace() for ch in every)
    word = re.compile(r"\w")
    assert all((word.match(ch) is not None) == (ch.isalnum() or ch == "_") for ch in every)
    assert _word_before("x Dr.", 0, 4) == "Dr" and _word_before("a.b\n", 0, 4) == "a.b" and _word_before("a \n", 0, 3) == ""
