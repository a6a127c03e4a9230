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


def test_local_government_words_in_other_styles_need_their_city():
    text = ("Pemko Karangsari dan Pemerintah Seokjin bertemu; Seokjin Municipality, PDAM Kota Karangsari dan "
            "Pemkab hadir. The Municipality said PDAM would wait; Pemerintah pusat tidak hadir.")
    found = [(a.text, a.canonical) for a in find_agencies(text, CITIES, "Karangsari")]
    assert found == [("Pemko Karangsari", "Pemerintah Kota (Karangsari)"), ("Pemerintah Seokjin", "Pemerintah Kota (Seokjin)"),
                     ("Seokjin Municipality", "Pemerintah Kota (Seokjin)"),
                     ("PDAM Kota Karangsari", "Perusahaan Daerah Air Minum (Karangsari)"),
                     ("Pemkab", "Pemerintah Kabupaten (Karangsari)")]  # a bare "Municipality", "PDAM", "Pemerintah": none


def test_tag_text_labels_and_normalises(case_karangsari):
    text = ("Pada 25 November 2014, Wali Kota Karangsari Hendra Prasetyo dan Bapak Park Min-jae menandatangani MoU "
            "di Seokjin-si, Korea Selatan. Bappeda menganggarkan Rp 150 juta.")
    got = {(text[s:e], label, value) for s, e, label, value in tag_text(text, case_karangsari, [case_karangsari])}
    assert ("25 November 2014", "DATE", "2014-11-25") in got
    assert ("Hendra Prasetyo", "PERSON", None) in got
    assert ("Park Min-jae", "PERSON", None) in got
    assert ("Seokjin-si", "GPE", "Seokjin (KR)") in got  # the case city, with its case.toml country's code
    assert ("Korea Selatan", "GPE", "South Korea") in got
    assert ("Bappeda", "ORG", "Badan Perencanaan Pembangunan Daerah (Karangsari)") in got
    assert ("Rp 150 juta", "MONEY", "150000000") in got


def test_table_role_cells_are_not_people_but_names_with_degrees_are(case_karangsari):
    text = "| 1 | Irwan Kurnia, S.Pd., M.Si. | Ketua Delegasi |\n| 2 | Rizky Maulana | Kelas VIII |\n| PIHAK PERTAMA | PIHAK KEDUA |"
    got = {(text[s:e], label) for s, e, label, _ in tag_text(text, case_karangsari, [case_karangsari])}
    assert ("Irwan Kurnia", "PERSON") in got
    assert ("Rizky Maulana", "PERSON") in got
    people = {t for t, label in got if label == "PERSON"}
    assert not people & {"Ketua Delegasi", "Kelas VIII", "PIHAK PERTAMA", "PIHAK KEDUA"}


def test_ner_spans_are_trimmed_and_give_way_to_places_and_agencies(case_karangsari):
    text = "N: Ya, Pak Budi Santoso, kata Bappeda Kota Karangsari, mengunjungi Kota Seokjin dan Karangsari–Seokjin."
    def span(sub: str, label: str) -> tuple[int, int, str]:
        return (text.index(sub), text.index(sub) + len(sub), label)
    ner = [span("N", "PERSON"), span("Ya", "PERSON"), span("Pak Budi Santoso,", "PERSON"),
           span("Karangsari,", "GPE"), span("Seokjin dan", "PERSON")]
    got = {(text[s:e], label) for s, e, label, _ in tag_text(text, case_karangsari, [case_karangsari], ner_spans=ner)}
    assert ("Budi Santoso", "PERSON") in got  # no honorific, no trailing comma
    assert not any(t in {"N", "Ya"} for t, _ in got)  # a speaker label and a stop word are not names
    assert ("Bappeda Kota Karangsari", "ORG") in {(t, label) for t, label in got}  # the agency wins over the NER GPE
    assert ("Kota Seokjin", "GPE") in got  # the written prefix stays in the place's span
    assert ("Karangsari", "GPE") in got and ("Seokjin", "GPE") in got  # a dash-joined pair of places


def test_heldout_entity_evaluation_scores_the_shipped_pipeline(demo_cases):
    from pipeline.paths import annotations_dir
    from pipeline.quality.evaluation import evaluate_entities_heldout

    r = evaluate_entities_heldout(annotations_dir(), demo_cases)
    assert r["documents"] >= 6 and r["gold_dates"] > 0
    person = r["per_label"]["PERSON"]
    assert person["gold"] > 0 and 0.0 < person["f1"] <= 1.0


