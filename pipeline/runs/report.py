"""The verdicts and reports of a whole store, read document by document and one case at a time, so memory
does not grow with the store: what `stages.aggregate_stage` then `stages.report_stage` do over all its
documents (reviewers' labels applied), with the same files."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path

from pipeline.aggregate.verdicts import Thresholds
from pipeline.config import Settings
from pipeline.data import Case, Document, Verdict
from pipeline.report.build import FORMATS, known_cases, write_reports
from pipeline.report.outputs import write_verdicts_json
from pipeline.report.texts import resolve_lang
from pipeline.review.corrections import iter_reviewed_documents, reviewed_verdicts
from pipeline.runs.scan import appendix_from_store, scan_store
from pipeline.stages import aggregate_stage, shipped_thresholds
from pipeline.store.db import Store
from pipeline.store.reviews import ReviewStore


def store_thresholds(store: Store, published_tiebreak: bool = False, models_folder: Path | None = None) -> Thresholds:
    """`aggregate_stage`'s default thresholds for all of a store's documents, from a query of their models
    (no document loaded). A document id stored twice counts once, as in `aggregate_stage`."""
    last: dict[str, str | None] = {}
    for doc, model in store.document_models():
        last[doc] = model
    return shipped_thresholds(last.values(), published_tiebreak, models_folder)


def _reviewed_into(reviews: list[dict]) -> dict[str, set[str]]:
    """case -> paths of the documents a reviewer attributed a passage to it in."""
    out: dict[str, set[str]] = {}
    for r in reviews:
        if r.get("case"):
            out.setdefault(r["case"], set()).add(r["doc_key"])
    return out


def _case_rows(store: Store, slug: str, reviewed_into: dict[str, set[str]]) -> list[int]:
    """Row ids (`Store.document_ids` order) of the readable documents a case's aggregation reads: those
    with a passage attributed to it by the model, or by a reviewer."""
    wanted = store.docs_with_passages_of(slug)
    if slug in reviewed_into:
        wanted |= store.docs_at(reviewed_into[slug])
    return store.document_ids(docs=wanted, status="ok") if wanted else []


def _for_case(d: Document, slug: str) -> Document:
    """What a case's aggregation keeps of a document: only this case's passages count (`decide`), and for
    obstacle codes those at the same offsets; no text, entities or explanations (as
    `iter_rows(text=False, entities=False, explanations=False)` loads it)."""
    starts = {p.start for p in d.passages if p.case == slug}
    return replace(d, text="", entities=[],
                   passages=[replace(p, explanation={}) for p in d.passages if p.start in starts])


def aggregate_store(store: Store, case_slugs: Iterable[str], reviews: list[dict], thresholds: Thresholds | None = None,
                    *, cases: list[Case] | None = None, lang: str | None = None,
                    published_tiebreak: bool = False, models_folder: Path | None = None) -> dict[str, dict[str, Verdict]]:
    """`aggregate_stage` over every document of a store, one case at a time: for a case, only the
    documents with a passage attributed to it (by the model, or by a reviewer) are loaded, without their
    text and entities, with the reviews applied. The verdicts are those of `aggregate_stage` over all
    the store's documents (reviewed) at once."""
    thresholds = thresholds or store_thresholds(store, published_tiebreak, models_folder)
    reviewed_into = _reviewed_into(reviews)
    out: dict[str, dict[str, Verdict]] = {}
    for slug in sorted(set(case_slugs)):
        ids = _case_rows(store, slug, reviewed_into)
        docs = [_for_case(d, slug) for _, d in iter_reviewed_documents(store, reviews, ids, text=False,
                                                                       entities=False, explanations=False)]
        out.update(aggregate_stage(docs, [slug], thresholds, cases=cases, lang=lang))
    return out


# Passages (of documents read for a case whose last document the scan has not reached yet) that
# `AggregateAlong` holds at most; beyond, the case farthest from its end is read again after the scan.
HOLD_PASSAGES = 20_000


