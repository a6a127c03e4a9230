"""OCR of a scanned PDF's pages in a process pool gives what the one-after-another path gives."""

from __future__ import annotations

import pytest

from pipeline.ingest import extract
from pipeline.ingest.ocr import MAX_OCR_PROCESSES, ocr_images, ocr_processes, render_page
from tests.conftest import needs_tesseract


def _pages(path, copies: int) -> list:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        image = render_page(pdf[0])
    finally:
        pdf.close()
    # The same scanned page twice plus a blank strip: more pages than one, and two with different confidences.
    from PIL import Image

    return [image] * copies + [Image.new("L", (400, 200), 255)]


@needs_tesseract
def test_parallel_ocr_gives_the_sequential_text_and_confidence_per_page(data_dir):
    images = _pages(data_dir / "scan.pdf", copies=2)
    sequential = ocr_images(images, "scan.pdf", [1, 2, 3], workers=1)
    parallel = ocr_images(images, "scan.pdf", [1, 2, 3], workers=2)
    assert parallel == sequential
    assert len(parallel) == 3
    assert "Seokjin" in parallel[0][0] and parallel[0][1] > 0.6
    assert parallel[2] == ("", 0.0)  # the blank page keeps its own (empty) result, in its place


@needs_tesseract
def test_scanned_pdf_extract_keeps_per_page_confidence_with_a_pool(data_dir, monkeypatch):
    doc = extract(data_dir / "scan.pdf", "x", ocr_workers=2)
    assert doc.status == "ok", doc.error
    assert doc.pages[0].ocr_confidence is not None and doc.pages[0].ocr_confidence > 0.6


@pytest.mark.parametrize(("pages", "workers", "expected"), [(1, 8, 1), (3, 2, 2), (10, 8, MAX_OCR_PROCESSES), (5, 1, 1)])
def test_ocr_pool_size_is_capped_by_pages_and_limit(pages, workers, expected):
    assert ocr_processes(pages, workers) == expected


def test_ocr_pool_size_follows_the_workers_setting(monkeypatch):
    from pipeline.config import Settings

    monkeypatch.setenv("SISTERCITY_WORKERS", "3")
    assert ocr_processes(10, Settings.from_env().ocr_workers) == 3
    assert Settings(workers=1).ocr_workers is None  # one document at a time: its pages use every core
