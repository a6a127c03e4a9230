"""pdf._BoundedText: pypdfium2's get_text_bounded with one call into pdfium instead of two, the same strings."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.ingest.pdf import _BoundedText

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


def test_bounded_text_is_pypdfium2s_for_every_text_box_of_the_demo_pdfs():
    pdfium = pytest.importorskip("pypdfium2")
    files = sorted(DEMO.rglob("*.pdf"))[:25]
    boxes = 0
    for path in files:
        pdf = pdfium.PdfDocument(path.read_bytes())
        try:
            for i in range(len(pdf)):
                textpage = pdf[i].get_textpage()
                bounded = _BoundedText(textpage)
                for k in range(textpage.count_rects()):
                    box = textpage.get_rect(k)
                    assert bounded(*box) == textpage.get_text_bounded(*box), (path.name, i, box)
                    boxes += 1
                # a box with no text in it, and the whole page (more text than any one box)
                assert bounded(-10.0, -10.0, -5.0, -5.0) == textpage.get_text_bounded(-10.0, -10.0, -5.0, -5.0) == ""
                whole = (0.0, 0.0, pdf[i].get_width(), pdf[i].get_height())
                assert bounded(*whole) == textpage.get_text_bounded(*whole)
                textpage.close()
        finally:
            pdf.close()
    assert len(files) >= 5 and boxes >= 200


def test_a_text_longer_than_the_buffer_is_read_the_two_call_way():
    pdfium = pytest.importorskip("pypdfium2")
    path = sorted(DEMO.rglob("*.pdf"))[0]
    pdf = pdfium.PdfDocument(path.read_bytes())
    try:
        textpage = pdf[0].get_textpage()
        bounded = _BoundedText(textpage)
        bounded.size = 1  # as if the page's text could not fit
        whole = (0.0, 0.0, pdf[0].get_width(), pdf[0].get_height())
        text = textpage.get_text_bounded(*whole)
        assert len(text) > 20 and bounded(*whole) == text
        textpage.close()
    finally:
        pdf.close()
