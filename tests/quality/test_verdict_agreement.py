import pytest

from pipeline.data import ELEMENTS
from pipeline.quality.verdict_agreement import compare


def _case(**values):
    return {el: values.get(el, "partial") for el in ELEMENTS}


def test_agreement_kappa_and_alternatives_of_two_codings():
    gold = {"a": _case(commitment="fulfilled"), "b": _case(commitment="not_fulfilled")}
    coder_b = {"a": _case(commitment="fulfilled"),
               "b": {**_case(commitment="partial"), "commitment_alt": "not_fulfilled", "commitment_why": "worked, then stopped"}}
    tool = {c: {el: {"predicted": "partial", "oracle": gold[c][el]} for el in ELEMENTS} for c in gold}
    r = compare(gold, coder_b, tool)
    assert r["cells"] == 10
    assert r["coder_b_vs_gold"]["agreement"] == 0.9
    # gold: 8 partial, 1 fulfilled, 1 not_fulfilled; B: 9 partial, 1 fulfilled -> expected (72 + 1) / 100
    assert r["coder_b_vs_gold"]["kappa"] == pytest.approx((0.9 - 0.73) / (1 - 0.73), abs=1e-4)
    assert r["coder_b_vs_gold"]["agreement_counting_alternatives"] == 1.0
    assert r["hard_cells"] == ["b/commitment"]
    assert r["disagreements"] == [{"cell": "b/commitment", "gold": "not_fulfilled", "coder_b": "partial",
                                   "coder_b_alt": "not_fulfilled", "why": "worked, then stopped", "tool": "partial",
                                   "oracle": "not_fulfilled"}]
    assert r["tool_vs_gold"]["agreement"] == 0.8 and r["tool_vs_coder_b"]["agreement"] == 0.9
    assert r["tool_agrees_with_either"] == 0.9
    assert r["oracle_vs_gold"] == {"agreement": 1.0, "kappa": 1.0} and r["oracle_vs_coder_b"]["agreement"] == 0.9


def test_a_cell_the_second_coder_left_out_is_an_error():
    gold = {"a": _case()}
    coder_b = {"a": {el: "partial" for el in ELEMENTS if el != "outcomes"}}
    with pytest.raises(SystemExit, match="a/outcomes"):
        compare(gold, coder_b, None)
