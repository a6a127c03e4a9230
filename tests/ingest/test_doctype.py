"""Document types from structure, not from a word anywhere in the text (pipeline/ingest/doctype.py)."""

from pipeline.ingest.doctype import detect_type


def test_file_name_decides_only_by_its_first_word():
    assert detect_type("mou_2014.pdf", "") == "mou"
    assert detect_type("wawancara_dlh.txt", "") == "interview"
    assert detect_type("rencana_aksi_2015.pdf", "") == "other"
    # a saved page's headline slug that ends in "mou" is not an agreement
    assert detect_type("harian-2022-wali-kota-perbarui-mou.txt", "Beranda | Berita\n\nKOTA X, Harian - Wali Kota "
                       "menandatangani perpanjangan MoU, katanya.\n\nBaca juga: Festival") == "news"


def test_agreement_needs_a_title_and_numbered_articles():
    mou = "NOTA KESEPAHAMAN\nANTARA PEMERINTAH KOTA A DAN KOTA B\n\nPasal 1\nTujuan\n\nPasal 2\nBidang\n"
    assert detect_type("dokumen.pdf", mou) == "mou"
    news = "Memorandum of Understanding antara kedua kota ditandatangani kemarin, ujar Kepala Bagian Kerja Sama."
    assert detect_type("dokumen.pdf", news) != "mou"


def test_abstract_that_mentions_interviews_is_a_paper():
    text = ("Abstrak\nPenelitian ini mengkaji kerja sama kota kembar. Data dikumpulkan melalui wawancara "
            "dengan informan. Kata kunci: sister city, paradiplomasi")
    assert detect_type("unduhan.txt", text) == "paper"


def test_english_abstract_and_news_item():
    assert detect_type("page.txt", "Abstract\nThis study examines a sister city link. Keywords: paradiplomacy") == "paper"
    news = "DARWIN, Daily - The council said on Monday it would review the link.\n\nEditor: A. Smith\nShare this"
    assert detect_type("page.txt", news) == "news"


def test_turns_make_a_transcript_and_nothing_else_is_other():
    assert detect_type("x.txt", "P: Bagaimana?\nN: Ya, begitu.\nP: Lalu?\nN: Ya.") == "interview"
    assert detect_type("x.txt", "Kota ini terletak di tepi sungai.") == "other"


def test_a_findings_chapter_that_quotes_a_trip_report_is_a_paper():
    chapter = ("# BAB IV HASIL DAN PEMBAHASAN\n\n# 4.1 Komitmen\n\nLaporan perjalanan dinas mencatat kunjungan "
               "pertama pada November 2018 dengan biaya dari APBD.")
    assert detect_type("bab4.pdf", chapter) == "paper"
    # a real visit report, with no chapter heading, stays one
    report = "LAPORAN HASIL KUNJUNGAN KERJA\nKE KOTA B\n\nI. Dasar\nSurat Tugas Wali Kota Nomor 1/2018"
    assert detect_type("dokumen.pdf", report) == "visit_report"
