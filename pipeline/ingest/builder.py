"""Assemble a document's text from blocks while keeping page and block offsets."""

from __future__ import annotations

from pipeline.data import Block, PageSpan


class TextBuilder:
    """Append blocks of text; blocks are separated by a blank line.

    The text is append-only, so every offset recorded here is final. A page
    starts at the first block added after `start_page`, or at an offset inside a
    block (a paragraph that runs over a page break) given to `add`.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._len = 0
        self.blocks: list[Block] = []
        self._page_starts: list[tuple[int, int]] = []  # (page, offset)
        self._pending_page: int | None = None
        self._confidence: dict[int, float] = {}
        self.section: str | None = None

    def start_page(self, page: int, ocr_confidence: float | None = None) -> None:
        self._pending_page = page
        if ocr_confidence is not None:
            self._confidence[page] = ocr_confidence

    def add(self, text: str, kind: str = "paragraph", speaker: str | None = None,
            page_breaks: list[tuple[int, int]] | None = None) -> Block | None:
        """Add a block; `page_breaks` are (offset in `text`, page) where a new page begins."""
        stripped = text.strip()
        if not stripped:
            return None
        lead = len(text) - len(text.lstrip())
        if self._parts:
            self._parts.append("\n\n")
            self._len += 2
        start = self._len
        if self._pending_page is not None:
            self._page_starts.append((self._pending_page, start))
            self._pending_page = None
        for offset, page in page_breaks or []:
            self._page_starts.append((page, start + max(0, min(len(stripped), offset - lead))))
        self._parts.append(stripped)
        self._len += len(stripped)
        if kind == "heading":
            self.section = " ".join(stripped.split())[:120]
        block = Block(start=start, end=self._len, kind=kind, section=self.section, speaker=speaker)
        self.blocks.append(block)
        return block

    @property
    def text(self) -> str:
        return "".join(self._parts)

    def finish(self) -> tuple[str, list[PageSpan], list[Block]]:
        text = self.text
        starts = self._page_starts or [(1, 0)]
        spans = []
        for i, (page, start) in enumerate(starts):
            end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
            spans.append(PageSpan(page, start if i else 0, end, self._confidence.get(page)))
        return text, spans, self.blocks
