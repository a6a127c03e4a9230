"""A damaged PDF that pikepdf can repair: the document is read and says what was recovered."""

from __future__ import annotations

import re

from pipeline.ingest import extract
from pipeline.ingest.pdf import expected_pages, repair_warning
from pipeline.report.outputs import document_record

RECOVERED = re.compile(r"damaged PDF repaired with pikepdf: (\d+) of (\d+) pages recovered(?:; pages not recovered: ([\d, ]+))?$")


def _truncated(data: bytes, keep: float) -> bytes:
    """The file cut short: no cross-reference table, no trailer, the last page's objects gone."""
    return data[: int(len(data) * keep)]


def test_truncated_pdf_is_repaired_and_reports_pages_recovered(data_dir, tmp_path):
    data = (data_dir / "report.pdf").read_bytes()
    assert expected_pages(data) == 2
    path = tmp_path / "laporan_rusak.pdf"
    path.write_bytes(_truncated(data, 0.7))
    doc = extract(path, "x")
    assert doc.status == "ok", doc.error
    assert "Delegasi Pemerintah Kota Karangsari" in doc.text  # page 1 survived
    found = [RECOVERED.search(w) for w in doc.warnings]
    found = [m for m in found if m]
    assert len(found) == 1, doc.warnings
    recovered, expected, failed = found[0].groups()
    assert (int(recovered), int(expected)) == (1, 2)
    assert failed == "2"
    assert any(w.startswith("laporan_rusak.pdf: ") for w in doc.warnings)
    # ... and it reaches the documents output record.
    assert any(RECOVERED.search(w) for w in document_record(doc)["warnings"])


def test_pdf_that_needed_no_repair_has_no_repair_warning(data_dir):
    doc = extract(data_dir / "report.pdf", "x")
    assert not any("repaired" in w for w in doc.warnings)


def test_repair_warning_lists_missing_pages_beyond_the_repaired_file():
    data = b"%PDF-1.4 1 0 obj << /Type /Pages /Count 4 >> " + b"<< /Type /Page >> " * 4
    msg = repair_warning("a.pdf", data, n_pages=2, empty=[2])
    assert msg == "a.pdf: damaged PDF repaired with pikepdf: 1 of 4 pages recovered; pages not recovered: 2, 3, 4"
    assert repair_warning("a.pdf", data, n_pages=4, empty=[]).endswith("4 of 4 pages recovered")
