from __future__ import annotations

from pipeline.nlp.agencies import find_agencies
from pipeline.nlp.entities import blank_nlp, tag_text
from pipeline.nlp.money import find_money

CITIES = [("Karangsari", ["Kota Karangsari", "Pemkot Karangsari"]), ("Seokjin", ["Seokjin-si", "Kota Seokjin"])]


def test_tokenizer_keeps_hyphenated_names_dates_and_reduplication_whole():
    tokens = [t.text for t in blank_nlp()("Jung-Gu 25/11/2016 bidang-bidang kota-kota.")]
    assert tokens == ["Jung-Gu", "25/11/2016", "bidang-bidang", "kota-kota", "."]


def test_money_to_rupiah():
    values = {m.text: m.value for m in find_money("Rp 150 juta, Rp1,5 miliar, Rp 2.500.000,00 dan Rp. 75.000.000,- serta KRW 20 juta")}
    assert values == {"Rp 150 juta": "150000000", "Rp1,5 miliar": "1500000000", "Rp 2.500.000,00": "2500000",
                      "Rp. 75.000.000,-": "75000000", "KRW 20 juta": "KRW 20000000"}


def test_agency_acronym_and_full_name_share_a_canonical_name_per_city():
    text = ("Bappeda Kota Karangsari dan Badan Perencanaan Pembangunan Daerah bertemu Dinas Pekerjaan Umum Seokjin-si; "
            "DTKP hadir, juga Kemendagri dan Seokjin City Hall.")
    found = {a.text: a.canonical for a in find_agencies(text, CITIES, "Karangsari")}
    assert found["Bappeda Kota Karangsari"] == "Badan Perencanaan Pembangunan Daerah (Karangsari)"
    assert found["Badan Perencanaan Pembangunan Daerah"] == "Badan Perencanaan Pembangunan Daerah (Karangsari)"
    assert found["Dinas Pekerjaan Umum Seokjin-si"] == "Dinas Pekerjaan Umum (Seokjin)"
    assert found["DTKP"] == "Dinas Tata Kota dan Perumahan (Karangsari)"
    assert found["Kemendagri"] == "Kementerian Dalam Negeri"
    assert found["Seokjin City Hall"] == "Pemerintah Kota (Seokjin)"


def test_tag_text_labels_and_normalises(case_karangsari):
    text = ("Pada 25 November 2014, Wali Kota Karangsari Hendra Prasetyo dan Bapak Park Min-jae menandatangani MoU "
            "di Seokjin-si, Korea Selatan. Bappeda menganggarkan Rp 150 juta.")
    got = {(text[s:e], label, value) for s, e, label, value in tag_text(text, case_karangsari, [case_karangsari])}
    assert ("25 November 2014", "DATE", "2014-11-25") in got
    assert ("Hendra Prasetyo", "PERSON", None) in got
    assert ("Park Min-jae", "PERSON", None) in got
    assert ("Seokjin-si", "GPE", None) in got
    assert ("Korea Selatan", "GPE", None) in got
    assert ("Bappeda", "ORG", "Badan Perencanaan Pembangunan Daerah (Karangsari)") in got
    assert ("Rp 150 juta", "MONEY", "150000000") in got
