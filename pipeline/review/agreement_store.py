"""Agreement between the codings held in the review store: reviewer vs reviewer and model vs reviewer,
per batch (the live workbench is batch "", an imported double-coding round is its own batch), with the
same statistics as annotations/AGREEMENT.md (`pipeline.review.agreement.compare`)."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from itertools import combinations
from pathlib import Path

from pipeline.review.agreement import compare, markdown, read_jsonl
from pipeline.store.reviews import ReviewStore

log = logging.getLogger(__name__)

CORPUS_CODERS = {"a": "coder_a", "b": "coder_b"}


def _row(c: dict) -> dict:
    return {"id": c["unit"], "elements": c["elements"], "stance": c["stance"], "obstacles": c["obstacles"],
            "case": c["case"]}


def store_agreement(rs: ReviewStore, min_shared: int = 2) -> dict[str, dict]:
    """{batch: {"pairs": [{"first", "second", "result"}], "model": [{"reviewer", "result"}]}}.
    `result` is `compare`'s output; pairs sharing fewer than `min_shared` passages are left out."""
    codings = rs.codings()
    by_batch: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    for c in codings:
        by_batch[c["batch"]][c["reviewer"]].append(_row(c))
    model_rows = {r["unit"]: {"id": r["unit"], **{k: r["model"].get(k) or ([] if k != "stance" else "neutral")
                                                  for k in ("elements", "stance", "obstacles")},
                              "case": r["model"].get("case")}
                  for r in rs.reviews() if r.get("model")}
    out: dict[str, dict] = {}
    for batch, by_reviewer in sorted(by_batch.items()):
        entry: dict = {"pairs": [], "model": []}
        for first, second in combinations(sorted(by_reviewer), 2):
            shared = {r["id"] for r in by_reviewer[first]} & {r["id"] for r in by_reviewer[second]}
            if len(shared) >= min_shared:
                entry["pairs"].append({"first": first, "second": second,
                                       "result": compare(by_reviewer[first], by_reviewer[second])})
        for reviewer, rows in sorted(by_reviewer.items()):
            mine = [model_rows[r["id"]] for r in rows if r["id"] in model_rows]
            if len(mine) >= min_shared:
                entry["model"].append({"reviewer": reviewer, "result": compare(mine, rows)})
        if entry["pairs"] or entry["model"]:
            out[batch] = entry
    return out


def agreement_markdown(results: dict[str, dict], command: str = "sistercity review agreement") -> str:
    named: dict[str, dict] = {}
    for batch, entry in results.items():
        label = batch or "workbench"
        for pair in entry["pairs"]:
            named[f"{label}: {pair['first']} vs {pair['second']}"] = pair["result"]
        for m in entry["model"]:
            named[f"{label}: model vs {m['reviewer']}"] = m["result"]
    return markdown(named, command)


def import_double_coding(rs: ReviewStore, annotations: Path) -> dict[str, int]:
    """The corpus's double coding (annotations/double_coding/coder_{a,b}_roundN.jsonl) as the codings of two
    reviewers, `coder_a` and `coder_b`, one batch per round. Passages are keyed like workbench passages, by
    document (`annotations:<doc>`), offsets and text, taken from annotations/passages.jsonl."""
    passages = {}
    with open(annotations / "passages.jsonl", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            passages[r["id"]] = r
    folder = annotations / "double_coding"
    counts: dict[str, int] = {}
    for path in sorted(folder.glob("coder_*_round*.jsonl")):
        coder, rnd = path.stem.split("_")[1], path.stem.rsplit("_", 1)[-1]
        if coder not in CORPUS_CODERS:
            continue
        rows = []
        for r in read_jsonl(path):
            p = passages.get(r["id"])
            if p is None:
                raise ValueError(f"{path}: passage id {r['id']} is not in {annotations / 'passages.jsonl'}")
            rows.append({"doc_key": f"annotations:{p['doc']}", "start": p["start"], "end": p["end"], "text": p["text"],
                         "elements": r["elements"], "stance": r["stance"], "obstacles": r["obstacles"],
                         "case": r["case"]})
        counts[f"{rnd}/{CORPUS_CODERS[coder]}"] = rs.import_codings(rnd, CORPUS_CODERS[coder], rows)
    if not counts:
        raise FileNotFoundError(f"no coder_a_roundN.jsonl / coder_b_roundN.jsonl files in {folder}")
    return counts
