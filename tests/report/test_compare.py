"""Cross-case comparison on inline verdicts, and `sistercity compare` reading a small store."""

from __future__ import annotations

import csv
import json

from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.data import ELEMENTS, Document, Evidence, ObstacleFinding, PageSpan, Passage, Verdict
from pipeline.report.compare import compare, is_stalled


def verdict(case: str, element: str, status: str, obstacles: dict[str, int] | None = None) -> Verdict:
    v = Verdict(case=case, element=element, status=status, score=0.0)
    for code, n in (obstacles or {}).items():
        ev = [Evidence(doc=f"{case}-{code}", page=1, start=i * 10, end=i * 10 + 5, quote="x", stance="obstacle")
              for i in range(n)]
        v.evidence += ev
        v.obstacles.append(ObstacleFinding(code=code, count=n, evidence=ev))
    return v


def case(name: str, statuses: dict[str, str], obstacles: dict[str, dict[str, int]] | None = None) -> dict[str, Verdict]:
    return {el: verdict(name, el, statuses.get(el, "fulfilled"), (obstacles or {}).get(el)) for el in ELEMENTS}


def test_matrix_stalled_shared_obstacles_and_co_failing():
    verdicts = {
        "a": case("a", {"commitment": "not_fulfilled", "outcomes": "not_fulfilled"},
                  {"commitment": {"budget": 3, "staff_turnover": 2}, "outcomes": {"budget": 2}}),
        "b": case("b", {"commitment": "not_fulfilled", "outcomes": "not_fulfilled"}, {"commitment": {"budget": 2}}),
        "c": case("c", {"reciprocity": "not_fulfilled", "outcomes": "partial"}, {"reciprocity": {"one_sided_benefit": 4}}),
        "d": case("d", {"participation": "not_fulfilled"}, {"participation": {"budget": 5}}),
    }
    got = compare(verdicts)
    assert got["stalled"] == ["a", "b", "c"] and not is_stalled(verdicts["d"])
    assert got["matrix"]["a"]["commitment"] == {"status": "not_fulfilled", "score": 0.0, "evidence": 5, "positive": 0,
                                                "obstacle": 5, "documents": 2}
    # budget: passages counted once per case even when two elements cite the same one
    assert got["obstacles"]["a"] == {"budget": 3, "staff_turnover": 2}
    assert got["shared_obstacles"] == [{"code": "budget", "cases": ["a", "b"], "share": 0.667, "in_other_cases": ["d"]}]
    assert got["co_failing"] == [{"elements": ["commitment", "outcomes"], "cases": ["a", "b"]}]


def test_no_patterns_from_a_single_stalled_case():
    got = compare({"a": case("a", {"commitment": "not_fulfilled"}, {"commitment": {"budget": 3}}),
                   "b": case("b", {})})
    assert got["stalled"] == ["a"] and got["shared_obstacles"] == [] and got["co_failing"] == []


def _store_with_two_cases(path):
    from pipeline.store.db import Store

    store = Store(str(path))
    for slug, text in (("kota-a-kota-b", "Anggaran kerja sama dipotong sehingga tidak ada tindak lanjut."),
                       ("kota-c-kota-d", "Pertukaran pelajar berjalan setiap tahun dengan biaya kedua kota.")):
        d = Document(doc=slug[:16].ljust(16, "0"), source=f"{slug}.txt", case=slug, type="interview", text=text,
                     pages=[PageSpan(1, 0, len(text))], path=f"/inbox/{slug}.txt", sha256="0" * 64)
        stance = "obstacle" if "dipotong" in text else "positive"
        for i in range(3):  # three passages: enough evidence for a verdict
            d.passages.append(Passage(doc=d.doc, page=1, start=i, end=len(text), text=text[i:],
                                      case=slug, scores={"commitment": 0.9}, elements=["commitment"], stance=stance,
                                      stance_scores={stance: 0.9}, obstacles=["budget"] if stance == "obstacle" else []))
        store.save_document(d, model="test")
    return store


def test_compare_command_reads_the_store(tmp_path, monkeypatch):
    monkeypatch.setenv("SISTERCITY_LANG", "id")  # --lang en sets it for the process; restored after the test
    _store_with_two_cases(tmp_path / "s.db")
    out = tmp_path / "cmp"
    result = CliRunner().invoke(app, ["compare", "kota-a-kota-b", "kota-c-kota-d", "--db", str(tmp_path / "s.db"),
                                      "--out", str(out), "--format", "json", "--format", "csv", "--format", "md",
                                      "--lang", "en"])
    assert result.exit_code == 0, result.output
    cmp = json.loads((out / "comparison.json").read_text())
    assert cmp["cases"] == ["kota-a-kota-b", "kota-c-kota-d"]
    assert cmp["matrix"]["kota-a-kota-b"]["commitment"]["status"] == "not_fulfilled"
    assert cmp["matrix"]["kota-c-kota-d"]["commitment"]["status"] == "fulfilled"
    # the classifier's code, and the one the obstacle passages state in so many words ("tidak ada tindak lanjut")
    assert cmp["obstacles"]["kota-a-kota-b"] == {"budget": 3, "no_follow_up": 3}
    rows = list(csv.DictReader((out / "verdicts.csv").open(encoding="utf-8")))
    assert len(rows) == 2 * len(ELEMENTS) and {r["case"] for r in rows} == {"kota-a-kota-b", "kota-c-kota-d"}
    assert "## Cross-case comparison" in (out / "report.md").read_text()
    assert not (out / "report.html").exists()


def test_compare_command_names_unknown_cases(tmp_path):
    _store_with_two_cases(tmp_path / "s.db")
    result = CliRunner().invoke(app, ["compare", "kota-x", "--db", str(tmp_path / "s.db"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "kota-x" in result.output and "kota-a-kota-b" in result.output
    bad = CliRunner().invoke(app, ["compare", "--db", str(tmp_path / "s.db"), "--format", "pdf"])
    assert bad.exit_code == 2 and "pdf" in bad.output


def test_discriminating_obstacles_leave_out_what_working_cases_share():
    from pipeline.report.compare import discriminating_obstacles

    freqs = {"s1": {"budget": 5, "staff_turnover": 4}, "s2": {"budget": 6, "staff_turnover": 3},
             "w1": {"budget": 5}, "w2": {"budget": 4, "staff_turnover": 1}}
    present = {c: {k for k, n in f.items() if n >= 2} for c, f in freqs.items()}
    rows = discriminating_obstacles(freqs, ["s1", "s2"], ["w1", "w2"], present)
    assert [r["code"] for r in rows] == ["staff_turnover"]  # budget is everywhere: it does not discriminate
    (r,) = rows
    assert r["stalled_cases"] == ["s1", "s2"] and r["working_cases"] == []
    assert (r["stalled_passages"], r["working_passages"]) == (7, 1)
    assert r["stalled_share"] == round(7 / 18, 3) and r["working_share"] == 0.1
    assert discriminating_obstacles(freqs, ["s1", "s2"], [], present) == []