class AggregateAlong:
    """`aggregate_store`'s verdicts for `case_slugs`, from the documents of the store's one pass for the
    reports (`scan_store(each=...)`) rather than a second read of the store per case: each case keeps its
    share of the documents it reads (`_for_case`, no text) until the pass reaches its last one, then is
    aggregated and let go. The documents held at once are bounded (`hold` passages): when they would be
    more, the case whose last document is farthest away lets its share go and is aggregated by
    `aggregate_store` after the pass (`finish`), as are cases whose documents the pass did not all see.
    The same verdicts as `aggregate_store`, in memory that does not grow with the store."""

    def __init__(self, store: Store, case_slugs: Iterable[str], reviews: list[dict], thresholds: Thresholds | None = None,
                 *, cases: list[Case] | None = None, lang: str | None = None, published_tiebreak: bool = False,
                 models_folder: Path | None = None, hold: int = HOLD_PASSAGES):
        self.store, self.reviews, self.cases, self.lang, self.hold = store, reviews, cases, lang, hold
        self.thresholds = thresholds or store_thresholds(store, published_tiebreak, models_folder)
        reviewed_into = _reviewed_into(reviews)
        position = {rid: i for i, rid in enumerate(store.document_ids())}
        self.readers: dict[int, list[str]] = {}  # row id -> the cases that read it
        self.ends: dict[int, list[str]] = {}  # row id -> the cases it is the last document of
        self.end_at: dict[str, int] = {}  # case -> position of its last document in the pass
        self.held: dict[str, list[Document]] = {}
        self.size: dict[str, int] = {}  # case -> passages held
        self.total = 0  # passages held in all
        self.later: set[str] = set()  # cases to aggregate after the pass
        self.verdicts: dict[str, dict[str, Verdict]] = {}
        for slug in sorted(set(case_slugs)):
            ids = _case_rows(store, slug, reviewed_into)
            if not ids:
                self._aggregate(slug, [])
            elif any(rid not in position for rid in ids):  # changed since: the pass will not see it
                self.later.add(slug)
            else:
                for rid in ids:
                    self.readers.setdefault(rid, []).append(slug)
                self.ends.setdefault(ids[-1], []).append(slug)
                self.end_at[slug] = max(position[rid] for rid in ids)
                self.held[slug], self.size[slug] = [], 0

    def _aggregate(self, slug: str, docs: list[Document]) -> None:
        self.verdicts.update(aggregate_stage(docs, [slug], self.thresholds, cases=self.cases, lang=self.lang))

    def __call__(self, rid: int, d: Document) -> None:
        for slug in self.readers.get(rid, ()):
            if slug in self.held:
                kept = _for_case(d, slug)
                self.held[slug].append(kept)
                self.size[slug] += len(kept.passages)
                self.total += len(kept.passages)
        for slug in self.ends.get(rid, ()):
            if slug in self.held:
                self._aggregate(slug, self.held.pop(slug))
                self.total -= self.size.pop(slug)
        while self.total > self.hold:
            far = max(self.size, key=lambda slug: (self.end_at[slug], slug))
            del self.held[far]
            self.total -= self.size.pop(far)
            self.later.add(far)

    def finish(self) -> dict[str, dict[str, Verdict]]:
        """The verdicts of every case, in `aggregate_store`'s order (cases the pass did not finish read again)."""
        self.later |= set(self.held)
        self.held.clear()
        self.size.clear()
        self.total = 0
        if self.later:
            self.verdicts.update(aggregate_store(self.store, self.later, self.reviews, self.thresholds, cases=self.cases,
                                                 lang=self.lang))
        return {slug: self.verdicts[slug] for slug in sorted(self.verdicts)}


