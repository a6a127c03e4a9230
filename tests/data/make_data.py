"""Rebuild the tiny test files in this folder: python tests/data/make_data.py

They are committed; this script documents how they were made.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1] / "corpora"))

from build import Source, strip_markup  # noqa: E402
from render import render_docx, render_pdf, render_scan  # noqa: E402

REPORT = """# LAPORAN KUNJUNGAN KERJA

# Hasil Kunjungan

Delegasi Pemerintah Kota Karangsari yang dipimpin Kepala Bappeda melakukan kunjungan kerja ke Seokjin-si pada 9 - 14 Agustus 2015. Kunjungan ini dibiayai dari APBD Kota Karangsari tahun anggaran 2015 melalui DPA Bagian Kerja Sama dengan pagu Rp 150 juta.

Selama kunjungan, delegasi mempelajari pengelolaan jalur pedestrian dan perencanaan jembatan penyeberangan bersama para insinyur Seokjin City Hall. Pertemuan teknis berlangsung selama tiga hari dengan penerjemah yang disediakan oleh pihak tuan rumah.

Pihak Seokjin menyatakan kesediaan untuk mengirimkan tenaga ahli ke Karangsari pada akhir tahun 2015 guna meninjau lokasi rencana jembatan di Kali Gede, dan kedua pihak sepakat menyusun rencana aksi bersama sebelum Desember 2015.

# Kesimpulan dan Saran

Kerja sama di bidang tata kota berjalan dengan baik dan memberikan manfaat nyata bagi kedua kota. Namun demikian, pelibatan sekolah dan pelaku usaha masih terbatas, sehingga perlu dirancang program yang membuka partisipasi masyarakat secara lebih luas.

Disarankan agar Bagian Kerja Sama menunjuk seorang staf khusus yang menangani korespondensi dengan Seokjin, karena selama ini surat-menyurat hanya ditangani oleh kepala subbagian yang juga memegang urusan protokol dan keprotokolan daerah lainnya.

Kunjungan balasan dari Seokjin direncanakan berlangsung pada bulan Oktober dan akan disambut dengan pameran pembangunan kota yang terbuka untuk umum di balai kota serta di beberapa kelurahan yang menjadi lokasi percontohan.

Pemerintah Kota Karangsari juga perlu menyiapkan dokumen pendukung berupa peta rencana tata ruang, data lalu lintas penyeberangan, dan rancangan anggaran pemeliharaan jembatan agar pembahasan teknis dengan tenaga ahli Seokjin dapat langsung menghasilkan keputusan.
"""
TABLES = """# Notulen Rapat Kelompok Kerja

Rapat dibuka oleh Kepala Bappeda pada pukul 09.00 WIB.

| No | Nama | Instansi |
| 1 | Sri Wahyuni | DTKP |
| 2 | Park Ji-hoon | Seokjin City Hall |

# Keputusan

Disepakati bahwa monitoring dan evaluasi dilaksanakan dua kali setahun.
"""
TRANSCRIPT = (
    "P: Bagaimana kerja sama dengan Aldenbrück setelah penandatanganan?\r\n"
    "N: Ya… jadi gini, setelah tanda tangan itu ya sudah, tidak ada tindak lanjut. Pak Firman yang pegang dipindah.\r\n"
    "P: Ada surat dari pihak Jerman?\r\n"
    "N: Ada, “workshop sampah” katanya – tapi tidak dibalas.\r\n"
)


def src(stem: str, body: str, **header: str) -> Source:
    s = Source(case="test", stem=stem, path=HERE / f"{stem}.txt", header=header, body=body)
    strip_markup(s)
    return s


def main() -> None:
    import pikepdf

    report = src("report", REPORT * 2, type="visit_report", running_header="Laporan Kunjungan Kerja Kota Karangsari 2015")
    render_pdf(report, HERE / "report.pdf")
    render_pdf(src("twocol", REPORT * 2, type="paper"), HERE / "twocol.pdf", columns=2)
    render_scan(src("scan", REPORT.split("# Kesimpulan")[0]), HERE / "scan.pdf")
    render_docx(src("tables", TABLES), HERE / "tables.docx")
    (HERE / "transcript_cp1252.txt").write_bytes(TRANSCRIPT.encode("cp1252"))
    (HERE / "transcript.md").write_text("# Wawancara Bagian Kerja Sama\n\n" + TRANSCRIPT.replace("\r\n", "\n"), encoding="utf-8")
    data = (HERE / "report.pdf").read_bytes()
    (HERE / "corrupt.pdf").write_bytes(data[: len(data) // 3])
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(HERE / "encrypted.pdf", encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    (HERE / "empty.txt").write_bytes(b"")
    (HERE / "notes.xyz").write_bytes(b"some file of an unknown kind\n")
    (HERE / "binary.txt").write_bytes(bytes(range(256)) * 4)


if __name__ == "__main__":
    main()
