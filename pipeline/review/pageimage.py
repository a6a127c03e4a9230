"""An image of the PDF page a passage comes from, cropped to the passage when it can be found.

The file is the one the store recorded for the document (never a path from a request), and
only while its SHA-256 is still the one the store recorded: a changed file would show a page
the passage was not read from.
"""

from __future__ import annotations

import io
import logging
import threading
from pathlib import Path

log = logging.getLogger(__name__)
_PDFIUM = threading.Lock()  # pdfium is not thread-safe; the web server renders in a thread pool
SCALE = 1.6


class NoImage(Exception):
    """No page image for this document (not a PDF, file gone or changed, page out of range)."""


def _words(text: str, n: int) -> list[str]:
    return [w for w in text.split() if len(w) > 1][:n]


def _find_box(textpage, text: str) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) in PDF points around the passage: every character from where its first
    words are found on the page to where its last words end (one of them alone if the other is not found)."""
    hits = []
    for probe in (" ".join(_words(text, 5)), " ".join(_words(text[::-1], 5))[::-1]):
        if not probe:
            continue
        searcher = textpage.search(probe, match_case=False)
        hit = searcher.get_next()
        searcher.close()
        if hit is not None:
            hits.append(hit)
    if not hits:
        return None
    first = min(index for index, _ in hits)
    last = max(index + count for index, count in hits)
    if last - first > 20 * len(text) + 200:  # the two probes matched far apart: keep the first one only
        first, last = hits[0][0], hits[0][0] + hits[0][1]
    boxes = [b for b in (textpage.get_charbox(i) for i in range(first, last)) if b[2] > b[0]]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def render_passage(path: str, sha256: str | None, page_no: int, text: str) -> bytes:
    """PNG of page `page_no` (1-based) of the PDF at `path`, cropped around `text` if found there."""
    import hashlib

    import pypdfium2 as pdfium

    file = Path(path)
    if file.suffix.lower() != ".pdf" or not file.is_file():
        raise NoImage("the document is not a PDF, or its file is no longer where it was read from")
    data = file.read_bytes()
    if sha256 and hashlib.sha256(data).hexdigest() != sha256:
        raise NoImage("the file changed since it was processed; re-run `sistercity run` first")
    with _PDFIUM:
        pdf = pdfium.PdfDocument(data)
        try:
            if not 1 <= page_no <= len(pdf):
                raise NoImage(f"page {page_no} is not in the document ({len(pdf)} pages)")
            page = pdf[page_no - 1]
            width, height = page.get_size()
            textpage = page.get_textpage()
            box = _find_box(textpage, text)
            image = page.render(scale=SCALE).to_pil().convert("RGB")
            textpage.close()
            page.close()
        finally:
            pdf.close()
    if box is not None:
        from PIL import ImageDraw

        left, bottom, right, top = box
        x0, x1 = left * SCALE, right * SCALE
        y0, y1 = (height - top) * SCALE, (height - bottom) * SCALE
        overlay = ImageDraw.Draw(image, "RGBA")
        overlay.rectangle([x0 - 3, y0 - 3, x1 + 3, y1 + 3], fill=(255, 230, 0, 60), outline=(200, 120, 0, 255), width=2)
        margin = 60 * SCALE
        image = image.crop((0, max(0, y0 - margin), width * SCALE, min(height * SCALE, y1 + margin)))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return buf.getvalue()
