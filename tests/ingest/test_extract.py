"""Ingestion on tiny real files: text, provenance, structure and clear failures."""

from __future__ import annotations

import pytest

from pipeline.ingest import extract
from tests.conftest import needs_tesseract


def assert_offsets_exact(doc):
    assert doc.pages, "a document has at least one page span"
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    for a, b in zip(doc.pages, doc.pages[1:]):
        assert a.end == b.start and a.page < b.page
    for p in doc.passages:
        assert doc.text[p.start : p.end] == p.text
        assert doc.page_at(p.start) == p.page
    for b in doc.blocks:
        assert doc.text[b.start : b.end].strip() == doc.text[b.start : b.end]


def test_text_pdf_drops_running_header_and_page_numbers(data_dir):
    doc = extract(data_dir / "report.pdf", "karangsari-seokjin")
    assert doc.status == "ok", doc.error
    assert len(doc.pages) == 2
    assert "Laporan Kunjungan Kerja Kota Karangsari 2015" not in doc.text
    assert "Halaman" not in doc.text
    assert_offsets_exact(doc)


def test_text_pdf_rejoins_lines_and_repairs_hyphenation(data_dir):
    doc = extract(data_dir / "report.pdf", "x")
    # Whole sentences of the source survive line wrapping, hyphenation and the page break.
    for sentence in [
        "Pertemuan teknis berlangsung selama tiga hari dengan penerjemah yang disediakan oleh pihak tuan rumah.",
        "Kunjungan ini dibiayai dari APBD Kota Karangsari tahun anggaran 2015 melalui DPA Bagian Kerja Sama dengan pagu Rp 150 juta.",
        "karena selama ini surat-menyurat hanya ditangani oleh kepala subbagian yang juga memegang urusan protokol dan keprotokolan daerah lainnya.",
    ]:
        assert sentence in doc.text
    assert "\ufffe" not in doc.text and "\x02" not in doc.text
    assert {b.kind for b in doc.blocks} >= {"heading", "paragraph"}
    assert any(b.kind == "heading" and "Kesimpulan" in doc.text[b.start : b.end] for b in doc.blocks)


def test_two_column_pdf_reads_columns_in_order(data_dir):
    doc = extract(data_dir / "twocol.pdf", "x")
    assert doc.status == "ok", doc.error
    assert ("Selama kunjungan, delegasi mempelajari pengelolaan jalur pedestrian dan perencanaan jembatan "
            "penyeberangan bersama para insinyur Seokjin City Hall.") in doc.text
    assert doc.text.index("Hasil Kunjungan") < doc.text.index("Kesimpulan dan Saran")
    assert_offsets_exact(doc)


@needs_tesseract
def test_scanned_pdf_is_read_with_ocr_and_confidence(data_dir):
    doc = extract(data_dir / "scan.pdf", "x")
    assert doc.status == "ok", doc.error
    assert doc.pages[0].ocr_confidence is not None and doc.pages[0].ocr_confidence > 0.6
    assert "Seokjin" in doc.text and "kunjungan" in doc.text.lower()
    assert_offsets_exact(doc)


def test_scanned_pdf_without_ocr_fails_with_reason(data_dir):
    doc = extract(data_dir / "scan.pdf", "x", ocr=False)
    assert doc.status == "failed"
    assert "scan.pdf" in doc.error and "OCR" in doc.error


def test_docx_keeps_tables_and_headings(data_dir):
    doc = extract(data_dir / "tables.docx", "x")
    assert doc.status == "ok", doc.error
    rows = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "table"]
    assert "2 | Park Ji-hoon | Seokjin City Hall" in rows
    decision = next(b for b in doc.blocks if "dua kali setahun" in doc.text[b.start : b.end])
    assert decision.section == "Keputusan"
    assert doc.type == "minutes"
    assert_offsets_exact(doc)


@pytest.mark.parametrize("name", ["transcript_cp1252.txt", "transcript.md"])
def test_transcripts_decode_and_keep_speakers(data_dir, name):
    doc = extract(data_dir / name, "x")
    assert doc.status == "ok", doc.error
    assert "Aldenbrück" in doc.text and "\u201cworkshop sampah\u201d" in doc.text and "\u2013" in doc.text
    speakers = [p.speaker for p in doc.passages]
    assert speakers[0] == "P" and "N" in speakers
    assert doc.type == "interview"
    assert_offsets_exact(doc)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("corrupt.pdf", "corrupt"),
        ("encrypted.pdf", "encrypted"),
        ("empty.txt", "empty"),
        ("notes.xyz", "unsupported_type"),
        ("binary.txt", "wrong_type"),
    ],
)
def test_bad_files_fail_with_a_reason_naming_the_file(data_dir, name, reason):
    doc = extract(data_dir / name, "x")
    assert doc.status == "failed"
    assert doc.error.startswith(reason + ":")
    assert name in doc.error
    assert doc.passages == [] and doc.text == ""


def test_encrypted_pdf_says_a_password_is_needed(data_dir):
    assert "password" in extract(data_dir / "encrypted.pdf", "x").error


def test_oversized_file_is_refused_before_reading(data_dir):
    doc = extract(data_dir / "report.pdf", "x", max_bytes=100)
    assert doc.status == "failed" and doc.error.startswith("too_large:")
