"""Tables whose cells wrap over two lines come out row by row, each row one table block (pdfplumber reads them)."""

from __future__ import annotations

import pytest

from pipeline.ingest import extract

COLUMNS = [70, 110, 260, 420]  # left edges of four columns
ROWS = [
    ["No", "Nama", "Jabatan / Instansi", "Kedudukan"],
    ["1", ["Ir. Taufik Hidayatullah,", "M.T."], ["Kepala Bappeda Kota", "Karangsari"], "Ketua Delegasi"],
    ["2", "Retno Wulandari", "Kepala Bagian Kerja Sama", "Sekretaris"],
    ["3", ["Dewi Kartikasari, S.T.,", "M.Eng."], ["Kepala Bidang Tata Ruang", "DTKP"], "Anggota"],
]


def _table_pdf(path) -> None:
    reportlab = pytest.importorskip("reportlab.pdfgen.canvas")
    c = reportlab.Canvas(str(path), pagesize=(595, 842))
    c.setFont("Helvetica", 11)
    c.drawString(70, 780, "Susunan delegasi yang berangkat ke Seokjin-si adalah sebagai berikut.")
    y = 750
    c.setFont("Helvetica", 9)
    for row in ROWS:
        cells = [cell if isinstance(cell, list) else [cell] for cell in row]
        height = max(len(lines) for lines in cells) * 11 + 4
        for x, lines in zip(COLUMNS, cells, strict=True):
            for k, line in enumerate(lines):
                c.drawString(x + 3, y - k * 11, line)
        c.rect(COLUMNS[0], y - height + 9, 480, height, stroke=1, fill=0)
        y -= height
    c.setFont("Helvetica", 11)
    c.drawString(70, y - 30, "Delegasi berangkat dari Bandar Udara Ahmad Yani pada pagi hari.")
    c.save()


def test_wrapped_table_cells_are_joined_within_their_row(tmp_path, monkeypatch):
    path = tmp_path / "delegasi.pdf"
    _table_pdf(path)
    doc = extract(path, "x", pdf_tables="pdfplumber")
    assert doc.status == "ok", doc.error
    rows = [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "table"]
    assert rows == [
        "No | Nama | Jabatan / Instansi | Kedudukan",
        "1 | Ir. Taufik Hidayatullah, M.T. | Kepala Bappeda Kota Karangsari | Ketua Delegasi",
        "2 | Retno Wulandari | Kepala Bagian Kerja Sama | Sekretaris",
        "3 | Dewi Kartikasari, S.T., M.Eng. | Kepala Bidang Tata Ruang DTKP | Anggota",
    ]
    # the text around the table is untouched and stays in reading order
    assert doc.text.index("Susunan delegasi") < doc.text.index("No | Nama") < doc.text.index("Delegasi berangkat")
    assert not any("Karangsari" == doc.text[b.start : b.end].strip() for b in doc.blocks)  # no stray cell line


def test_by_default_pdfplumber_is_not_used(tmp_path, monkeypatch):
    """The default setting keeps the fast path (throughput): wrapped tables are read by our own pass."""
    from pipeline.ingest import tables

    calls = []
    monkeypatch.setattr(tables, "read_tables", lambda *a, **k: calls.append(a) or a[3])
    path = tmp_path / "delegasi.pdf"
    _table_pdf(path)
    doc = extract(path, "x")
    assert doc.status == "ok" and calls == []
    assert "No | Nama | Jabatan / Instansi | Kedudukan" in doc.text


def test_without_wrapped_cells_the_fast_path_reads_the_table(tmp_path, monkeypatch):
    """One-line rows need no pdfplumber: the trigger stays off and our own pass marks the rows."""
    from pipeline.ingest import tables

    calls = []
    monkeypatch.setattr(tables, "read_tables", lambda *a, **k: calls.append(a) or a[3])
    global ROWS
    saved, ROWS = ROWS, [ROWS[0], ROWS[2]]
    try:
        path = tmp_path / "flat.pdf"
        _table_pdf(path)
        doc = extract(path, "x", pdf_tables="pdfplumber")
    finally:
        ROWS = saved
    assert calls == []
    assert [doc.text[b.start : b.end] for b in doc.blocks if b.kind == "table"] == [
        "No | Nama | Jabatan / Instansi | Kedudukan", "2 | Retno Wulandari | Kepala Bagian Kerja Sama | Sekretaris"]
