"""The human reference scores two codings with the classifier's own metric."""

import json

import pytest

from pipeline.quality.human_ceiling import adjudicated_reference, human_ceiling, score_codings


def row(id_, elements, stance, obstacles=(), case="c"):
    return {"id": id_, "elements": list(elements), "stance": stance, "obstacles": list(obstacles), "case": case}


A = [row("p1", ["commitment"], "positive"), row("p2", ["commitment", "outcomes"], "obstacle", ["budget"]),
     row("p3", [], "neutral"), row("p4", ["reciprocity"], "obstacle", ["budget", "language"])]
B = [row("p1", ["commitment"], "positive"), row("p2", ["outcomes"], "positive"),
     row("p3", ["participation"], "positive"), row("p4", ["reciprocity"], "obstacle", ["language"])]


def test_scores_a_hand_made_pair_of_codings():
    s = score_codings(A, B)
    # commitment: A has p1,p2; B has p1 -> F1 2/3. outcomes: both p2 -> 1. reciprocity: both p4 -> 1.
    # participation: only B (p3) -> 0; understanding: neither -> 0 (zero_division=0, as for the model).
    assert s["f1_commitment"] == pytest.approx(2 / 3, abs=1e-4)
    assert s["f1_participation"] == 0 and s["f1_understanding"] == 0
    assert s["element_macro_f1"] == pytest.approx((2 / 3 + 0 + 0 + 1 + 1) / 5, abs=1e-4)
    assert s["stance_accuracy"] == 0.5  # p1 and p4 agree
    # obstacles: tp=1 (p4 language), fn=2 (p2 budget, p4 budget), fp=0 -> 2/(2+2)
    assert s["obstacle_micro_f1"] == 0.5
    assert "element_ece" not in s


def test_scores_are_symmetric_between_the_coders():
    ab, ba = score_codings(A, B), score_codings(B, A)
    for key in ("element_macro_f1", "stance_accuracy", "obstacle_micro_f1"):
        assert ab[key] == ba[key]


def test_adjudicated_reference_takes_the_adjudicator_on_disagreements_and_drops_unadjudicated_obstacles():
    a = A + [row("p5", ["outcomes"], "obstacle", ["budget"])]
    b = B + [row("p5", ["outcomes"], "obstacle", ["monitoring"])]
    adj = [row(i, ["commitment"], "obstacle", ["budget"]) | {"decision": "other"} for i in ("p2", "p3")]
    ref = {r["id"]: r for r in adjudicated_reference(a, b, adj)}
    assert ref["p2"]["elements"] == ["commitment"] and ref["p3"]["stance"] == "obstacle"
    assert ref["p1"]["stance"] == "positive"
    # p4, p5: agreed on elements and stance but not on the obstacle codes: never adjudicated
    assert ref["p4"]["obstacles"] is None and ref["p5"]["obstacles"] is None
    s = score_codings(list(ref.values()), b)
    assert s["n"] == 5 and s["n_obstacle"] == 3
    with pytest.raises(ValueError, match="not adjudicated"):  # an element disagreement without a ruling
        adjudicated_reference(a + [row("p6", ["outcomes"], "positive")], b + [row("p6", [], "neutral")], adj)


def test_human_ceiling_reads_rounds_from_the_folder(tmp_path):
    dc = tmp_path / "double_coding"
    dc.mkdir()
    for name, rows in (("coder_a_round1", A), ("coder_b_round1", B)):
        (dc / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    (tmp_path / "passages.jsonl").write_text("".join(json.dumps(r) + "\n" for r in A))
    r = human_ceiling(tmp_path)
    assert list(r["rounds"]) == [1] and r["rounds"][1]["adjudicated"] is False
    assert r["rounds"][1]["A_vs_gold"]["element_macro_f1"] == 0.6  # identical codings; elements nobody used score F1 0, as for the model
    assert r["rounds"][1]["B_vs_gold"]["stance_accuracy"] == 0.5
    assert r["pooled"]["A_vs_B"] == r["rounds"][1]["A_vs_B"]
