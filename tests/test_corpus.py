"""The corpus and gold annotations: counts the project promises, and that the
bundled documents are faithful renderings of their source texts."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from collections import Counter

import pytest

from pipeline.ingest import extract
from pipeline.ingest.segment import sentence_spans
from tests.conftest import DEMO, ROOT

sys.path.insert(0, str(ROOT / "corpora"))
import build  # noqa: E402

ANN = ROOT / "annotations"


def rows(name):
    return [json.loads(line) for line in (ANN / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def sources():
    return [build.parse_source(p) for d in build.case_dirs([]) for p in sorted(d.glob("*.txt"))]


def test_corpus_counts(sources):
    cases = {s.case for s in sources}
    assert len(cases) >= 6
    assert len(sources) >= 60
    types = Counter(s.header["type"] for s in sources)
    assert {"mou", "visit_report", "interview", "minutes", "action_plan", "news", "paper"} <= set(types)
    assert types["paper"] >= 2
    formats = Counter(s.header["format"] for s in sources)
    assert formats["scan"] >= 3 and formats["pdf-2col"] >= 1 and formats["docx"] >= 1 and formats["txt-cp1252"] >= 1


def test_gold_annotation_counts_and_validity():
    passages = rows("passages.jsonl")
    assert len(passages) >= 1500
    entities = rows("entities.jsonl")
    assert len(entities) >= 400 and len({e["doc"] for e in entities}) >= 20
    dates = [e for e in entities if e["label"] == "DATE"]
    assert len(dates) >= 100 and all(re.match(r"^\d{4}-\d{2}-\d{2}(/\d{4}-\d{2}-\d{2})?$", d["normalized"]) for d in dates)
    orgs = [e for e in entities if e["label"] == "ORG"]
    assert sum("(" in o["normalized"] for o in orgs) >= 50  # canonical names carry their city
    heldout = rows("entities_heldout.jsonl")  # a test set annotated after the entity rules were written
    assert len(heldout) >= 300 and not {e["doc"] for e in heldout} & {e["doc"] for e in entities}
    assert build.check([]) == 0


def test_every_gold_passage_points_into_its_source(sources):
    plain = {s.doc_key: s.plain for s in sources}
    for r in rows("passages.jsonl"):
        assert plain[r["doc"]][r["start"] : r["end"]] == r["text"]


def test_gold_verdicts_cover_every_case_and_element(sources):
    gold = tomllib.loads((ANN / "verdicts.toml").read_text(encoding="utf-8"))
    assert set(gold) == {s.case for s in sources}
    for case, verdicts in gold.items():
        for el in ("commitment", "participation", "understanding", "reciprocity", "outcomes"):
            assert verdicts[el] in {"fulfilled", "partial", "not_fulfilled", "insufficient_evidence"}, case


def test_every_source_is_rendered_in_the_demo_corpus(sources):
    for s in sources:
        rendered = list((DEMO / s.case).glob(s.stem + ".*"))
        assert len(rendered) == 1, s.doc_key
    for case in {s.case for s in sources}:
        assert (DEMO / case / "case.toml").read_bytes() == (build.SOURCES / case / "case.toml").read_bytes()


def _source_sentences(src):
    for kind, text in __import__("render").blocks(src.plain):
        if kind != "paragraph":
            continue
        for s, e in sentence_spans(text):
            sentence = " ".join(text[s:e].split())
            if len(sentence.split()) >= 4:
                yield sentence


def test_text_pdfs_keep_at_least_99_percent_of_source_sentences(sources):
    found = total = 0
    missing = []
    for src in sources:
        if src.header["format"] not in {"pdf", "pdf-2col"}:
            continue
        doc = extract(DEMO / src.case / f"{src.stem}.pdf", src.case)
        assert doc.status == "ok", doc.error
        text = " ".join(doc.text.split())
        for sentence in _source_sentences(src):
            total += 1
            if sentence in text:
                found += 1
            else:
                missing.append((src.doc_key, sentence))
    assert total > 1000
    assert found / total >= 0.99, f"{found}/{total} found; first missing: {missing[:5]}"