def _tagged(text, case, people=frozenset(), ner=None):
    from pipeline.nlp.entities import case_places, people_in

    known = people or people_in(text.split("\n\n"), case_places(case, [case]))
    return {(text[s:e], label) for s, e, label, _ in tag_text(text, case, [case], known, ner)}


def test_people_found_by_their_context_without_an_honorific(case_karangsari):
    text = ("Pewawancara: Dewi Anggraeni\n\n"
            "Ketua paguyuban, Herman Situmeang, menyambut baik. \"Bagus,\" kata Hendra kepada wartawan. "
            "Bagi Sumiyati (52), jembatan itu penting. Surat dari Mori-san belum dibalas. "
            "Wali Kota Karangsari Rusdi Hamzah hadir; Rusdi juga berpidato.")
    got = _tagged(text, case_karangsari)
    for name in ["Dewi Anggraeni", "Herman Situmeang", "Hendra", "Sumiyati", "Mori", "Rusdi Hamzah", "Rusdi"]:
        assert (name, "PERSON") in got, name
    assert ("Karangsari", "GPE") in got  # the role's place is cut off the name


def test_speaker_labels_sentence_words_and_honorific_pairs_are_not_people(case_karangsari):
    text = ("Ratna: Survei belum ada, Pak. Jadi kami ukur tahun ini.\n\n"
            "P: Apakah Bapak Ibu diundang ke Jalan Pemuda?\n\n"
            "Pewawancara: Ratna Sari")
    got = _tagged(text, case_karangsari)
    people = {t for t, label in got if label == "PERSON"}
    assert "Ratna Sari" in people
    assert not people & {"Ratna", "Jadi", "Ibu", "Jalan Pemuda"}  # the turn label "Ratna:" is layout


def test_ner_person_spans_fill_gaps_but_not_with_title_case_phrases(case_karangsari):
    text = "Jembatan Memutar Lagi dibahas oleh Yohanes Hartanto dan tim."

    def span(sub: str) -> tuple[int, int, str]:
        return (text.index(sub), text.index(sub) + len(sub), "PERSON")

    got = _tagged(text, case_karangsari, ner=[span("Memutar Lagi"), span("Yohanes Hartanto")])
    assert ("Yohanes Hartanto", "PERSON") in got  # no rule found it: the NER fills the gap
    assert ("Memutar Lagi", "PERSON") not in got  # common Indonesian words make no name


def test_agency_styles_of_both_cities_and_what_is_no_agency():
    cities = CITIES + [("Xilanzhou", ["Kota Xilanzhou"])]
    text = ("PEMERINTAH RAKYAT KOTA XILANZHOU dan Pemerintah Rakyat Kota Xilanzhou; Bagian Hukum Setda; "
            "Bagian Kerja Sama pada Sekretariat Daerah Kota Karangsari; Konsulat Jenderal Republik Rakyat Tiongkok di Medan. "
            "Surat Nomor 090/412/Setda dibahas di Balai Kota dan Kantor Wali Kota Karangsari, Negara Bagian Nordrhein-Westfalen.")
    found = {a.text: a.canonical for a in find_agencies(text, cities, "Karangsari")}
    assert found["PEMERINTAH RAKYAT KOTA XILANZHOU"] == "Pemerintah Kota (Xilanzhou)"
    assert found["Pemerintah Rakyat Kota Xilanzhou"] == "Pemerintah Kota (Xilanzhou)"
    assert found["Bagian Hukum Setda"] == "Bagian Hukum Sekretariat Daerah (Karangsari)"
    assert found["Bagian Kerja Sama pada Sekretariat Daerah Kota Karangsari"] == "Bagian Kerja Sama Sekretariat Daerah (Karangsari)"
    assert "Konsulat Jenderal Republik Rakyat Tiongkok di Medan" in found
    assert not {"Setda", "Balai Kota", "Kantor Wali Kota", "Bagian Nordrhein-Westfalen"} & set(found)


def test_commission_and_council_are_one_body_and_newspapers_are_orgs(case_karangsari):
    text = "MUARA, Suara Karangsari – Anggota Komisi I DPRD Kota Karangsari hadir, kata Tanjungwaru Ekspres."
    got = _tagged(text, case_karangsari)
    assert ("Komisi I DPRD Kota Karangsari", "ORG") in got
    assert ("Suara Karangsari", "ORG") in got and ("Tanjungwaru Ekspres", "ORG") in got


