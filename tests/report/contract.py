"""Checks of the public output contract, shared by the analyze and run tests."""

from __future__ import annotations

import json
import re
from pathlib import Path

from pipeline.data import DOC_TYPES, ELEMENTS, ENTITY_LABELS, OBSTACLE_CODES, STANCES, VERDICTS

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?$")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_outputs(out: Path) -> dict:
    docs = read_jsonl(out / "documents.jsonl")
    passages = read_jsonl(out / "passages.jsonl")
    entities = read_jsonl(out / "entities.jsonl")
    verdicts = json.loads((out / "verdicts.json").read_text(encoding="utf-8"))
    texts = {}
    for d in docs:
        assert {"doc", "source", "case", "type", "text", "pages", "status"} <= set(d)
        assert d["type"] in DOC_TYPES and d["status"] in {"ok", "failed"}
        if d["status"] == "failed":
            assert d["error"] and d["source"] in d["error"]
            continue
        texts[d["doc"]] = d["text"]
        assert all({"page", "start", "end"} <= set(p) for p in d["pages"])
    for p in passages:
        assert {"doc", "page", "start", "end", "text", "case", "scores", "elements", "stance", "obstacles"} <= set(p)
        assert texts[p["doc"]][p["start"] : p["end"]] == p["text"]
        assert set(p["scores"]) == set(ELEMENTS) and set(p["elements"]) <= set(ELEMENTS)
        assert p["stance"] in STANCES and set(p["obstacles"]) <= set(OBSTACLE_CODES)
        if p.get("why"):  # the explanation covers the predicted labels and nothing else
            assert set(p["why"]) <= {*p["elements"], f"stance:{p['stance']}"}
            assert all(isinstance(f, str) and w > 0 for feats in p["why"].values() for f, w in feats)
    for e in entities:
        assert {"doc", "page", "start", "end", "text", "label", "normalized"} <= set(e)
        assert texts[e["doc"]][e["start"] : e["end"]] == e["text"]
        assert e["label"] in ENTITY_LABELS
        if e["label"] == "DATE":
            assert ISO.match(e["normalized"]), e
    for slug, case in verdicts["cases"].items():
        assert set(case["elements"]) == set(ELEMENTS), slug
        for v in case["elements"].values():
            assert v["status"] in VERDICTS and isinstance(v["score"], float)
            for ev in v["evidence"] + [e for o in v["obstacles"] for e in o["evidence"]]:
                assert texts[ev["doc"]][ev["start"] : ev["end"]] == ev["quote"]
                assert ev["stance"] in {"positive", "obstacle"}
                assert ev["kind"] in {"finding", "account", "announcement", "background", "stated", "weak"}
            # "stated": a passage that names an obstacle in so many words; it is cited for obstacles only
            assert all(ev["kind"] != "stated" for ev in v["evidence"])
            # "weak": cited only when the status was read from probabilities, below the evidence floor
            if any(ev["kind"] == "weak" for ev in v["evidence"]):
                assert any(n.startswith("thin evidence: no passage was read as evidence") for n in v["notes"])
            assert v["summary"] == " ".join(s["text"] for s in v["sentences"])
            assert v["evidence_status"] in VERDICTS
            assert v["basis"] in {"evidence", "published", "tiebreak"}
            if v["basis"] == "published":  # a researcher's stated finding set it: a paper states that value
                assert any(a["value"] == v["status"] and a["doc_type"] == "paper" for a in v["published_sources"])
            elif v["basis"] == "evidence" and not v.get("override"):
                assert v["status"] == v["evidence_status"]
            assert v["published_agreement"] in {None, "agrees", "one_step", "conflict", "differs", "sources_disagree"}
            assert (v["published_assessment"] is None) == (not v["published_sources"])
            for a in v["published_sources"]:  # the documents' own assessments: exact quotes, each cited in the summary
                assert texts[a["doc"]][a["start"]:a["end"]] == a["quote"] and a["value"] in VERDICTS
                assert any(ev["start"] == a["start"] and ev["doc"] == a["doc"] for s in v["sentences"] for ev in s["cites"])
            for sentence in v["sentences"]:
                assert sentence["cites"], f"uncited summary sentence: {sentence['text']!r}"
                for ev in sentence["cites"]:
                    assert texts[ev["doc"]][ev["start"] : ev["end"]] == ev["quote"]
                    assert f", hlm. {ev['page']}]" in sentence["text"]
                for quoted in re.findall(r"\u201c(.*?)\u201d", sentence["text"]):
                    assert any(quoted == ev["quote"] for ev in sentence["cites"]), quoted
    return {"documents": docs, "passages": passages, "entities": entities, "verdicts": verdicts}
