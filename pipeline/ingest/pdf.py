"""PDF documents: text layer through pypdfium2, OCR for pages without one.

pdfium is fast (hundreds of pages per second) and gives a box for each run of
text, which is all `layout` needs to rebuild paragraphs in reading order.
pdfium is not thread-safe: parallelise PDF work by process, never by thread.
"""

from __future__ import annotations

import codecs
import io
import logging
import re

from pipeline.ingest import layout, tables
from pipeline.ingest.builder import TextBuilder
from pipeline.ingest.errors import IngestError
from pipeline.ingest.limits import Limits

log = logging.getLogger(__name__)

MIN_CHARS_TEXT_PAGE = 25  # fewer characters than this on a page with an image: a scan


REPAIR_WARNING = "{name}: damaged PDF repaired with pikepdf: {recovered} of {expected} pages recovered"
PAGE_OBJECT = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
PAGE_COUNT = re.compile(rb"/Count\s+(\d+)")


def _open(data: bytes, name: str):
    """The pdfium document, and whether it had to be repaired first."""
    import pypdfium2 as pdfium

    try:
        return pdfium.PdfDocument(data), False
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise IngestError("encrypted", f"{name}: the PDF is encrypted; a password is needed to open it") from exc
        repaired = _repair(data)
        if repaired is None:
            raise IngestError("corrupt", f"{name}: not a readable PDF ({exc}); repair with pikepdf failed too") from exc
        try:
            return pdfium.PdfDocument(repaired), True
        except pdfium.PdfiumError as exc2:
            raise IngestError("corrupt", f"{name}: not a readable PDF even after repair ({exc2})") from exc2


def expected_pages(data: bytes) -> int:
    """How many pages the damaged file meant to have: its page objects, or its page tree's largest /Count."""
    counts = [int(c) for c in PAGE_COUNT.findall(data) if len(c) < 6]
    return max([len(PAGE_OBJECT.findall(data)), *counts] or [0])


def repair_warning(name: str, data: bytes, n_pages: int, empty: list[int]) -> str:
    """What a repair recovered, in one fixed form that a program can read back (README, Contract changes):
    "<file>: damaged PDF repaired with pikepdf: R of N pages recovered[; pages not recovered: 3, 4]"."""
    expected = max(expected_pages(data), n_pages)
    failed = sorted(set(empty) | set(range(n_pages + 1, expected + 1)))
    msg = REPAIR_WARNING.format(name=name, recovered=expected - len(failed), expected=expected)
    return msg + (f"; pages not recovered: {', '.join(map(str, failed))}" if failed else "")


def _repair(data: bytes) -> bytes | None:
    try:
        import pikepdf
    except ImportError:
        return None
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            out = io.BytesIO()
            pdf.save(out)
            return out.getvalue()
    except (pikepdf.PdfError, ValueError, OSError) as exc:
        if isinstance(exc, pikepdf.PasswordError):
            raise IngestError("encrypted", "the PDF is encrypted; a password is needed to open it") from exc
        return None


def _page_segments(page) -> tuple[list[layout.Segment], set[tuple[str, str]]]:
    """Text runs with their boxes, and the words pdfium saw hyphenated at a line end.

    pdfium's bounded text drops a line-end hyphen; its full page text keeps it as
    U+FFFE between the two halves, which is how we learn where words were split.
    """
    textpage = page.get_textpage()
    try:
        full = textpage.get_text_range()
        splits = set(re.findall(r"(\w+)\ufffe\s*(\w+)", full))
        segs = []
        bounded = _BoundedText(textpage)
        for i in range(textpage.count_rects()):
            left, bottom, right, top = textpage.get_rect(i)
            text = bounded(left, bottom, right, top)
            if text.strip():
                text = text.replace("\r", " ").replace("\n", " ").replace("\x02", layout.SOFT_HYPHEN)
                segs.append(layout.Segment(text, left, bottom, right, top))
        return segs, splits
    finally:
        textpage.close()


class _BoundedText:
    """`textpage.get_text_bounded(left, bottom, right, top)` of pypdfium2 with one call into pdfium, not two.

    pypdfium2 asks pdfium for the length of the text in the box, then for the text; pdfium goes over every
    character of the page each time (most of what reading a text PDF costs). Here the text is asked for once,
    into a buffer longer than any box's text can be (the page's characters twice over), and decoded as pypdfium2
    decodes it (UTF-16-LE, errors ignored), without the terminating NUL pdfium adds when there is room for it: the
    same string (tests/ingest/test_pdf.py). A text that would fill the buffer is read the two-call way."""

    def __init__(self, textpage):
        import ctypes

        import pypdfium2.raw as pdfium_c

        self.textpage = textpage
        self.size = 2 * max(pdfium_c.FPDFText_CountChars(textpage), 0) + 16
        self.buffer = (ctypes.c_ushort * self.size)()
        self.read = pdfium_c.FPDFText_GetBoundedText
        self.bytes_at = ctypes.string_at

    def __call__(self, left: float, bottom: float, right: float, top: float) -> str:
        n = self.read(self.textpage, left, top, right, bottom, self.buffer, self.size)  # pdfium's order: l, t, r, b
        if n >= self.size:
            return self.textpage.get_text_bounded(left, bottom, right, top)
        if n <= 0:
            return ""
        if self.buffer[n - 1] == 0:  # the NUL pdfium ends the text with, counted
            n -= 1
        return codecs.decode(self.bytes_at(self.buffer, 2 * n), "utf-16-le", "ignore")


def _has_image(page) -> bool:
    import pypdfium2.raw as pdfium_c

    return any(obj.type == pdfium_c.FPDF_PAGEOBJ_IMAGE for obj in page.get_objects())


