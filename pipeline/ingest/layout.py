"""From positioned text lines to reading-order paragraphs.

Library-neutral: a page is a list of `Segment`s (a run of text on one line with
its box, in PDF points, origin bottom-left). This module removes running
headers/footers and page numbers, finds columns, splits paragraphs, marks
headings, tables and reference lists, and repairs end-of-line hyphenation.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

SOFT_HYPHEN = "\ufffe"  # pdfium's marker for a hyphen it considers a line-end break
PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*\d{1,4}\s*[-–—]|(?:halaman|hal\.|page|p\.)\s*\d{1,4}(?:\s*(?:dari|of|/)\s*\d{1,4})?|\d{1,4}(?:\s*/\s*\d{1,4})?)\s*$",
    re.IGNORECASE,
)
LIST_START = re.compile(r"^\s*(?:\(\d{1,2}\)|\d{1,2}[.)]\s|[a-z][.)]\s|[-•▪●]\s)")
LABEL_START = re.compile(r"^\s*[A-Z][\w .'’-]{0,30}:\s")  # "N: ...", "Waktu: ..." - only after a finished line
HEADING_START = re.compile(
    r"^(?:pasal\s+\d+|bab\s+[ivxlc\d]+|[ivx]{1,5}\.\s|\d{1,2}(?:\.\d{1,2})*\.?\s+[A-Z]|[A-H]\.\s+[A-Z])",
    re.IGNORECASE,
)
REFERENCES = re.compile(r"^\s*(daftar\s+pustaka|referensi|references|bibliografi|kepustakaan)\s*$", re.IGNORECASE)
SENT_END = re.compile(r"[.!?:;\"”)]\s*$")


@dataclass(slots=True)
class Segment:
    text: str
    left: float
    bottom: float
    right: float
    top: float


@dataclass(slots=True)
class Line:
    segments: list[Segment]
    column: int = 0

    @property
    def left(self) -> float:
        return min(s.left for s in self.segments)

    @property
    def right(self) -> float:
        return max(s.right for s in self.segments)

    @property
    def top(self) -> float:
        return max(s.top for s in self.segments)

    @property
    def bottom(self) -> float:
        return min(s.bottom for s in self.segments)

    @property
    def is_table_row(self) -> bool:
        return len(self.segments) > 1

    @property
    def text(self) -> str:
        return " | ".join(" ".join(s.text.split()) for s in self.segments)


@dataclass(slots=True)
class Para:
    kind: str  # paragraph | heading | table | references
    lines: list[str] = field(default_factory=list)
    continues_previous_page: bool = False

    def text(self, vocabulary: set[str] | None = None) -> str:
        return join_lines(self.lines, vocabulary) if self.kind != "table" else self.lines[0]


# --------------------------------------------------------------------------- lines
def group_lines(segments: list[Segment], word_gap: float = 14.0) -> list[Line]:
    """Merge segments that sit on one visual line and close together."""
    segs = sorted((s for s in segments if s.text.strip()), key=lambda s: (-s.top, s.left))
    lines: list[list[Segment]] = []
    for s in segs:
        height = max(s.top - s.bottom, 1.0)
        for line in reversed(lines[-4:]):
            ref = line[0]
            overlap = min(ref.top, s.top) - max(ref.bottom, s.bottom)
            if overlap > 0.5 * min(height, ref.top - ref.bottom or 1.0):
                line.append(s)
                break
        else:
            lines.append([s])
    out: list[Line] = []
    for group in lines:
        group.sort(key=lambda s: s.left)
        merged: list[Segment] = [group[0]]
        for s in group[1:]:
            last = merged[-1]
            if s.left - last.right <= word_gap:
                merged[-1] = Segment(f"{last.text} {s.text}", last.left, min(last.bottom, s.bottom), s.right, max(last.top, s.top))
            else:
                merged.append(s)
        out.append(Line(merged))
    return out


def split_columns(lines: list[Line], page_width: float) -> list[Line]:
    """Detect a two-column page and return its lines in reading order."""
    mid = page_width / 2
    pieces: list[Line] = []
    for ln in lines:  # a line made of a left and a right column segment is two lines
        if len(ln.segments) == 2 and ln.segments[0].right < mid < ln.segments[1].left:
            pieces.extend([Line([ln.segments[0]]), Line([ln.segments[1]])])
        else:
            pieces.append(ln)
    in_left = [ln.right < mid + 5 for ln in pieces]
    in_right = [ln.left > mid - 5 for ln in pieces]
    left = [ln for ln, inside in zip(pieces, in_left) if inside]
    right = [ln for ln, inside in zip(pieces, in_right) if inside]
    if len(pieces) < 8 or len(left) < 0.3 * len(pieces) or len(right) < 0.25 * len(pieces):
        return lines
    # neither column: the same test as above (a line equal to one in `left` has the same edges, so comparing
    # lines, as `ln not in left` did, gave the same answer at a quadratic cost in Line.__eq__)
    spanning = [ln for ln, a, b in zip(pieces, in_left, in_right) if not a and not b]
    top_of_columns = max((ln.top for ln in left + right), default=0)
    head = [ln for ln in spanning if ln.bottom >= top_of_columns]
    tail = [ln for ln in spanning if ln.bottom < top_of_columns]
    for ln in right:
        ln.column = 1
    key = lambda ln: -ln.top  # noqa: E731
    return sorted(head, key=key) + sorted(left, key=key) + sorted(right, key=key) + sorted(tail, key=key)


def mark_hyphens(lines: list[Line], splits: set[tuple[str, str]]) -> None:
    """End a line with U+FFFE where a word continues, hyphenated, on the next line."""
    if not splits:
        return
    for a, b in zip(lines, lines[1:]):
        last = a.segments[-1]
        tail = re.search(r"(\w+)$", last.text.rstrip())
        head = re.match(r"\s*(\w+)", b.segments[0].text)
        if tail and head and (tail.group(1), head.group(1)) in splits:
            last.text = last.text.rstrip() + SOFT_HYPHEN


# --------------------------------------------------------------------------- furniture
def furniture_keys(pages: list[list[Line]], page_height: float) -> set[str]:
    """Lines in the top or bottom band that recur (digits ignored) on many pages."""
    if len(pages) < 2:
        return set()
    band = 0.1 * page_height
    counts: Counter[str] = Counter()
    for lines in pages:
        seen = {_shape(ln.text) for ln in lines if ln.top > page_height - band or ln.bottom < band}
        counts.update(seen)
    need = max(2, int(0.5 * len(pages)))
    return {k for k, n in counts.items() if n >= need}


def _shape(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def strip_furniture(lines: list[Line], keys: set[str], page_height: float) -> list[Line]:
    band = 0.1 * page_height
    kept = []
    for ln in lines:
        in_band = ln.top > page_height - band or ln.bottom < band
        if in_band and (_shape(ln.text) in keys or PAGE_NUMBER.match(ln.text)):
            continue
        kept.append(ln)
    return kept


# --------------------------------------------------------------------------- paragraphs
def paragraphs(lines: list[Line]) -> list[Para]:
    """Split one page's reading-order lines into paragraphs, headings and table rows."""
    if not lines:
        return []
    pitches = [a.top - b.top for a, b in zip(lines, lines[1:]) if a.column == b.column and 0 < a.top - b.top < 40]
    pitch = sorted(pitches)[len(pitches) // 5] if pitches else 14.0  # the line pitch, not the paragraph gap
    widths = [ln.right - ln.left for ln in lines if not ln.is_table_row]
    full = max(widths) if widths else 400.0
    right_edge = {c: max((ln.right for ln in lines if ln.column == c), default=0) for c in (0, 1)}
    out: list[Para] = []
    prev: Line | None = None
    for ln in lines:
        text = ln.text
        if ln.is_table_row:
            out.append(Para("table", [text]))
            prev = ln
            continue
        short = (ln.right - ln.left) < 0.6 * full
        looks_heading = short and not SENT_END.search(text) and (
            HEADING_START.match(text) or text.isupper() or titlelike(text)
        )
        new = (
            prev is None
            or prev.is_table_row
            or (ln.column != prev.column and (SENT_END.search(prev.text) is not None or not text[:1].islower()))
            or (prev.top - ln.top) > 1.3 * pitch
            or ((prev.top - ln.top) < 0 and ln.column == prev.column)  # jumped back up: a new region
            or bool(LIST_START.match(text))
            or (bool(LABEL_START.match(text)) and SENT_END.search(prev.text) is not None)
            or (out and out[-1].kind == "heading")
            or looks_heading
            or (prev.right < right_edge[prev.column] - 0.15 * full and SENT_END.search(prev.text) is not None)
        )
        if new:
            kind = "heading" if looks_heading else "paragraph"
            if REFERENCES.match(text):
                kind = "heading"
            out.append(Para(kind, [text]))
        else:
            out[-1].lines.append(text)
        prev = ln
    return out


SMALL_WORDS = {"dan", "di", "ke", "dari", "untuk", "yang", "atau", "serta", "pada", "dengan", "dalam", "of", "and",
               "the", "in", "for", "to", "on", "a", "an"}


def titlelike(text: str) -> bool:
    """A short line whose words are capitalised, small function words aside ("Kesimpulan dan Saran")."""
    words = re.findall(r"[^\W\d_][\w'’-]*", text)
    if not words or len(words) > 8:
        return False
    return words[0][0].isupper() and all(w[0].isupper() or w.lower() in SMALL_WORDS for w in words)


def mark_references(paras: list[Para]) -> None:
    """Paragraphs after a references heading are reference entries."""
    inside = False
    for p in paras:
        if p.kind == "heading":
            inside = bool(REFERENCES.match(p.text()))
        elif inside and p.kind == "paragraph":
            p.kind = "references"


# --------------------------------------------------------------------------- hyphenation
WORD_TAIL = re.compile(r"([A-Za-zÀ-ÿ]+)[-\ufffe]$")
WORD_HEAD = re.compile(r"^([A-Za-zÀ-ÿ]+)")


def join_lines(lines: list[str], vocabulary: set[str] | None = None) -> str:
    text = lines[0].rstrip()
    for nxt in lines[1:]:
        nxt = nxt.strip()
        text = join_pair(text, nxt, vocabulary)
    return text.replace(SOFT_HYPHEN, "-")


def join_pair(left: str, right: str, vocabulary: set[str] | None = None) -> str:
    tail = WORD_TAIL.search(left)
    head = WORD_HEAD.match(right)
    if not tail or not head:
        return f"{left} {right}" if left else right
    a, b = tail.group(1), head.group(1)
    keep_hyphen = (
        b[:1].isupper()  # Zuid-Holland, Jung-Gu
        or a.lower() == b.lower()  # bidang-bidang
        or (vocabulary is not None and (a + b).lower() not in vocabulary and f"{a}-{b}".lower() in vocabulary)
    )
    if vocabulary is not None and not keep_hyphen and (a + b).lower() not in vocabulary and a.lower() in vocabulary and b.lower() in vocabulary:
        keep_hyphen = True  # two real words joined by a real hyphen (kerja-sama style)
    stem = left[: tail.end(1)]
    return f"{stem}-{right}" if keep_hyphen else f"{stem}{right}"


def vocabulary_of(lines: list[str]) -> set[str]:
    """Words seen inside lines. The first and last word of each line are left out:
    they may be halves of a word hyphenated at a line end."""
    vocab: set[str] = set()
    for ln in lines:
        words = re.findall(r"[A-Za-zÀ-ÿ]+(?:-[A-Za-zÀ-ÿ]+)*", ln)
        for w in words[1:-1]:
            vocab.add(w.lower())
            vocab.update(p.lower() for p in w.split("-"))
    return vocab
