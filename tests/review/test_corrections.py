"""Reviews over model labels: they survive re-processing, go stale (not lost) when the text changes, win in
aggregation and reports, feed the retrain flow; verdict overrides show as overrides in every report; the
corpus's double coding imported into the store gives the figures of annotations/AGREEMENT.md."""

from __future__ import annotations

import json
import re

import pytest

from pipeline.data import Document
from tests.review.conftest import CASE, PASSWORD


@pytest.fixture
def ana(review_store):
    rid = review_store.add_reviewer("ana", PASSWORD, "admin")
    return {"id": rid, "name": "ana"}


def _neutral(docs: list[Document]):
    return next((d, p) for d in docs if d.source == "wawancara_dtkp.md" for p in d.passages
                if p.stance == "neutral" and len(p.text) > 60)


def test_a_correction_survives_reprocessing_and_goes_stale_when_its_text_changes(review_store, ana, tmp_path):
    from pipeline.review.corrections import apply_reviews, reviewed_documents
    from pipeline.store.reviews import Labels

    store = review_store.store
    d, p = _neutral(store.documents())
    review_store.save_review(ana, d.path, p, Labels(["outcomes"], "positive", [], CASE), status="corrected",
                             memo="a bridge was built", seen_version=0)
    # re-processing replaces every passage row of the document: the review still applies
    store.save_document(d)
    again = {x.path: x for x in reviewed_documents(store)}[d.path]
    q = next(x for x in again.passages if x.start == p.start)
    assert (q.stance, q.elements, q.review["status"], q.review["reviewer"]) == ("positive", ["outcomes"], "corrected", "ana")
    assert q.review["model"]["stance"] == "neutral" and q.scores["outcomes"] == 1.0
    # the text at those offsets changes: the review is kept, reported stale, and not applied
    changed = store.documents()
    doc = next(x for x in changed if x.path == d.path)
    target = next(x for x in doc.passages if x.start == p.start)
    target.text = target.text.upper()
    store.save_document(doc)
    docs = store.documents()
    stale = apply_reviews(docs, review_store.reviews())
    assert [s["memo"] for s in stale] == ["a bridge was built"] and "text at these offsets changed" in stale[0]["stale"]
    now = next(x for x in next(x for x in docs if x.path == d.path).passages if x.start == p.start)
    assert now.review is None
    assert len(review_store.reviews()) == 1
    # the corrections page and the export load only the reviewed documents, and find the same stale review
    from pipeline.review.corrections import documents_under_review, export_corrections, stale_reviews

    light, light_stale = documents_under_review(store, review_store.reviews())
    assert [x.path for x in light] == [d.path] and light[0].text == ""
    assert [s["stale"] for s in light_stale] == [stale[0]["stale"]]
    assert [s["stale"] for s in stale_reviews(light, review_store.reviews())] == [stale[0]["stale"]]
    assert export_corrections(store, tmp_path / "c.jsonl") == {"written": 0, "stale": 1, "path": str(tmp_path / "c.jsonl")}
    # a review whose document left the store is stale for that reason
    assert store.mark_removed(d.path, set()) == [d.path]
    assert [s["stale"] for s in documents_under_review(store, review_store.reviews())[1]] == [
        "the document is no longer in the store"]


def test_corrections_and_overrides_reach_the_verdicts_and_every_report(review_store, ana, tmp_path):
    from pipeline.flows import aggregate_and_report
    from pipeline.store.reviews import Labels

    store = review_store.store
    base = aggregate_and_report.fn(store.url, tmp_path / "before", {"models": {}}, "en")
    before = json.loads((tmp_path / "before" / "verdicts.json").read_text())["cases"][CASE]["elements"]
    d, p = _neutral(store.documents())
    review_store.save_review(ana, d.path, p, Labels(["participation"], "positive", [], CASE), status="corrected",
                             memo="", seen_version=0)
    review_store.save_override(ana, CASE, "reciprocity", "not_fulfilled", "only one side ever <b>visited</b>",
                               replaced_status=before["reciprocity"]["status"], seen_version=0)
    paths = aggregate_and_report.fn(store.url, tmp_path / "after", {"models": {}}, "en")
    assert set(paths) == set(base)
    out = tmp_path / "after"
    verdicts = json.loads((out / "verdicts.json").read_text())["cases"][CASE]["elements"]
    quotes = [e["quote"] for e in verdicts["participation"]["evidence"]]
    assert p.text in quotes and p.text not in [e["quote"] for e in before["participation"]["evidence"]]
    o = verdicts["reciprocity"]["override"]
    assert verdicts["reciprocity"]["status"] == "not_fulfilled" and o["reviewer"] == "ana"
    assert o["replaced_status"] == before["reciprocity"]["status"] and "visited" in o["reason"]
    assert "override" not in verdicts["commitment"]
    rows = [json.loads(line) for line in (out / "passages.jsonl").read_text().splitlines()]
    row = next(r for r in rows if r["doc"] == p.doc and r["start"] == p.start)
    assert row["review"]["status"] == "corrected" and row["elements"] == ["participation"]
    assert row["review"]["model"]["stance"] == "neutral"
    md = (out / "report.md").read_text()
    assert "**Overridden by reviewer:** ana" in md and "[reviewer override]" in md
    html = (out / "report.html").read_text()
    assert 'class="override"' in html and "&lt;b&gt;visited&lt;/b&gt;" in html and "<b>visited</b>" not in html
    csv = (out / "verdicts.csv").read_text()
    assert re.search(r"not_fulfilled,.*,ana,only one side", csv)
    # the cross-case report reads the store the same way
    from pipeline.runs.report import compare_from_store

    compare_from_store(store.url, tmp_path / "compare", [CASE], formats=("md",), lang="en")
    assert "**Overridden by reviewer:** ana" in (tmp_path / "compare" / "report.md").read_text()