def extract_pdf(data: bytes, name: str, ocr: bool = True, limits: Limits | None = None, *,
                pdf_tables: str = "layout", ocr_workers: int | None = None) -> tuple[TextBuilder, list[str]]:
    """Scanned pages are OCRed a few at a time as they are rendered (a batch per OCR process pool), so
    memory holds a handful of page images whatever the page count; `limits` cap the pages and pixels.
    `pdf_tables` ("layout" or "pdfplumber") and `ocr_workers` are the settings of those names."""
    limits = limits or Limits()
    warnings: list[str] = []
    plumber_tables = (pdf_tables or "layout").strip().lower() == "pdfplumber"
    pdf, repaired = _open(data, name)
    empty: list[int] = []  # pages with neither text nor image: in a repaired file, pages that were not recovered
    try:
        n_pages = len(pdf)
        if n_pages == 0:
            raise IngestError("empty", f"{name}: the PDF has no pages")
        if n_pages > limits.max_pages:
            raise IngestError("too_many_pages", f"{name}: {n_pages} pages, over the limit of {limits.max_pages} "
                              "pages per document (SISTERCITY_MAX_PAGES)")
        first = pdf[0]
        page_h = first.get_height()
        page_w = first.get_width()
        pages: list[list[layout.Line]] = []
        scanned: dict[int, tuple[str, float]] = {}
        pending: list[tuple[int, object]] = []  # scanned pages rendered and not yet OCRed (a batch at most)
        batch = 0

        def read_pending() -> None:
            from pipeline.ingest.ocr import ocr_images

            numbers = [i for i, _ in pending]
            texts = ocr_images([image for _, image in pending], name, [i + 1 for i in numbers], ocr_workers)
            scanned.update(zip(numbers, texts, strict=True))
            pending.clear()

        for i in range(n_pages):
            page = first if i == 0 else pdf[i]  # the first page loaded once
            segs, splits = _page_segments(page)
            n_chars = sum(len(s.text.strip()) for s in segs)
            if n_chars == 0 and repaired and not _has_image(page):
                empty.append(i + 1)
            if n_chars < MIN_CHARS_TEXT_PAGE and _has_image(page):
                if not ocr:
                    raise IngestError("needs_ocr", f"{name}: page {i + 1} is a scanned image without a text layer and OCR is switched off")
                from pipeline.ingest.ocr import OCR_DPI, _check_installed, ocr_processes, render_page, render_scale

                _check_installed(name, i + 1)  # fail early and clearly, before rendering every page
                scale = render_scale(page.get_width(), page.get_height(), limits.max_page_pixels)
                if scale < OCR_DPI / 72:
                    warnings.append(f"{name}: page {i + 1} is {page.get_width():.0f} x {page.get_height():.0f} pt; "
                                    f"read at {scale * 72:.0f} dpi instead of {OCR_DPI} to stay within "
                                    f"{limits.max_page_mpx:g} megapixels (SISTERCITY_MAX_PAGE_MPX)")
                pending.append((i, render_page(page, limits.max_page_pixels)))
                pages.append([])
                batch = batch or 2 * ocr_processes(n_pages, ocr_workers)
                if len(pending) >= batch:
                    read_pending()
            else:
                lines = layout.split_columns(layout.group_lines(segs), page_w)
                blocks = tables.wrapped_blocks(lines) if plumber_tables and not repaired else []
                if blocks:  # a table whose cells wrap: pdfplumber reads its rows (only there: it is slow)
                    lines = tables.read_tables(data, i, page.get_height(), lines, blocks)
                layout.mark_hyphens(lines, splits)
                pages.append(lines)
            page.close()
        if pending:
            read_pending()
    finally:
        pdf.close()
    if repaired:
        warnings.append(repair_warning(name, data, n_pages, empty))
        log.warning(warnings[-1])
    keys = layout.furniture_keys([p for i, p in enumerate(pages) if i not in scanned], page_h)
    page_paras = [layout.paragraphs(layout.strip_furniture(lines, keys, page_h)) for lines in pages]
    vocab = layout.vocabulary_of([ln for paras in page_paras for p in paras for ln in p.lines])
    flat = [p for paras in page_paras for p in paras]
    layout.mark_references(flat)

    # Flatten to (page, kind, text); a paragraph that runs on over a page break is
    # joined to its first half, remembering where the new page starts inside it.
    items: list[list] = []  # [kind, text, page_breaks, first_page]
    for i, paras in enumerate(page_paras):
        if i in scanned:
            text, conf = scanned[i]
            for k, para in enumerate(p for p in text.split("\n\n") if p.strip()):
                items.append(["paragraph", " ".join(para.split()), [], i + 1 if k == 0 else None, conf])
            continue
        for j, para in enumerate(paras):
            text = para.text(vocab)
            prev = items[-1] if items else None
            if (j == 0 and prev is not None and prev[0] == "paragraph" and para.kind == "paragraph"
                    and not layout.SENT_END.search(prev[1]) and text[:1].islower()):
                merged = layout.join_pair(prev[1], text, vocab)
                prev[2].append((len(merged) - len(text), i + 1))
                prev[1] = merged
                continue
            items.append([para.kind, text, [], i + 1 if j == 0 else None, None])

    builder = TextBuilder()
    for kind, text, breaks, first_page, conf in items:
        if first_page is not None:
            builder.start_page(first_page, ocr_confidence=conf)
        builder.add(text, kind=kind, page_breaks=breaks)
    if not builder.blocks:
        if b"%%EOF" not in data[-2048:]:
            raise IngestError("corrupt", f"{name}: the PDF is damaged (truncated: no end-of-file marker) and no text could be recovered")
        raise IngestError("empty", f"{name}: the PDF has no text and no scanned pages to read")
    return builder, warnings
