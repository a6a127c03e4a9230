"""Reviewers' labels over the model's: applied to passages as they are loaded from the store.

A review matches a passage when the document path, the offsets and the SHA-256 of the
passage text are all the same; it then replaces the passage's elements, stance, obstacle
codes and case, with probability 1 for the reviewer's labels (a person decided), and
`passage.review` records who, when, and the model's own labels. A review whose passage is
gone or whose text changed is *stale*: it stays in the store, is listed as stale, and is
not applied.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

from pipeline.data import ELEMENTS, STANCES, Document, Passage
from pipeline.store.reviews import ReviewStore, text_sha

log = logging.getLogger(__name__)


def reviews_by_document(reviews: list[dict]) -> dict[str, dict[tuple[int, int, str], dict]]:
    """Reviews indexed by document path, then (start, end, text hash): for `apply_document_reviews`."""
    by_doc: dict[str, dict[tuple[int, int, str], dict]] = {}
    for r in reviews:
        by_doc.setdefault(r["doc_key"], {})[(r["start"], r["end"], r["text_sha"])] = r
    return by_doc


def apply_document_reviews(d: Document, by_doc: dict[str, dict[tuple[int, int, str], dict]]) -> list[int]:
    """Apply the reviews of one document (as loaded, one at a time) in place; returns the ids applied."""
    wanted = by_doc.get(d.path or "")
    if not wanted:
        return []
    used = []
    for p in d.passages:
        r = wanted.get((p.start, p.end, text_sha(p.text)))
        if r is not None:
            apply_review(p, r)
            used.append(r["id"])
    return used


def apply_reviews(documents: list[Document], reviews: list[dict]) -> list[dict]:
    """Apply `reviews` (ReviewStore.reviews()) to the passages of `documents` in place.
    Returns the stale reviews, each with a `stale` reason."""
    by_doc = reviews_by_document(reviews)
    used: set[int] = set()
    for d in documents:
        used.update(apply_document_reviews(d, by_doc))
    return stale_reviews(documents, reviews, used)


def stale_reviews(documents: list[Document], reviews: list[dict], used: set[int] | None = None) -> list[dict]:
    """The reviews that match no passage of `documents`, each with a `stale` reason; `documents` must
    include every stored document a review points at. `used`: the ids `apply_document_reviews` applied
    to them, when known (else the passages are matched again)."""
    if used is None:
        present = {(d.path, p.start, p.end, text_sha(p.text)) for d in documents for p in d.passages}
        used = {r["id"] for r in reviews if (r["doc_key"], r["start"], r["end"], r["text_sha"]) in present}
    stale = []
    known = {d.path for d in documents}
    for r in reviews:
        if r["id"] in used:
            continue
        why = ("the document is no longer in the store" if r["doc_key"] not in known
               else "the passage text at these offsets changed when the document was re-processed")
        stale.append({**r, "stale": why})
    if stale:
        log.info("%d reviews are stale (their passage changed or is gone); kept, not applied", len(stale))
    return stale


def apply_review(p: Passage, r: dict) -> Passage:
    p.review = {"status": r["status"], "reviewer": r["reviewer"], "at": r["at"], "version": r["version"],
                "memo": r.get("memo") or "",
                "model": {"elements": list(p.elements), "stance": p.stance, "obstacles": list(p.obstacles),
                          "case": p.case, "scores": dict(p.scores), "stance_scores": dict(p.stance_scores)}}
    p.elements, p.stance, p.obstacles = list(r["elements"]), r["stance"], list(r["obstacles"])
    p.case = r.get("case")  # None: the reviewer says the passage is about no case of the store
    p.scores = {el: 1.0 if el in p.elements else 0.0 for el in ELEMENTS}
    p.stance_scores = {st: 1.0 if st == p.stance else 0.0 for st in STANCES}
    return p


def reviewed_documents(store, documents: list[Document] | None = None) -> list[Document]:
    """The store's documents with every applicable review applied (what aggregation and reports read)."""
    documents = store.documents() if documents is None else documents
    apply_reviews(documents, ReviewStore(store).reviews())
    return documents


def iter_reviewed_documents(store, reviews: list[dict] | None = None, ids: list[int] | None = None,
                            **parts) -> Iterator[tuple[int, Document]]:
    """(row id, document) of the store one at a time, with every applicable review applied (the
    streaming twin of `reviewed_documents`); `ids` (Store.document_ids order) limits them."""
    by_doc = reviews_by_document(ReviewStore(store).reviews() if reviews is None else reviews)
    for rid, d in store.iter_rows(store.document_ids() if ids is None else ids, **parts):
        apply_document_reviews(d, by_doc)
        yield rid, d


def documents_under_review(store, reviews: list[dict]) -> tuple[list[Document], list[dict]]:
    """Only the stored documents some review points at, without their text, entities and explanations,
    with the reviews applied, and the stale reviews (what the corrections list and the export need;
    not the whole store)."""
    paths = {r["doc_key"] for r in reviews}
    wanted = store.docs_at(paths) if paths else set()
    ids = store.document_ids(docs=wanted) if wanted else []
    by_doc = reviews_by_document(reviews)
    out, used = [], set()
    for _, d in store.iter_rows(ids, text=False, entities=False, explanations=False):
        used.update(apply_document_reviews(d, by_doc))
        out.append(d)
    return out, stale_reviews(out, reviews, used)


def reviewed_verdicts(store, verdicts: dict[str, dict]) -> dict[str, dict]:
    """`verdicts` with the reviewers' overrides applied (in place; returned for chaining)."""
    from pipeline.aggregate.overrides import apply_overrides

    apply_overrides(verdicts, ReviewStore(store).overrides())
    return verdicts


def export_corrections(store, out: Path, *, only_corrected: bool = False) -> dict:
    """Write the applicable reviews as JSONL in the shape `sistercity retrain --corrections` reads
    (annotations/passages.jsonl's fields). `doc` is `<case>/<doc id>` so the retrain's leave-one-case-out
    keeps each review out of its own case's test fold. Stale reviews are not exported."""
    reviews = ReviewStore(store).reviews()
    documents, stale = documents_under_review(store, reviews)
    rows = []
    for d in documents:
        for p in d.passages:
            if p.review is None or (only_corrected and p.review["status"] != "corrected"):
                continue
            rows.append({"doc": f"{p.case or d.case or 'unknown'}/{d.doc}", "start": p.start, "end": p.end,
                         "text": p.text, "doc_type": d.type, "section": p.section, "speaker": p.speaker,
                         "case": p.case, "elements": p.elements, "stance": p.stance, "obstacles": p.obstacles,
                         "coder": p.review["reviewer"], "review_status": p.review["status"]})
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {"written": len(rows), "stale": len(stale), "path": str(out)}
