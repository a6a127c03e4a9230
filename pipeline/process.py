"""The stage functions in pipeline order, with no orchestrator.

`sistercity analyze` calls these directly; `flows.py` wraps the same
functions as Prefect tasks. Nothing here imports Prefect.
"""

from __future__ import annotations

import bisect
import functools
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.aggregate.adjust import shipped_confusion
from pipeline.aggregate.verdicts import Thresholds, aggregate
from pipeline.classify.attribution import attribute_sequence
from pipeline.classify.model import Example, PassageClassifier, load, with_context
from pipeline.data import Case, Document, Verdict
from pipeline.ingest import extract
from pipeline.ingest.errors import TransientIngestError
from pipeline.ingest.limits import Limits
from pipeline.nlp.entities import tag_document
from pipeline.paths import models_dir
from pipeline.report.build import known_cases, write_reports
from pipeline.report.outputs import write_outputs
from pipeline.report.texts import resolve_lang

log = logging.getLogger(__name__)


@dataclass
class Models:
    classifier: PassageClassifier
    card: dict

    @property
    def versions(self) -> dict[str, str]:
        return {"passage_classifier": self.card.get("name", "?")}


@functools.lru_cache(maxsize=4)
def load_models(folder: str | None = None, version: str | None = None) -> Models:
    """Load the shipped models once per process."""
    clf, card = load(Path(folder) if folder else models_dir(), version)
    return Models(clf, card)


@dataclass
class StageTimer:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 4)


def extract_stage(path: Path | str, case: str | None, *, max_bytes: int, ocr: bool = True,
                  data: bytes | None = None, limits: Limits | None = None) -> Document:
    """`path` may be a remote URL (an fsspec inbox): its bytes are fetched unless given as `data`."""
    from pipeline.ingest.discover import is_url, read_url
    from pipeline.ingest.errors import IngestError

    if data is None and is_url(path):
        try:
            data = read_url(str(path), max_bytes)
        except IngestError as exc:
            if isinstance(exc, TransientIngestError):
                raise
            log.warning("failed: %s", exc.message)
            return Document(doc="", source=Path(str(path)).name, case=case, path=str(path)).failed(str(exc))
    return extract(path, case, data=data, max_bytes=max_bytes, ocr=ocr, limits=limits)


def nlp_stage(doc: Document, case: Case | None, cases: list[Case]) -> Document:
    if doc.status == "ok":
        doc.entities = tag_document(doc, case, cases)
    return doc


def classify_stage(doc: Document, cases: list[Case], models: Models) -> Document:
    if doc.status != "ok" or not doc.passages:
        return doc
    starts = [b.start for b in doc.blocks]
    groups = [bisect.bisect_right(starts, p.start) for p in doc.passages]  # the block each passage is in
    for p, case in zip(doc.passages, attribute_sequence([p.text for p in doc.passages], groups, doc.case, cases)):
        p.case = case
    examples = with_context([Example(text=p.text, elements=[], stance="neutral", obstacles=[], doc_type=doc.type,
                                     section=p.section, speaker=p.speaker, doc=doc.doc) for p in doc.passages])
    for p, pred in zip(doc.passages, models.classifier.predict(examples, explain=True)):
        p.scores, p.elements, p.stance = pred["scores"], pred["elements"], pred["stance"]
        p.stance_scores, p.obstacles, p.explanation = pred["stance_scores"], pred["obstacles"], pred["why"]
    doc.model = models.versions["passage_classifier"]
    return doc


