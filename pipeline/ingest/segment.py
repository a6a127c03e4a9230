"""Split a document's blocks into passages: sentences, short ones merged forward.

A passage never crosses a block (paragraph, turn, table row) and so never a
section. Offsets are into the document text.
"""

from __future__ import annotations

import functools
import re

from pipeline.data import Block, Document, Passage

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = {
    "dr", "drs", "dra", "ir", "h", "hj", "prof", "st", "s.ip", "m.si", "s.sos", "s.t", "m.t", "s.h", "m.h",
    "s.e", "m.m", "m.a", "s.pd", "m.pd", "s.kom", "bpk", "sdr", "sdri", "yth", "no", "nomor", "hlm", "hal",
    "dll", "dsb", "dkk", "tsb", "jl", "kab", "kec", "kel", "prov", "ttd", "a.n", "u.p", "vol", "ed", "et al",
    "mr", "mrs", "ms", "jan", "feb", "mar", "apr", "jun", "jul", "agt", "agu", "ags", "sep", "okt", "nov", "des",
    "rp", "tbk", "pt", "cv", "wib", "i.e", "e.g", "vs", "pp", "kota",
}
SENTENCE_END = re.compile(r"[.!?]+[\"'”’)]*(?=\s+|$)")
MIN_WORDS = 5
MAX_CHARS = 700


NEXT_CHAR = re.compile(r"\S")  # re's \s is str.isspace(): the first character str.lstrip() would keep


def sentence_spans(text: str, offset: int = 0) -> list[tuple[int, int]]:
    """The sentences of `text` as (start, end), shifted by `offset`. A text's spans are worked out once and kept
    for the next ask (`_sentence_spans`): the NER's sentence component asks again for the blocks just segmented."""
    spans = _sentence_spans(text)
    return list(spans) if not offset else [(s + offset, e + offset) for s, e in spans]


@functools.lru_cache(maxsize=512)
def _sentence_spans(text: str) -> tuple[tuple[int, int], ...]:
    spans: list[tuple[int, int]] = []
    start = 0
    for m in SENTENCE_END.finditer(text):
        end = m.end()
        stop = m.start()
        if text[stop] == ".":
            token = _word_before(text, start, stop).lower().rstrip(".")
            if token in ABBREVIATIONS or (len(token) == 1 and token.isalpha()):
                continue  # "Dr.", "H.", initials
            nxt = NEXT_CHAR.search(text, end)
            if nxt is not None and (nxt.group().islower() or nxt.group().isdigit()):
                continue  # "Rp 1.5", "pasal 3. ayat" - not a boundary before a lower-case word
        spans.append((start, end))
        start = end
        while start < len(text) and text[start].isspace():
            start += 1
    if start < len(text) and text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return tuple((s, e) for s, e in spans if e > s)


def _word_before(text: str, start: int, stop: int) -> str:
    r"""What `re.search(r"([\w.]+)$", text[start:stop])` finds (else ""): the run of word characters and stops
    that ends `text[start:stop]`, or ends it but for one closing newline (where `$` matches too)."""
    end = stop - 1 if stop > start and text[stop - 1] == "\n" else stop
    i = end
    while i > start and ((ch := text[i - 1]).isalnum() or ch == "_" or ch == "."):  # \w is isalnum() or "_"
        i -= 1
    return text[i:end]


def passages_for_block(doc: Document, block: Block) -> list[Passage]:
    text = doc.text[block.start : block.end]
    spans = sentence_spans(text, block.start)
    merged: list[list[int]] = []
    for s, e in spans:
        if merged and (len(doc.text[merged[-1][0] : merged[-1][1]].split()) < MIN_WORDS) and e - merged[-1][0] <= MAX_CHARS:
            merged[-1][1] = e
        else:
            merged.append([s, e])
    if len(merged) > 1 and len(doc.text[merged[-1][0] : merged[-1][1]].split()) < MIN_WORDS:
        if merged[-1][1] - merged[-2][0] <= MAX_CHARS:
            last = merged.pop()
            merged[-1][1] = last[1]
    return [
        Passage(doc=doc.doc, page=doc.page_at(s), start=s, end=e, text=doc.text[s:e], case=doc.case,
                section=block.section, speaker=block.speaker, kind=block.kind)
        for s, e in merged
    ]


def segment(doc: Document) -> list[Passage]:
    """Passages of every block except headings and reference entries."""
    out: list[Passage] = []
    for block in doc.blocks:
        if block.kind in {"heading", "references"}:
            continue
        out.extend(passages_for_block(doc, block))
    return out
