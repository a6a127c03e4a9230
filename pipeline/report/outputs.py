"""The public output files: documents.jsonl, passages.jsonl, entities.jsonl, verdicts.json.

Field names here are a contract with users' scripts (see README, "Output
contract"): add fields freely, never rename or drop one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

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
            "weight": ev.weight, "source": ev.source, "doc_type": ev.doc_type, "side": ev.side,
            "kind": getattr(ev, "kind", "account")}


def assessment_record(a) -> dict:
    """A published assessment (pipeline/aggregate/assessments.py): its value and exact quote, where it is."""
    return {"value": a.value, "doc": a.doc, "page": a.page, "start": a.start, "end": a.end, "quote": a.quote,
            "passage": a.passage, "source": a.source, "doc_type": a.doc_type}


def verdicts_record(verdicts: dict[str, dict[str, Verdict]], meta: dict | None = None) -> dict:
    return {"contract": CONTRACT_VERSION, **(meta or {}),
            "cases": {slug: case_record(by_el) for slug, by_el in verdicts.items()}}


def case_record(by_el: dict[str, Verdict]) -> dict:
    """One case's entry under "cases" in verdicts.json."""
    return {"elements": {
            el: {"status": v.status, "score": v.score, "summary": v.summary,
                 "evidence": [_evidence(e) for e in v.evidence],
                 "obstacles": [{"code": o.code, "count": o.count, "evidence": [_evidence(e) for e in o.evidence]} for o in v.obstacles],
                 "notes": v.notes,
                 "sentences": [{"text": s.text, "cites": [_evidence(e) for e in s.cites]} for s in v.sentences],
                 # the status from the evidence alone, and the documents' own assessments of the element
                 "evidence_status": v.evidence_status or v.status,
                 "published_assessment": v.published_assessment,
                 "published_agreement": v.published_agreement,
                 "published_sources": [assessment_record(a) for a in v.assessments],
                 # what set the status: "evidence", "published" (a researcher's finding) or "tiebreak"
                 "basis": v.basis,
                 **({"override": v.override} if v.override else {})}
        for el, v in by_el.items()}}


@contextmanager
def atomic_open(path: Path) -> Iterator[TextIO]:
    """A text file written under a temporary name in the same folder and renamed when the block ends
    without error: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            yield fh
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; reports are for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write(path: Path, write) -> None:
    """Write to a temporary file in the same folder and rename: a reader never sees half a file."""
    with atomic_open(path) as fh:
        write(fh)


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



CONTRACT_JSONL: tuple[str, ...] = ("documents.jsonl", "passages.jsonl", "entities.jsonl")


class ContractAdder:
    """`add(document)` of `contract_writer`, and `splice(folder)`: the three files of another
    contract_writer's folder (written by another process, for the documents that come next) appended as
    they are, so that a store's files can be written in parts, in parallel, and still come out whole."""

    def __init__(self, handles):
        self._handles = handles  # documents, passages, entities: CONTRACT_JSONL's order

    def __call__(self, d: Document) -> None:
        docs, passages, entities = self._handles
        docs.write(json.dumps(document_record(d), ensure_ascii=False) + "\n")
        for p in d.passages:
            passages.write(json.dumps(passage_record(p), ensure_ascii=False) + "\n")
        for e in d.entities:
            entities.write(json.dumps(entity_record(e), ensure_ascii=False) + "\n")

    def splice(self, folder: Path) -> None:
        for name, fh in zip(CONTRACT_JSONL, self._handles, strict=True):
            with open(Path(folder) / name, encoding="utf-8") as part:
                shutil.copyfileobj(part, fh, 1 << 20)


@contextmanager
def contract_writer(out_dir: Path) -> Iterator[ContractAdder]:
    """documents.jsonl, passages.jsonl and entities.jsonl written document by document (the same
    records as `write_outputs`): the block gets an `add(document)` (a ContractAdder); the three files
    replace the old ones when the block ends without error (each atomically), else none is touched."""
    with ExitStack() as stack:
        yield ContractAdder(tuple(stack.enter_context(atomic_open(Path(out_dir) / n)) for n in CONTRACT_JSONL))


def write_verdicts_json(path: Path, verdicts: dict[str, dict[str, Verdict]], meta: dict | None = None) -> None:
    """verdicts.json, the same bytes as json.dump(verdicts_record(...), indent=1), built one case at a
    time (the whole record of a large corpus is never held at once)."""
    def indented(obj, level: int) -> str:  # a value nested `level` deep, as json.dump(indent=1) writes it
        return json.dumps(obj, ensure_ascii=False, indent=1).replace("\n", "\n" + " " * level)

    def w(fh):
        top = {"contract": CONTRACT_VERSION, **(meta or {}), "cases": None}
        fh.write("{")
        for i, (key, value) in enumerate(top.items()):
            fh.write(("," if i else "") + "\n " + json.dumps(key, ensure_ascii=False) + ": ")
            if key != "cases":
                fh.write(indented(value, 1))
            elif not verdicts:
                fh.write("{}")
            else:
                fh.write("{")
                for j, (slug, by_el) in enumerate(verdicts.items()):
                    fh.write(("," if j else "") + "\n  " + json.dumps(slug, ensure_ascii=False) + ": "
                             + indented(case_record(by_el), 2))
                fh.write("\n }")
        fh.write("\n}")

    atomic_write(path, w)
