"""Reports over a store without holding its documents: one pass reads them one at a time (reviews
applied) and keeps only what the reports need of each (a light copy for the lists of documents and
the gaps, the dated mentions for the timelines, the case slugs); the contract JSONL files are written
during that pass; the HTML appendix loads each cited document again when it is its turn.

The aggregation itself reads the store one case at a time (`pipeline.runs.report.aggregate_store`).
Each pass reads in its own short transactions: a run that saves documents while the reports are
written may leave them mixing before and after (the next run sees the store changed and rewrites them).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.aggregate.gaps import TITLE_CHARS
from pipeline.aggregate.timeline import TimelineEvent, mentions_for, timelines_of
from pipeline.data import Document, Verdict
from pipeline.report import html
from pipeline.report.outputs import CONTRACT_JSONL, contract_writer
from pipeline.review.corrections import iter_reviewed_documents
from pipeline.store.db import Store


def light_document(d: Document) -> Document:
    """What the reports keep of a document: its metadata and pages, and the head of its text where the
    gaps look for its title (`gaps.document_kind`); no passages, entities or blocks."""
    return Document(doc=d.doc, source=d.source, case=d.case, type=d.type, text=d.text[:TITLE_CHARS],
                    pages=list(d.pages), status=d.status, error=d.error, path=d.path, sha256=d.sha256,
                    warnings=list(d.warnings), model=d.model)


@dataclass
class StoreScan:
    documents: list[Document] = field(default_factory=list)  # light copies, in the store's order
    ids: list[int] = field(default_factory=list)  # their row ids
    slugs: set[str] = field(default_factory=set)  # every case a document is filed under or a passage speaks of
    mentions: list[TimelineEvent] = field(default_factory=list)
    speakers: dict[tuple[str, int], str] = field(default_factory=dict)  # (doc, start) -> speaker of transcript turns

    def timelines(self) -> dict[str, list[TimelineEvent]]:
        return timelines_of(self.mentions)


    def extend(self, other: StoreScan) -> None:
        """Add the scan of the documents that come after this one's in the store's order."""
        self.documents += other.documents
        self.ids += other.ids
        self.slugs |= other.slugs
        self.mentions += other.mentions
        self.speakers.update(other.speakers)


def _scan_into(scan: StoreScan, store: Store, reviews: list[dict], by_slug: dict, ids: list[int] | None, add,
               each: Callable[[int, Document], None] | None = None) -> None:
    for rid, d in iter_reviewed_documents(store, reviews, ids):
        if each is not None:
            each(rid, d)
        if add is not None:
            add(d)
        if d.case:
            scan.slugs.add(d.case)
        scan.slugs.update(p.case for p in d.passages if p.case)
        scan.mentions.extend(mentions_for(d, by_slug))
        scan.speakers.update(((p.doc, p.start), p.speaker) for p in d.passages if p.speaker)
        scan.documents.append(light_document(d))
        scan.ids.append(rid)


def scan_part(store_url: str, ids: list[int], reviews: list[dict], cases: list | None, contract_dir: Path | None) -> StoreScan:
    """`scan_store` over the documents `ids` only, from its own connection to the store (what another
    process runs): their contract files' lines go to `contract_dir`, to be spliced in by the caller."""
    store = Store(store_url)
    try:
        scan = StoreScan()
        with (contract_writer(contract_dir) if contract_dir is not None else nullcontext()) as add:
            _scan_into(scan, store, reviews, {c.slug: c for c in cases or []}, ids, add)
        return scan
    finally:
        store.close()


# Fewest documents per part of a scan shared with other processes: below this, one process scans alone.
MIN_PART = 50


def scan_store(store: Store, reviews: list[dict], cases: list | None = None, contract_dir: Path | None = None,
               *, elsewhere: Callable | None = None, parts: int = 1,
               each: Callable[[int, Document], None] | None = None,
               handed_out: Callable[[], None] | None = None) -> tuple[StoreScan, dict[str, Path]]:
    """One pass over the store's documents (reviewers' labels applied). With `contract_dir`, writes
    documents.jsonl, passages.jsonl and entities.jsonl there as it goes (returned as name -> path).
    `each(row id, document)` sees every document of a pass in this process first, as read (reviews
    applied), before the scan reads it: how the aggregation reads the store in the same pass.

    With `elsewhere(fn, *args)` (a future's maker: the run's worker processes) and `parts` > 1, the
    documents are cut into `parts` runs of the store's order: this process scans the first while
    `elsewhere` scans the others (`scan_part`, each into a folder of its own), and each part's scan and
    contract lines are then appended in order: the same scan and the same bytes as one pass. `handed_out()` is
    called once the other parts are handed out, before this process scans its own (more work for `elsewhere`
    then queues behind the parts, whose results this process waits for first)."""
    by_slug = {c.slug: c for c in cases or []}
    scan = StoreScan()
    ids = store.document_ids()
    parts = max(1, min(parts, len(ids) // MIN_PART)) if elsewhere is not None else 1
    size = -(-len(ids) // parts) if ids else 0
    with (contract_writer(contract_dir) if contract_dir is not None else nullcontext()) as add, \
            (tempfile.TemporaryDirectory(prefix="sistercity-scan-") if parts > 1 else nullcontext()) as tmp:
        later = []
        for i in range(1, parts):
            folder = Path(tmp) / str(i) if contract_dir is not None else None
            later.append((folder, elsewhere(scan_part, store.url, ids[i * size:(i + 1) * size], reviews, cases, folder)))
        if handed_out is not None:
            handed_out()
        _scan_into(scan, store, reviews, by_slug, ids[:size] if parts > 1 else ids, add, each)
        for folder, future in later:
            scan.extend(future.result())
            if add is not None:
                add.splice(folder)
    paths = {n: Path(contract_dir) / n for n in CONTRACT_JSONL} if contract_dir is not None else {}
    return scan, paths


def appendix_from_store(store: Store, scan: StoreScan, verdicts: dict[str, dict[str, Verdict]],
                        timelines: dict[str, list[TimelineEvent]], lang: str) -> Iterator[str]:
    """The HTML appendix, one cited document loaded (text and pages only) and rendered at a time."""
    by_doc = html.spans_by_doc(html.cited_spans(verdicts, timelines))
    order = html.appendix_order(scan.documents, by_doc)
    for _, d in store.iter_rows([scan.ids[i] for i in order], passages=False, entities=False, batch=5):
        if d.doc in by_doc:  # else re-processed with new content by another run since the scan: not cited
            yield html.appendix_document_html(d, by_doc[d.doc], lang)