def aggregate_cases(store_url: str, case_slugs: list[str], reviews: list[dict], cases: list[Case] | None,
                    lang: str | None, published_tiebreak: bool, models_folder: Path | None) -> dict[str, dict[str, Verdict]]:
    """`aggregate_store` from a store URL (its own connection): what another process runs."""
    store = Store(store_url)
    try:
        return aggregate_store(store, case_slugs, reviews, cases=cases, lang=lang, published_tiebreak=published_tiebreak,
                               models_folder=models_folder)
    finally:
        store.close()


def _store_cases(store: Store, reviews: list[dict]) -> list[str]:
    """The cases a store names (documents' folders, passages' attributions, reviewers' moves), without a scan."""
    return sorted({*store.cases(include_removed=False), *store.passage_cases(),
                   *(r["case"] for r in reviews if r.get("case"))})


def report_from_store(store: Store, out_dir: Path, meta: dict | None, *, cases: list[Case] | None = None,
                      lang: str | None = None, contract: bool = True,
                      choose: Callable[[set[str]], list[str]] | None = None,
                      formats: tuple[str, ...] | None = None,
                      published_tiebreak: bool = False, models_folder: Path | None = None,
                      elsewhere: Callable | None = None, workers: int = 1) -> tuple[dict[str, dict[str, Verdict]], dict[str, Path]]:
    """Aggregate a store and write the reports without holding its documents: what `aggregate_stage` then
    `report_stage` do over `reviewed_documents(store)`, with the same files (the contract files with
    `contract`), in memory that does not grow with the number of documents (only with the reports).
    `choose` picks the cases to report from all the store's slugs (default: all of them); `cases`
    (else those of meta["inbox"]) are the Case objects; `formats` those of `write_reports`.

    `elsewhere(fn, *args)` (a future's maker, e.g. a worker process of the run's pool) runs the aggregation
    while this process scans the store and writes the contract files: the cases are then those the store
    names (documents' folders, passages' attributions, reviewers' moves), checked against the scan's
    afterwards; a case only the scan found is aggregated here, one the scan did not find is dropped.
    With `workers` > 1 (the processes behind `elsewhere`), the cases are shared out among that many
    aggregations, and the scan among this process and as many others (`scan_store`'s parts): the same
    files, written by every core the run has; verdicts.json is then written by one of them while this process
    writes the other reports (the serial end of a run, issue #19). Without `elsewhere` (and `choose`), the aggregation reads
    the scan's pass (`AggregateAlong`): each document is read from the store once for both."""
    lang = resolve_lang(lang)
    if cases is None:
        cases = known_cases((meta or {}).get("inbox"))
    out_dir = Path(out_dir)
    reviews = ReviewStore(store).reviews()
    early: list = []
    aggregate_elsewhere = None
    if elsewhere is not None and choose is None:
        def aggregate_elsewhere() -> None:  # once the scan's parts are handed out: the workers scan them first,
            # so this process merges them while the workers aggregate, not after (issue #19: the run's serial end)
            named = _store_cases(store, reviews)
            shares = max(1, min(workers, len(named)))
            early.extend(elsewhere(aggregate_cases, store.url, named[i::shares], reviews, cases, lang,
                                   published_tiebreak, models_folder) for i in range(shares))
    along = None
    if elsewhere is None and choose is None:  # the aggregation reads the scan's pass (one read of each document)
        along = AggregateAlong(store, _store_cases(store, reviews), reviews, cases=cases, lang=lang,
                               published_tiebreak=published_tiebreak, models_folder=models_folder)
    scan, paths = scan_store(store, reviews, cases, out_dir if contract else None,
                             elsewhere=elsewhere if choose is None else None,
                             parts=workers + 1 if aggregate_elsewhere is not None else 1, each=along,
                             handed_out=aggregate_elsewhere)
    chosen = choose(scan.slugs) if choose else sorted(scan.slugs)
    if early or along is not None:
        found = along.finish() if along is not None else {}
        for future in early:
            found.update(future.result())
        missing = [slug for slug in chosen if slug not in found]
        if missing:
            found.update(aggregate_store(store, missing, reviews, cases=cases, lang=lang,
                                         published_tiebreak=published_tiebreak, models_folder=models_folder))
        aggregated = {slug: found[slug] for slug in sorted(set(chosen))}  # aggregate_store's order
    else:
        aggregated = aggregate_store(store, chosen, reviews, cases=cases, lang=lang,
                                     published_tiebreak=published_tiebreak, models_folder=models_folder)
    verdicts = reviewed_verdicts(store, aggregated)
    written = None  # with the run's workers, verdicts.json is written by one of them while this writes the reports
    if contract:
        paths["verdicts.json"] = out_dir / "verdicts.json"
        if elsewhere is not None and choose is None:
            written = elsewhere(write_verdicts_json, paths["verdicts.json"], verdicts, meta)
        else:
            write_verdicts_json(paths["verdicts.json"], verdicts, meta)
    timelines = {slug: events for slug, events in scan.timelines().items() if slug in verdicts}
    formats = FORMATS if formats is None else formats
    appendix = appendix_from_store(store, scan, verdicts, timelines, lang) if "html" in formats else None
    paths.update(write_reports(out_dir, scan.documents, verdicts, cases=cases, lang=lang, meta=meta, formats=formats,
                               timelines=timelines, appendix=appendix, speakers=scan.speakers))
    if written is not None:
        written.result()
    return verdicts, paths


