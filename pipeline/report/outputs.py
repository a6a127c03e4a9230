"""The public output files: documents.jsonl, passages.jsonl, entities.jsonl, verdicts.json.

Field names here are a contract with users' scripts (see README, "Output
contract"): add fields freely, never rename or drop one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from pipeline.data import Document, Entity, Passage, Verdict

CONTRACT_VERSION = "1.0"


def document_record(d: Document) -> dict:
    rec = {"doc": d.doc, "source": d.source, "case": d.case, "type": d.type, "text": d.text,
           "pages": [{"page": p.page, "start": p.start, "end": p.end, **({"ocr_confidence": p.ocr_confidence} if p.ocr_confidence is not None else {})} for p in d.pages],
           "status": d.status}
    if d.error:
        rec["error"] = d.error
    if d.warnings:
        rec["warnings"] = d.warnings
    if d.path:
        rec["path"] = d.path
    return rec


def passage_record(p: Passage) -> dict:
    rec = {"doc": p.doc, "page": p.page, "start": p.start, "end": p.end, "text": p.text, "case": p.case,
            "scores": p.scores, "elements": p.elements, "stance": p.stance, "obstacles": p.obstacles,
            "section": p.section, "speaker": p.speaker, "stance_scores": p.stance_scores,
            "why": {label: [[feature, weight] for feature, weight in feats] for label, feats in (p.explanation or {}).items()}}
    if p.review is not None:  # a reviewer's labels replaced the model's (the model's are kept in review.model)
        rec["review"] = p.review
    return rec


def entity_record(e: Entity) -> dict:
    return {"doc": e.doc, "page": e.page, "start": e.start, "end": e.end, "text": e.text, "label": e.label,
            "normalized": e.normalized}


def _evidence(ev) -> dict:
    return {"doc": ev.doc, "page": ev.page, "start": ev.start, "end": ev.end, "quote": ev.quote, "stance": ev.stance,
            "weight": ev.weight, "source": ev.source, "doc_type": ev.doc_type, "side": ev.side}


def verdicts_record(verdicts: dict[str, dict[str, Verdict]], meta: dict | None = None) -> dict:
    cases = {}
    for slug, by_el in verdicts.items():
        cases[slug] = {"elements": {
            el: {"status": v.status, "score": v.score, "summary": v.summary,
                 "evidence": [_evidence(e) for e in v.evidence],
                 "obstacles": [{"code": o.code, "count": o.count, "evidence": [_evidence(e) for e in o.evidence]} for o in v.obstacles],
                 "notes": v.notes,
                 "sentences": [{"text": s.text, "cites": [_evidence(e) for e in s.cites]} for s in v.sentences],
                 **({"override": v.override} if v.override else {})}
            for el, v in by_el.items()}}
    return {"contract": CONTRACT_VERSION, **(meta or {}), "cases": cases}


def atomic_write(path: Path, write) -> None:
    """Write to a temporary file in the same folder and rename: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            write(fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; reports are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_jsonl(path: Path, records: Iterable[dict]) -> None:
    def _w(fh):
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")

    atomic_write(path, _w)


def write_outputs(out_dir: Path, documents: list[Document], verdicts: dict[str, dict[str, Verdict]],
                  meta: dict | None = None) -> dict[str, Path]:
    out_dir = Path(out_dir)
    paths = {name: out_dir / name for name in ("documents.jsonl", "passages.jsonl", "entities.jsonl", "verdicts.json")}
    write_jsonl(paths["documents.jsonl"], (document_record(d) for d in documents))
    write_jsonl(paths["passages.jsonl"], (passage_record(p) for d in documents for p in d.passages))
    write_jsonl(paths["entities.jsonl"], (entity_record(e) for d in documents for e in d.entities))
    atomic_write(paths["verdicts.json"], lambda fh: json.dump(verdicts_record(verdicts, meta), fh, ensure_ascii=False, indent=1))
    return paths

