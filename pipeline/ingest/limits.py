"""Limits that keep one document's memory bounded, whatever the file holds.

The file-size limit (`max_bytes`) does not see what a file expands to: a 57 KB PDF
of 200 scanned pages, a 183 KB DOCX holding 100 MB of XML, one page of 5 x 5 metres.
These limits do. Each is a setting (SISTERCITY_MAX_PAGES, SISTERCITY_MAX_PAGE_MPX,
SISTERCITY_MAX_DOCX_MB); a document over one is recorded as failed with a reason
that names the limit, a page over the pixel budget is rendered smaller (with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_MAX_PAGES = 1000
DEFAULT_MAX_PAGE_MPX = 25.0  # an A3 page at 300 dpi is 17.4 megapixels
DEFAULT_MAX_DOCX_MB = 32.0  # uncompressed XML of a DOCX: python-docx holds about 22 bytes per byte of it


@dataclass(frozen=True, slots=True)
class Limits:
    max_pages: int = DEFAULT_MAX_PAGES  # pages of one PDF
    max_page_mpx: float = DEFAULT_MAX_PAGE_MPX  # megapixels of a page rendered for OCR (the render scale is capped)
    max_docx_mb: float = DEFAULT_MAX_DOCX_MB  # uncompressed XML in a DOCX

    @property
    def max_page_pixels(self) -> int:
        return int(self.max_page_mpx * 1_000_000)

    @property
    def max_docx_bytes(self) -> int:
        return int(self.max_docx_mb * 1024 * 1024)