def test_place_names_as_a_trie_find_what_their_alternation_longest_first_finds():
    """_gpe_regex writes the place names as a trie: the same matches as `(?<![\\w-])(?:names longest first)(?![\\w-])`,
    on the demo corpus's texts and on names that are prefixes of one another, at the text's edges and by hyphens."""
    import re
    from pathlib import Path

    from pipeline.ingest.cases import load_case
    from pipeline.nlp.entities import _gpe_regex, case_places

    demo = Path(__file__).resolve().parents[2] / "corpora" / "demo"
    cases = [load_case(p) for p in sorted(demo.glob("*/case.toml"))]
    tricky = ("Kota", "Kotamobagu", "Kota Baru", "Ko", "Seokjin", "Seokjin-si", "Jawa", "Jawa Tengah", "Ä", "a.b")
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(demo.glob("*/*.txt"))[:40]]
    texts += ["Kota", "Kotamobagu-Kota Baru, Kota Barua Ko.Kota", "Jawa Tengah-nya, Jawa Tengahan, -Jawa, Seokjin-si–Kota",
              "Ä a.b xa.b a.bc Ko Kot", ""]
    for names in (case_places(cases[0], cases), tuple(sorted(tricky))):
        ordered = sorted(names, key=len, reverse=True)
        alternation = re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(n) for n in ordered) + r")(?![\w-])")
        found = [[m.span() for m in _gpe_regex(names).finditer(t)] for t in texts]
        assert found == [[m.span() for m in alternation.finditer(t)] for t in texts]
        assert sum(map(len, found)) >= 10


def test_pruned_org_and_event_patterns_find_what_the_whole_alternations_find():
    """tag_text searches OTHER_ORGS and EVENTS without the branches whose closing words a text lacks (nlp/trie.py
    Pruned): the same matches as the whole alternations, on the demo corpus and on texts with those words."""
    from pathlib import Path

    from pipeline.nlp.entities import _EVENTS, _OTHER_ORGS, EVENTS, OTHER_ORGS

    demo = Path(__file__).resolve().parents[2] / "corpora" / "demo"
    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(demo.glob("*/*.txt"))]
    texts += ["Di Qiaofeng Electronics Co., Ltd. dan Seokjin Girls' High School, Tanjungwaru Ekspres, Kencana Pos.",
              "Karangsari Expo 2019, Seokjin International Week dan Festival Bahari Pasirlaut 2017; SMA Negeri 3 Kota X",
              "St. Mary College Council, PT Maju Jaya Corporation, Hanseatic GmbH, Harian Suara Kita News", "", "Pos"]
    for whole, pruned in ((OTHER_ORGS, _OTHER_ORGS), (EVENTS, _EVENTS)):
        assert pruned.pattern is whole
        found = [[(m.start(), m.end(), m.group(0)) for m in pruned.finditer(t)] for t in texts]
        assert found == [[(m.start(), m.end(), m.group(0)) for m in whole.finditer(t)] for t in texts]
        assert sum(map(len, found[-5:])) >= 3 and sum(map(len, found)) >= 50
    assert len(_OTHER_ORGS._kept) >= 2  # texts with and without the closing words searched by other alternations


def test_bodies_as_real_sources_name_them(case_karangsari):
    """English names closed by the kind of body, consulates, regional governments by their short forms, national
    bodies in the gazetteer; a name of generic words only, or one inside an event's name, is no body."""
    text = ("Rombongan didampingi staf Konsulat RI di Darwin, pejabat Bappenas dan JICA. Officials of the Norrvik "
            "Harbour Board met players of Pelican Bay Football Club; the Provincial Government sent no one. "
            "Pemda Karangsari hadir di Forum Pemimpin Pemerintah Daerah Asia Timur dan Asia Local Government Forum.")
    got = _tagged(text, case_karangsari)
    orgs = {t for t, label in got if label == "ORG"}
    assert {"Konsulat RI di Darwin", "Bappenas", "JICA", "Norrvik Harbour Board", "Pelican Bay Football Club",
            "Pemda Karangsari"} <= orgs
    assert not {t for t in orgs if "Government" in t or "Pemerintah Daerah" in t}  # generic words only; inside events
    assert ("Forum Pemimpin Pemerintah Daerah Asia Timur", "EVENT") in got
