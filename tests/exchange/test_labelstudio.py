"""Label Studio: tasks with the model's labels as predictions, a labelling config a real Label Studio
accepted, and the import of a real Label Studio export (tests/fixtures/labelstudio_export.json, made as
tests/fixtures/README says) as reviews."""

from __future__ import annotations

import json

from lxml import etree

from pipeline.exchange.gather import store_documents
from pipeline.exchange.labelstudio import codings_from_export, import_labelstudio, labelling_config, tasks
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "labelstudio_export.json"


def test_config_offers_every_code_with_its_definition(codebook):
    root = etree.fromstring(labelling_config(codebook).encode("utf-8"))
    choices = {c.get("name"): [x.get("value") for x in c.findall("Choice")] for c in root.iter("Choices")}
    assert choices == {kind: [c.key for c in codebook.of(k)]
                       for kind, k in (("stance", "stance"), ("elements", "element"), ("obstacles", "obstacle"))}
    hint = root.find(".//Choice[@value='budget']").get("hint")
    assert hint == codebook.get("obstacle", "budget").definition_en


def test_tasks_carry_the_passage_and_the_model_prediction(store):
    docs = store_documents(store)
    items = tasks(docs)
    assert len(items) == sum(len(d.passages) for d in docs)
    d = next(d for d in docs if d.model)
    p = next(p for p in d.passages if p.elements)
    t = next(t for t in items if t["data"]["doc_key"] == d.path and t["data"]["start"] == p.start)
    assert t["data"]["text"] == p.text == d.text[p.start:p.end]
    pred = t["predictions"][0]
    assert pred["model_version"] == d.model and pred["score"] == round(p.stance_scores[p.stance], 4)
    got = {r["from_name"]: r["value"]["choices"] for r in pred["result"]}
    assert got["stance"] == [p.stance] and got["elements"] == p.elements
    assert len(tasks(docs, evidence_only=True)) == sum(p.stance != "neutral" for d in docs for p in d.passages)


def test_a_real_label_studio_export_comes_back_as_reviews(store, rs, codebook):
    export = json.loads(FIXTURE.read_text(encoding="utf-8"))
    annotated = [t for t in export if t["annotations"]]
    assert len(annotated) == 4 and len(export) == 6
    report = import_labelstudio(store, FIXTURE, users={"1": "annotator"})
    assert not report.problems and not report.conflicts
    assert report.accounts == ["annotator"]
    reviews = {(r["start"], r["end"]): r for r in rs.reviews()}
    assert len(reviews) == 4
    for t in annotated:
        chosen = {r["from_name"]: r["value"]["choices"] for r in t["annotations"][0]["result"]}
        r = reviews[(t["data"]["start"], t["data"]["end"])]
        assert r["reviewer"] == "annotator" and r["doc"] == t["data"]["doc"]
        assert (r["stance"], r["elements"], r["obstacles"]) == (
            chosen["stance"][0], chosen.get("elements", []), chosen.get("obstacles", []))
        model = r["model"]  # the passage's labels as the model gave them
        same = (model["stance"], model["elements"], model["obstacles"]) == (r["stance"], r["elements"], r["obstacles"])
        assert r["status"] == ("accepted" if same else "corrected"), model
    assert {r["status"] for r in reviews.values()} == {"accepted", "corrected"}
    actions = [a["action"] for a in rs.audit(limit=None) if a["action"].startswith("passage.")]
    assert len(actions) == 4
    again = import_labelstudio(store, FIXTURE, users={"1": "annotator"})
    assert again.counts()["saved"] == 0 and again.unchanged == 4


def test_unknown_choices_are_reported_not_saved(tmp_path, codebook):
    export = json.loads(FIXTURE.read_text(encoding="utf-8"))
    task = next(t for t in export if t["annotations"])
    task["annotations"][0]["result"][0]["value"]["choices"] = ["maybe"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([task]), encoding="utf-8")
    codings, problems = codings_from_export(bad, codebook)
    assert codings == [] and len(problems) == 1 and "unknown stance maybe" in problems[0]