def process_file(path: Path | str, case: str | None, cases: list[Case], models: Models, *, max_bytes: int,
                 ocr: bool = True, timer: StageTimer | None = None, data: bytes | None = None,
                 limits: Limits | None = None) -> Document:
    """Extract, tag and classify one file (a path, or a remote URL). Never raises for a bad file: an error
    in tagging or classifying its text fails this document, with the stage and the file in the reason."""
    timer = timer or StageTimer()
    by_slug = {c.slug: c for c in cases}
    t = time.perf_counter()
    doc = extract_stage(path, case, max_bytes=max_bytes, ocr=ocr, data=data, limits=limits)
    timer.add("extract", t)
    stage = "nlp"
    try:
        t = time.perf_counter()
        nlp_stage(doc, by_slug.get(case or ""), cases)
        timer.add("nlp", t)
        stage = "classify"
        t = time.perf_counter()
        classify_stage(doc, cases, models)
        timer.add("classify", t)
    except Exception as exc:  # noqa: BLE001 - this document fails with the reason, the run goes on
        log.warning("failed: %s: %s stage: %s: %s", doc.source, stage, type(exc).__name__, exc)
        doc.failed(f"{stage}_error: {doc.source}: the {stage} stage failed on this document "
                   f"({type(exc).__name__}: {str(exc)[:300]})")
    return doc


def shipped_thresholds(models: Iterable[str | None]) -> Thresholds:
    """The shipped cut-offs, adjusted for the stance confusion of the classifier that labelled the most
    documents (`models`: one entry per document, in the store's order; ties go to the first seen)."""
    used = Counter(m for m in models if m)
    return Thresholds(confusion=shipped_confusion(version=used.most_common(1)[0][0] if used else None),
                      published_tiebreak=published_tiebreak())


def published_tiebreak() -> bool:
    """SISTERCITY_PUBLISHED_TIEBREAK (set by --published-tiebreak): a case document's own stated verdict
    decides a near tie (`Thresholds.published_tiebreak`). Off unless set to 1/true/yes/on."""
    return os.environ.get("SISTERCITY_PUBLISHED_TIEBREAK", "").strip().lower() in {"1", "true", "yes", "on"}


def aggregate_stage(documents: list[Document], case_slugs: Iterable[str], thresholds: Thresholds | None = None,
                    *, cases: list[Case] | None = None, lang: str | None = None) -> dict[str, dict[str, Verdict]]:
    lang = resolve_lang(lang)
    docs = {d.doc: d for d in documents if d.status == "ok"}
    if thresholds is None:
        thresholds = shipped_thresholds(d.model for d in docs.values())
    passages = [p for d in docs.values() for p in d.passages]
    return aggregate(sorted(set(case_slugs)), passages, docs, thresholds,
                     case_info={c.slug: c for c in cases or []}, lang=lang)


def store_thresholds(store) -> Thresholds:
    """`aggregate_stage`'s default thresholds for all of a store's documents, from a query of their models
    (no document loaded). A document id stored twice counts once, as in `aggregate_stage`."""
    last: dict[str, str | None] = {}
    for doc, model in store.document_models():
        last[doc] = model
    return shipped_thresholds(last.values())


def aggregate_store(store, case_slugs: Iterable[str], reviews: list[dict], thresholds: Thresholds | None = None, *,
                    cases: list[Case] | None = None, lang: str | None = None) -> dict[str, dict[str, Verdict]]:
    """`aggregate_stage` over every document of a store, one case at a time: for a case, only the
    documents with a passage attributed to it (by the model, or by a reviewer) are loaded, without their
    text and entities, with the reviews applied. The verdicts are those of `aggregate_stage` over all
    the store's documents (reviewed) at once."""
    from pipeline.review.corrections import iter_reviewed_documents

    thresholds = thresholds or store_thresholds(store)
    reviewed_into: dict[str, set[str]] = {}  # case -> paths of documents a reviewer attributed a passage to it in
    for r in reviews:
        if r.get("case"):
            reviewed_into.setdefault(r["case"], set()).add(r["doc_key"])
    out: dict[str, dict[str, Verdict]] = {}
    for slug in sorted(set(case_slugs)):
        wanted = store.docs_with_passages_of(slug)
        if slug in reviewed_into:
            wanted |= store.docs_at(reviewed_into[slug])
        ids = store.document_ids(docs=wanted, status="ok") if wanted else []
        docs = []
        for _, d in iter_reviewed_documents(store, reviews, ids, text=False, entities=False, explanations=False):
            # only this case's passages count (`decide`), and for obstacle codes those at the same offsets
            starts = {p.start for p in d.passages if p.case == slug}
            d.passages = [p for p in d.passages if p.start in starts]
            docs.append(d)
        out.update(aggregate_stage(docs, [slug], thresholds, cases=cases, lang=lang))
    return out