def test_export_feeds_the_retrain_flow(review_store, ana, tmp_path):
    from pipeline.classify.train import doc_case, load_corrections
    from pipeline.review.corrections import export_corrections
    from pipeline.store.reviews import Labels

    docs = review_store.store.documents()
    d = next(x for x in docs if x.source == "wawancara_dtkp.md")
    first, second = d.passages[5], d.passages[6]
    review_store.save_review(ana, d.path, first, Labels(list(first.elements), first.stance, list(first.obstacles),
                                                        first.case), status="accepted", memo="", seen_version=0)
    review_store.save_review(ana, d.path, second, Labels(["commitment"], "obstacle", ["budget"], CASE),
                             status="corrected", memo="", seen_version=0)
    out = tmp_path / "corrections.jsonl"
    assert export_corrections(review_store.store, out)["written"] == 2
    examples = load_corrections(out)
    assert [e.text for e in examples] == [first.text, second.text]
    assert examples[1].stance == "obstacle" and examples[1].obstacles == ["budget"]
    assert {doc_case(e.doc) for e in examples} == {CASE}  # so the retrain keeps them out of their own case's fold
    assert export_corrections(review_store.store, out, only_corrected=True)["written"] == 1


def _agreement_md(path) -> dict[str, dict]:
    """annotations/AGREEMENT.md parsed: per round, n, each element's and the stance's kappa / alpha / raw
    agreement, and case agreement."""
    rounds: dict[str, dict] = {}
    current = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := re.match(r"## (round\d+)$", line):
            current = rounds.setdefault(m.group(1), {"rows": {}})
        elif line.startswith("## "):  # another section ("bank round10": the sentence bank, not in the store's import)
            current = None
        elif current is None:
            continue
        elif m := re.match(r"(\d+) passages coded", line):
            current["n"] = int(m.group(1))
        elif m := re.match(r"\| (\w+|stance \(3 classes\)) \| ([-\d.]+) \| ([-\d.]+) \| ([-\d.]+) \|", line):
            current["rows"][m.group(1).split()[0]] = tuple(float(x) for x in m.groups()[1:])
        elif m := re.match(r"Case attribution agreement: ([\d.]+)\.", line):
            current["case"] = float(m.group(1))
    return rounds


def test_double_coding_through_the_store_matches_agreement_md(review_store):
    from pipeline.paths import annotations_dir
    from pipeline.review.agreement_store import import_double_coding, store_agreement

    written = _agreement_md(annotations_dir() / "AGREEMENT.md")
    assert len(written) >= 2 and all(len(r["rows"]) == 6 for r in written.values())
    import_double_coding(review_store, annotations_dir())
    results = store_agreement(review_store)
    assert set(results) == set(written)
    for rnd, expected in written.items():
        (pair,) = results[rnd]["pairs"]
        assert (pair["first"], pair["second"]) == ("coder_a", "coder_b")
        r = pair["result"]
        assert r["n"] == expected["n"] and r["case_agreement"] == pytest.approx(expected["case"], abs=5e-4)
        got = {el: (v["kappa"], v["alpha"], v["agreement"]) for el, v in r["elements"].items()}
        got["stance"] = (r["stance"]["kappa"], r["stance"]["alpha"], r["stance"]["agreement"])
        assert got.keys() == expected["rows"].keys()
        for label, figures in expected["rows"].items():
            assert got[label] == pytest.approx(figures, abs=5e-4), (rnd, label)
    # importing again replaces the batch, it does not double it
    import_double_coding(review_store, annotations_dir())
    assert store_agreement(review_store)["round1"]["pairs"][0]["result"]["n"] == written["round1"]["n"]


def test_model_vs_reviewer_agreement_uses_the_models_labels_at_review_time(review_store, ana):
    from pipeline.review.agreement_store import store_agreement
    from pipeline.store.reviews import Labels

    d = next(x for x in review_store.store.documents() if x.source == "wawancara_dtkp.md")
    for p in d.passages[:6]:  # accept all: the reviewer agrees with the model everywhere
        review_store.save_review(ana, d.path, p, Labels(list(p.elements), p.stance, list(p.obstacles), p.case),
                                 status="accepted", memo="", seen_version=0)
    (m,) = store_agreement(review_store)[""]["model"]
    assert m["reviewer"] == "ana" and m["result"]["n"] == 6
    assert m["result"]["stance"]["agreement"] == 1.0 and not m["result"]["disagreements"]
