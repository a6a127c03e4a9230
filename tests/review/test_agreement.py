from __future__ import annotations

import pytest

from pipeline.paths import annotations_dir
from pipeline.review.agreement import cohen_kappa, compare, krippendorff_alpha, markdown, read_jsonl, write_agreement


def test_kappa_on_a_hand_computed_example():
    # observed 0.75, chance 0.5 -> kappa 0.5
    assert cohen_kappa([1, 1, 0, 0], [1, 0, 0, 0]) == pytest.approx(0.5)
    assert cohen_kappa(["a", "b", "c"], ["a", "b", "c"]) == 1.0


def test_alpha_on_a_hand_computed_example():
    # n = 8 values (3 ones, 5 zeros); one disagreeing unit -> Do = 2/8, De = 30/56
    assert krippendorff_alpha([(1, 1), (1, 0), (0, 0), (0, 0)]) == pytest.approx(1 - (2 / 8) / (30 / 56))
    # missing values: units coded once do not count
    assert krippendorff_alpha([(1, 1), (0, 0), (1, None)]) == 1.0


def test_compare_reports_per_element_and_disagreements():
    a = [{"id": "p1", "elements": ["commitment"], "stance": "positive", "obstacles": [], "case": "c"},
         {"id": "p2", "elements": [], "stance": "neutral", "obstacles": [], "case": "c"}]
    b = [{"id": "p1", "elements": ["commitment"], "stance": "positive", "obstacles": [], "case": "c"},
         {"id": "p2", "elements": ["outcomes"], "stance": "positive", "obstacles": [], "case": "c"}]
    r = compare(a, b)
    assert r["n"] == 2 and r["elements"]["commitment"]["kappa"] == 1.0
    assert [d["id"] for d in r["disagreements"]] == ["p2"]
    assert "| commitment | 1.000 |" in markdown({"round": r}, "cmd")


def test_the_committed_agreement_file_matches_the_command(tmp_path):
    """AGREEMENT.md in the repository is exactly what `sistercity agreement` writes."""
    committed = (annotations_dir() / "AGREEMENT.md").read_text(encoding="utf-8")
    import shutil

    work = tmp_path / "annotations"
    shutil.copytree(annotations_dir() / "double_coding", work / "double_coding")
    path, results = write_agreement(work)
    assert path.read_text(encoding="utf-8") == committed
    assert all(r["n"] >= 200 for r in results.values())
    assert len(read_jsonl(work / "double_coding" / "coder_b_round1.jsonl")) == results["round1"]["n"]
