"""Issue #16, findings 1, 2 and 12: no file can abort a run or make one document's memory grow
with what it expands to; BOM-less UTF-16 is text."""

from __future__ import annotations

import time

import pytest

from pipeline.ingest import extract
from pipeline.ingest.limits import Limits
from tests.adversarial import inputs


def test_truncated_docx_xml_is_recorded_as_failed_naming_the_file(tmp_path):
    path = tmp_path / "notulen_potong.docx"
    path.write_bytes(inputs.cut_docx())
    doc = extract(path, "c")
    assert doc.status == "failed"
    assert doc.error.startswith("corrupt: notulen_potong.docx: damaged DOCX")


def test_any_parser_error_fails_the_document_not_the_run(tmp_path, monkeypatch):
    import pipeline.ingest.text as text_module

    def explode(data, name):
        raise AssertionError("a bug in a parser")

    monkeypatch.setattr(text_module, "extract_text", explode)
    path = tmp_path / "a.txt"
    path.write_text(inputs.TEXT)
    doc = extract(path, "c")
    assert doc.status == "failed" and "a.txt" in doc.error and "AssertionError" in doc.error


def test_a_failure_after_extraction_fails_the_document(tmp_path, models, monkeypatch):
    import pipeline.stages as stages
    from pipeline.config import Settings

    def explode(doc, case, cases, settings):
        raise RecursionError("deeply nested")

    monkeypatch.setattr(stages, "nlp_stage", explode)
    path = tmp_path / "a.txt"
    path.write_text(inputs.TEXT)
    doc = stages.run_document(path, None, [], models, Settings(max_mb=1))
    assert doc.status == "failed" and doc.error.startswith("nlp_error: a.txt:")


def test_docx_whose_xml_expands_past_the_limit_is_refused_unparsed(tmp_path):
    data = inputs.docx_bomb(48)
    assert len(data) < 400_000  # kilobytes on disk
    path = tmp_path / "bomb.docx"
    path.write_bytes(data)
    t = time.perf_counter()
    doc = extract(path, "c")  # the default limit, 32 MB of XML
    assert doc.status == "failed" and doc.error.startswith("too_large: bomb.docx: its XML expands to")
    assert "SISTERCITY_MAX_DOCX_MB" in doc.error
    assert time.perf_counter() - t < 2  # refused before parsing (parsing took minutes and gigabytes)


def test_docx_limit_is_a_setting(tmp_path):
    path = tmp_path / "small.docx"
    path.write_bytes(inputs.docx_bomb(2))
    assert extract(path, "c", limits=Limits(max_docx_mb=1)).status == "failed"
    assert extract(path, "c", limits=Limits(max_docx_mb=4)).status == "ok"


def test_pdf_over_the_page_limit_is_refused(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(inputs.image_pdf(5))
    doc = extract(path, "c", limits=Limits(max_pages=4))
    assert doc.status == "failed"
    assert doc.error.startswith("too_many_pages: scan.pdf: 5 pages, over the limit of 4")


def test_default_page_limit(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(inputs.image_pdf(1001))
    assert extract(path, "c").error.startswith("too_many_pages: scan.pdf: 1001 pages")


@pytest.fixture
def fake_ocr(monkeypatch):
    """OCR that records what it is given: batches of (width, height) of page images."""
    import pipeline.ingest.ocr as ocr

    batches: list[list[tuple[int, int]]] = []

    def ocr_images(images, name, numbers, workers=None):
        batches.append([im.size for im in images])
        return [(f"Halaman {n} dibaca.", 0.9) for n in numbers]

    monkeypatch.setattr(ocr, "ocr_images", ocr_images)
    monkeypatch.setattr(ocr, "_check_installed", lambda name, number: "ind")
    monkeypatch.setattr(ocr, "ocr_processes", lambda n_pages, workers=None: 2)
    return batches


def test_scanned_pages_are_read_a_few_at_a_time_as_they_are_rendered(tmp_path, fake_ocr):
    path = tmp_path / "scan.pdf"
    path.write_bytes(inputs.image_pdf(11))
    doc = extract(path, "c")
    assert doc.status == "ok"
    assert [len(b) for b in fake_ocr] == [4, 4, 3]  # never every page at once
    assert [p.page for p in doc.pages] == list(range(1, 12))


def test_a_huge_page_is_rendered_within_the_pixel_budget(tmp_path, fake_ocr):
    path = tmp_path / "poster.pdf"
    path.write_bytes(inputs.image_pdf(1, width_pt=14_400, height_pt=14_400, px=200))
    doc = extract(path, "c")
    assert doc.status == "ok", doc.error
    (w, h), = fake_ocr[0]
    assert w * h <= Limits().max_page_pixels  # 300 dpi would be 60,000 x 60,000 pixels
    assert any("poster.pdf: page 1 is 14400 x 14400 pt; read at" in w for w in doc.warnings)


def test_bomless_utf16_is_text(tmp_path):
    for encoding in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{encoding}.txt"
        path.write_bytes(inputs.utf16_without_bom(encoding=encoding))
        doc = extract(path, "c")
        assert doc.status == "ok", doc.error
        assert doc.text == inputs.TEXT
        assert f"decoded as {encoding}" in doc.warnings[0]


def test_binary_with_nuls_is_still_refused(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(bytes(range(256)) * 8)
    assert extract(path, "c").error.startswith("wrong_type")
