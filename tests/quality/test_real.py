"""`sistercity evaluate --real`: the real-text figures, computed as ../shared/realdev's README defines them.

A tiny pair written here (invented cities, our own sentences) pins the arithmetic; the real set, where it
is present beside the project, is run on one pair through the CLI (skipped with a reason where absent)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.quality.real import _normalised, iso_span, locate, pair_bootstrap, run_real_evaluation

REALDEV = Path(__file__).resolve().parents[2].parent / "shared" / "realdev"

TEXT = """Kota Lorekarta dan Kota Benhaven menandatangani nota kesepahaman pada 2019.

Sejak itu tidak pernah ada kunjungan balasan dari Benhaven, dan anggaran kerja sama tidak pernah dialokasikan.

Sister city adalah kerja sama antara dua kota di negara berbeda.
"""


def _pair(root: Path) -> Path:
    pair = root / "lorekarta-benhaven"
    pair.mkdir(parents=True)
    (pair / "case.toml").write_text(
        'slug = "lorekarta-benhaven"\ntitle = "Lorekarta - Benhaven"\n'
        '[[cities]]\nname = "Lorekarta"\ncountry = "Indonesia"\nside = "local"\n'
        '[[cities]]\nname = "Benhaven"\ncountry = "Belanda"\nside = "partner"\n', encoding="utf-8")
    (pair / "berita.txt").write_text(TEXT, encoding="utf-8")
    gold = {"elements": {"commitment": {"status": "not_fulfilled", "quote": ""},
                         "participation": {"status": "not_stated", "quote": ""},
                         "understanding": {"status": "not_stated", "quote": ""},
                         "reciprocity": {"status": "not_fulfilled", "quote": ""},
                         "outcomes": {"status": "not_stated", "quote": ""}},
            "obstacles": [{"code": "budget", "quote": ""}],
            "dates": [{"text": "pada 2019", "iso": "2019"}], "orgs": ["Dinas Pariwisata Benhaven"]}
    (pair / "gold.json").write_text(json.dumps(gold), encoding="utf-8")
    sentences = [
        {"file": "berita.txt", "text": "Sejak itu tidak pernah ada kunjungan balasan dari Benhaven, dan anggaran kerja "
         "sama tidak pernah dialokasikan.", "elements": ["commitment", "reciprocity"], "stance": "obstacle",
         "obstacles": ["budget"]},
        {"file": "berita.txt", "text": "Sister city adalah kerja sama antara dua kota di negara berbeda.",
         "elements": [], "stance": "neutral", "obstacles": []},
        {"file": "berita.txt", "text": "This sentence is in no text.", "elements": [], "stance": "neutral", "obstacles": []},
    ]
    (pair / "sentences.jsonl").write_text("\n".join(json.dumps(s) for s in sentences) + "\n", encoding="utf-8")
    return pair


def test_sentences_are_found_by_letters_and_digits_only():
    text = "Kota A—dan  Kota B,\nmenandatangani MoU (2019)."
    span = locate("kota a dan kota b menandatangani mou 2019", _normalised(text))
    assert span == (0, text.index("2019") + 4)
    assert locate("tidak ada", _normalised(text)) is None


def test_iso_values_compare_by_the_days_they_cover():
    assert iso_span("2012") == iso_span("2012-01-01/2012-12-31") == ("2012-01-01", "2012-12-31")
    assert iso_span("2024-02") == ("2024-02-01", "2024-02-29")
    assert iso_span("2027/2028") == ("2027-01-01", "2028-12-31")
    assert iso_span("2018-08-23") == ("2018-08-23", "2018-08-23")
    assert iso_span("2018-08-23/2018-08-25") != iso_span("2018-08")
    assert iso_span(None) is None and iso_span("spring 2018") is None and iso_span("2012-13-01") is None


def test_figures_on_a_tiny_pair(tmp_path):
    _pair(tmp_path / "set")
    res = run_real_evaluation(tmp_path / "set", tmp_path / "out", ["passage_clf.v6"])
    v = res["versions"]["passage_clf.v6"]
    pooled = v["pooled"]
    assert pooled["sentences"]["sentences"] == 3 and pooled["sentences"]["found"] == 2
    assert pooled["verdicts"]["cells"] == 2  # not_stated cells are not scored
    assert 0.0 <= pooled["sentences"]["stance_accuracy"] <= 1.0
    assert pooled["obstacle_code_recall"] in (0.0, 1.0)  # one gold code: found or not
    rows = {(r["pair"], r["element"]): r for r in v["verdict_rows"]}
    assert set(rows) == {("lorekarta-benhaven", "commitment"), ("lorekarta-benhaven", "reciprocity")}
    assert all(r["exact"] == (r["predicted"] == r["gold"]) for r in rows.values())
    # the baselines: every sentence neutral gets the one neutral found sentence of three labelled right
    assert res["baselines"]["always_neutral"]["stance_accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert res["baselines"]["always_partial"]["verdicts_exact"] == 0.0
    # the stated date is found and its value ("2019-01-01/2019-12-31") covers the gold "2019"; the agency is in
    # no text, so it is not counted
    assert pooled["entities"]["date"] == {"gold": 1, "located": 1, "recall": 1.0, "exact": 1.0}
    assert pooled["entities"]["org"] == {"gold": 1, "located": 0, "recall": None, "exact": None}
    report = (tmp_path / "out" / "REAL.md").read_text(encoding="utf-8")
    assert "verdicts exact" in report and "lorekarta-benhaven" in report and "Dates and agencies" in report
    # the rows behind the figures carry no sentence text, only its line in sentences.jsonl
    rows_file = (tmp_path / "out" / "real_rows.jsonl").read_text(encoding="utf-8")
    assert "kunjungan balasan" not in rows_file and '"index": 0' in rows_file


@pytest.mark.skipif(not REALDEV.is_dir(), reason="../shared/realdev is not beside the project")
def test_cli_on_one_real_pair(tmp_path):
    result = CliRunner().invoke(app, ["evaluate", "--real", str(REALDEV), "--pair", "bandung-seoul",
                                      "--model", "passage_clf.v6", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "real.json").read_text(encoding="utf-8"))
    assert data["pairs"] == ["bandung-seoul"]
    lines = (REALDEV / "bandung-seoul" / "sentences.jsonl").read_text(encoding="utf-8").splitlines()
    pooled = data["versions"]["passage_clf.v6"]["pooled"]
    assert pooled["sentences"]["sentences"] == len([ln for ln in lines if ln.strip()])
    # nothing of the set's text reaches the written figures
    first = json.loads(lines[0])["text"]
    assert first[:40] not in (tmp_path / "REAL.md").read_text(encoding="utf-8")


def test_cli_refuses_a_missing_folder(tmp_path):
    result = CliRunner().invoke(app, ["evaluate", "--real", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "not a folder of city pairs" in result.output


def _rows(pair: str, right: bool) -> dict:
    sent = {"pair": pair, "found": True, "gold_stance": "positive", "gold_elements": ["commitment"], "gold_obstacles": [],
            "pred_stance": "positive" if right else "neutral", "pred_elements": ["commitment"] if right else [],
            "pred_obstacles": []}
    verd = {"pair": pair, "element": "commitment", "gold": "fulfilled", "predicted": "fulfilled" if right else "partial",
            "exact": right, "within_one": True}
    return {"sentence_rows": [sent], "verdict_rows": [verd]}


def test_pair_bootstrap_intervals_and_comparison():
    # model A is right on pairs a and b, wrong on c; model B right on all three
    def version(right: dict) -> dict:
        parts = [_rows(p, r) for p, r in right.items()]
        return {"sentence_rows": [x for p in parts for x in p["sentence_rows"]],
                "verdict_rows": [x for p in parts for x in p["verdict_rows"]]}
    a = version({"a": True, "b": True, "c": False})
    b = version({"a": True, "b": True, "c": True})
    boot = pair_bootstrap({"A": a, "B": b}, resamples=400, seed=1)
    lo, hi = boot["intervals"]["A"]["stance_accuracy"]
    assert 0.0 <= lo < 2 / 3 < hi <= 1.0  # resampling three pairs moves A's 2/3 both ways
    assert boot["intervals"]["B"]["verdicts_exact"] == [1.0, 1.0]
    assert boot["intervals"]["A"]["verdicts_within_one"] == [1.0, 1.0]
    vs = boot["against_first"]["B"]["stance_accuracy"]
    assert vs["lower"] == 0.0 and 0.6 < vs["higher"] < 0.8  # B is higher unless the draw misses pair c (8/27)