def compare_from_store(store_url: str, out_dir: Path, case_slugs: list[str] | None = None, *,
                       formats: tuple[str, ...] = ("html",), lang: str | None = None,
                       inbox: Path | str | None = None, published_tiebreak: bool = False,
                       models_folder: Path | None = None) -> dict[str, Path]:
    """Cross-case report for some cases of a store: aggregates from all stored documents (a paper filed
    under one case can speak about another) and reports only the chosen cases. Reads the store the way
    the flow's report task does: document by document, one case at a time."""
    def choose(slugs: set[str]) -> list[str]:
        chosen = sorted(slugs) if not case_slugs else list(dict.fromkeys(case_slugs))
        missing = [c for c in chosen if c not in slugs]
        if missing:
            raise ValueError(f"cases not in the store {store_url}: {', '.join(missing)}; "
                             f"known cases: {', '.join(sorted(slugs)) or 'none (run `sistercity run` first)'}")
        return chosen

    _, paths = report_from_store(Store(store_url), out_dir, None, cases=known_cases(inbox), lang=lang,
                                 contract=False, choose=choose, formats=formats,
                                 published_tiebreak=published_tiebreak, models_folder=models_folder)
    return paths


# The reports' inputs (what `sistercity run` checks before it writes the reports again; the flow and the
# direct path both use them: here, where importing them does not import Prefect).
REPORT_INPUTS = ".sistercity-inputs.json"


def report_inputs(store: Store, models: dict, settings: Settings, cases) -> str:
    """A fingerprint of everything the reports are made of: every table of the store except the
    bookkeeping ones (runs, claims, reviewers' sessions and failed logins), by row count and latest
    change (documents, their removal, reviewers' work), the cases, the models, the language, the
    published tie-break setting and the software version. Cheap: no document is loaded."""
    import hashlib
    import json

    from pipeline import __version__

    parts: list = [__version__, models, settings.lang, str(settings.inbox), [repr(c) for c in cases],
                   settings.published_tiebreak, *store.change_marks()]
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def current_reports(out_dir: Path, inputs: str) -> dict | None:
    """The reports already in out_dir when they were made from exactly these inputs, else None."""
    import json

    try:
        made = json.loads((out_dir / REPORT_INPUTS).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    paths = made.get("reports") or {}
    if made.get("inputs") != inputs or not paths or not all(Path(p).exists() for p in paths.values()):
        return None
    return paths


def record_report_inputs(out_dir: Path, inputs: str, paths: dict) -> None:
    import json

    (out_dir / REPORT_INPUTS).write_text(json.dumps({"inputs": inputs, "reports": paths}), encoding="utf-8")