def report_from_store(store, out_dir: Path, meta: dict | None, *, cases: list[Case] | None = None,
                      lang: str | None = None, contract: bool = True,
                      choose: Callable[[set[str]], list[str]] | None = None,
                      formats: tuple[str, ...] | None = None) -> tuple[dict[str, dict[str, Verdict]], dict[str, Path]]:
    """Aggregate a store and write the reports without holding its documents: what `aggregate_stage` then
    `report_stage` do over `reviewed_documents(store)`, with the same files (the contract files with
    `contract`), in memory that does not grow with the number of documents (only with the reports).
    `choose` picks the cases to report from all the store's slugs (default: all of them); `cases`
    (else those of meta["inbox"]) are the Case objects; `formats` those of `write_reports`."""
    from pipeline.report.build import FORMATS
    from pipeline.report.outputs import write_verdicts_json
    from pipeline.report.stream import appendix_from_store, scan_store
    from pipeline.review.corrections import reviewed_verdicts
    from pipeline.review.store import ReviewStore

    lang = resolve_lang(lang)
    if cases is None:
        cases = known_cases((meta or {}).get("inbox"))
    out_dir = Path(out_dir)
    reviews = ReviewStore(store).reviews()
    scan, paths = scan_store(store, reviews, cases, out_dir if contract else None)
    chosen = choose(scan.slugs) if choose else sorted(scan.slugs)
    verdicts = reviewed_verdicts(store, aggregate_store(store, chosen, reviews, cases=cases, lang=lang))
    if contract:
        paths["verdicts.json"] = out_dir / "verdicts.json"
        write_verdicts_json(paths["verdicts.json"], verdicts, meta)
    timelines = {slug: events for slug, events in scan.timelines().items() if slug in verdicts}
    formats = FORMATS if formats is None else formats
    appendix = appendix_from_store(store, scan, verdicts, timelines, lang) if "html" in formats else None
    paths.update(write_reports(out_dir, scan.documents, verdicts, cases=cases, lang=lang, meta=meta, formats=formats,
                               timelines=timelines, appendix=appendix, speakers=scan.speakers))
    return verdicts, paths


def report_stage(out_dir: Path, documents: list[Document], verdicts: dict[str, dict[str, Verdict]],
                 meta: dict | None = None, *, cases: list[Case] | None = None, lang: str | None = None) -> dict[str, Path]:
    """The contract files, then report.md, report.html, the CSV tables and timeline/gaps/comparison JSON.
    `cases` (else those of meta["inbox"]) tell the timelines which city is local and which the partner;
    `lang` (else SISTERCITY_LANG, else "id") is the language of the reports' fixed texts."""
    paths = write_outputs(out_dir, documents, verdicts, meta)
    if cases is None:
        cases = known_cases((meta or {}).get("inbox"))
    paths.update(write_reports(out_dir, documents, verdicts, cases=cases, lang=lang, meta=meta))
    return paths


def analyze_files(files: list[Path], case: Case | None, out_dir: Path, *, known_cases: list[Case] | None = None,
                  max_bytes: int, ocr: bool = True, models: Models | None = None, lang: str | None = None,
                  progress: Callable[[Path, Document], None] | None = None) -> tuple[list[Document], dict[str, Path]]:
    """One-shot analysis of loose files: every stage, no store, no orchestrator. With a `case` the reports
    hold that case only (passages the classifier attributes to another known case are left out of them);
    without one, every case the passages are attributed to."""
    models = models or load_models()
    cases = ([case] if case else []) + [c for c in (known_cases or []) if case is None or c.slug != case.slug]
    timer = StageTimer()
    documents = []
    for path in files:
        doc = process_file(path, case.slug if case else None, cases, models, max_bytes=max_bytes, ocr=ocr, timer=timer)
        documents.append(doc)
        if progress:
            progress(path, doc)
    slugs = {case.slug} if case else {p.case for d in documents for p in d.passages if p.case}
    verdicts = aggregate_stage(documents, slugs, cases=cases, lang=lang)
    paths = report_stage(out_dir, documents, verdicts, {"models": models.versions, "seconds": timer.seconds},
                         cases=cases, lang=lang)
    return documents, paths


def file_digest(path: Path) -> str:
    import hashlib

    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def unchanged_in_store(store, path: Path | str, max_bytes: int) -> tuple[str, bool]:
    """(store key, True when the store holds this exact content for it): the cheap check a run makes
    before handing a document to a worker. Anything unreadable counts as changed (the worker reports it)."""
    import hashlib

    from pipeline.ingest.discover import is_url, read_url, store_key
    from pipeline.ingest.errors import IngestError

    if is_url(path):
        key = str(path)
        try:
            digest = hashlib.sha256(read_url(key, max_bytes)).hexdigest()
        except IngestError:
            return key, False
    else:
        key = store_key(path)
        try:
            digest = file_digest(path)
        except OSError:
            return key, False
    known = store.fingerprint(key)
    return key, known is not None and known[0] == digest and not known[2]


def ingest_into_store(store, path: Path | str, case: str | None, cases: list[Case], models: Models, *, max_bytes: int,
                      ocr: bool = True, timer: StageTimer | None = None, owner: str | None = None,
                      run_id: int | None = None, limits: Limits | None = None, refused: str | None = None) -> dict:
    """Process one inbox file into the store unless it is unchanged. Returns what happened.

    The outcome is `skipped` (same content already stored), `busy` (another live run holds the
    document's claim: it will store it), `new`, `changed` or `failed`. The file is processed only
    under a claim, and the claim is dropped in the transaction that saves the result, so two runs
    never both process it and a run killed at any point leaves either the old rows or the new ones.
    `refused` (a link out of the inbox, an invalid case file) stores the file as failed with that reason,
    unread.
    """
    import hashlib

    from pipeline.ingest.discover import is_url, read_url, store_key
    from pipeline.ingest.errors import IngestError
    from pipeline.store.db import new_owner
    from pipeline.store.faults import fault

    data = None  # a remote document's bytes: fetched once, for the hash and for extraction
    if refused:
        key, digest = store_key(path), None
    elif is_url(path):
        key = str(path)
        try:
            data = read_url(key, max_bytes)
            digest = hashlib.sha256(data).hexdigest()
        except IngestError as exc:
            if isinstance(exc, TransientIngestError):
                raise
            digest = None  # processed below, and stored as failed with the reason
            log.warning("cannot read %s: %s", key, exc)
    else:
        key = store_key(path)
        try:
            digest = file_digest(path)
        except OSError as exc:
            digest = None
            log.warning("cannot read %s: %s", path, exc)

    def unchanged(known) -> bool:
        return digest is not None and known is not None and known[0] == digest and not known[2]

    known = store.fingerprint(key)
    if unchanged(known):
        return {"path": key, "outcome": "skipped", "case": case}
    owner = owner or new_owner()
    if not store.claim(key, owner, run_id):
        log.info("%s is being processed by another run", key)
        return {"path": key, "outcome": "busy", "case": case}
    try:
        fault("claimed")
        known = store.fingerprint(key)  # another run may have stored it between our look and our claim
        if unchanged(known):
            store.release(key, owner)
            return {"path": key, "outcome": "skipped", "case": case}
        if refused:
            log.warning("failed: %s", refused)
            doc = Document(doc="", source=Path(str(path)).name, case=case, path=key).failed(refused)
        else:
            doc = process_file(path, case, cases, models, max_bytes=max_bytes, ocr=ocr, timer=timer, data=data,
                               limits=limits)
        doc.path = key
        fault("processed")
        t = time.perf_counter()
        store.save_document(doc, model=models.versions["passage_classifier"], owner=owner)
        if timer:
            timer.add("store", t)
        fault("saved")
    except BaseException:
        try:
            store.release(key, owner)
        except Exception:  # noqa: BLE001 - the original error matters more; the claim goes stale
            log.exception("could not release the claim on %s", key)
        raise
    outcome = "failed" if doc.status != "ok" else ("changed" if known is not None else "new")
    return {"path": key, "outcome": outcome, "case": case, "error": doc.error}
