"""The pure per-document path, stage by stage, with no store and no orchestrator.

`run_document` extracts, tags and classifies one file; `aggregate_stage` decides the verdicts over
documents; `report_stage` writes the files. `sistercity analyze` (`analyze_files`), the Prefect flow
(through `pipeline.runs.ingest`), bench/ and the quality measurements all call these same functions.
Every setting arrives in the `Settings` handed in; nothing here reads the environment or imports Prefect.
"""

from __future__ import annotations

import bisect
import functools
import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.aggregate.verdicts import Thresholds, aggregate
from pipeline.classify.attribution import attribute_sequence
from pipeline.classify.cards import shipped_confusion
from pipeline.classify.model import Example, PassageClassifier, load, with_context
from pipeline.config import Settings
from pipeline.data import Case, Document, Verdict
from pipeline.ingest import extract
from pipeline.ingest.discover import is_url, read_url
from pipeline.ingest.errors import IngestError, TransientIngestError
from pipeline.lean import import_model_libraries
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
    """Load the shipped models once per process (spaCy and scikit-learn imported without what they never
    use here: pipeline/lean.py)."""
    import_model_libraries()
    clf, card = load(Path(folder) if folder else models_dir(), version)
    return Models(clf, card)


@dataclass
class StageTimer:
    seconds: dict[str, float] = field(default_factory=dict)

    def add(self, stage: str, started: float) -> None:
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + time.perf_counter() - started, 4)


def extract_stage(path: Path | str, case: str | None, settings: Settings, *, data: bytes | None = None) -> Document:
    """`path` may be a remote URL (an fsspec inbox): its bytes are fetched unless given as `data`."""
    if data is None and is_url(path):
        try:
            data = read_url(str(path), settings.max_bytes)
        except IngestError as exc:
            if isinstance(exc, TransientIngestError):
                raise
            log.warning("failed: %s", exc.message)
            return Document(doc="", source=Path(str(path)).name, case=case, path=str(path)).failed(str(exc))
    return extract(path, case, data=data, max_bytes=settings.max_bytes, ocr=settings.ocr, limits=settings.limits,
                   pdf_tables=settings.pdf_tables, ocr_workers=settings.ocr_workers)


def nlp_stage(doc: Document, case: Case | None, cases: list[Case], settings: Settings) -> Document:
    if doc.status == "ok":
        doc.entities = tag_document(doc, case, cases, backend=settings.nlp_backend)
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


def run_document(path: Path | str, case: str | None, cases: list[Case], models: Models, settings: Settings, *,
                 timer: StageTimer | None = None, data: bytes | None = None) -> Document:
    """Extract, tag and classify one file (a path, or a remote URL). Never raises for a bad file: an error
    in tagging or classifying its text fails this document, with the stage and the file in the reason."""
    timer = timer or StageTimer()
    by_slug = {c.slug: c for c in cases}
    t = time.perf_counter()
    doc = extract_stage(path, case, settings, data=data)
    timer.add("extract", t)
    stage = "nlp"
    try:
        t = time.perf_counter()
        nlp_stage(doc, by_slug.get(case or ""), cases, settings)
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


def shipped_thresholds(models: Iterable[str | None], published_tiebreak: bool = False,
                       models_folder: Path | None = None) -> Thresholds:
    """The shipped cut-offs, adjusted for the stance confusion of the classifier that labelled the most
    documents (`models`: one entry per document, in the store's order; ties go to the first seen), read
    from its card in `models_folder` (the `models` setting); `published_tiebreak` is the setting of that
    name (`Thresholds.published_tiebreak`)."""
    used = Counter(m for m in models if m)
    version = used.most_common(1)[0][0] if used else None
    return Thresholds(confusion=shipped_confusion(models_folder, version=version), published_tiebreak=published_tiebreak)


def aggregate_stage(documents: list[Document], case_slugs: Iterable[str], thresholds: Thresholds | None = None,
                    *, cases: list[Case] | None = None, lang: str | None = None,
                    published_tiebreak: bool = False, models_folder: Path | None = None) -> dict[str, dict[str, Verdict]]:
    """Verdicts per case and element over `documents`; without `thresholds`, the shipped ones for the
    documents' models (with the `published_tiebreak` and `models` settings)."""
    lang = resolve_lang(lang)
    docs = {d.doc: d for d in documents if d.status == "ok"}
    if thresholds is None:
        thresholds = shipped_thresholds((d.model for d in docs.values()), published_tiebreak, models_folder)
    passages = [p for d in docs.values() for p in d.passages]
    return aggregate(sorted(set(case_slugs)), passages, docs, thresholds,
                     case_info={c.slug: c for c in cases or []}, lang=lang)


def report_stage(out_dir: Path, documents: list[Document], verdicts: dict[str, dict[str, Verdict]],
                 meta: dict | None = None, *, cases: list[Case] | None = None, lang: str | None = None) -> dict[str, Path]:
    """The contract files, then report.md, report.html, the CSV tables and timeline/gaps/comparison JSON.
    `cases` (else those of meta["inbox"]) tell the timelines which city is local and which the partner;
    `lang` (else "id") is the language of the reports' fixed texts."""
    paths = write_outputs(out_dir, documents, verdicts, meta)
    if cases is None:
        cases = known_cases((meta or {}).get("inbox"))
    paths.update(write_reports(out_dir, documents, verdicts, cases=cases, lang=lang, meta=meta))
    return paths


def analyze_files(files: list[Path], case: Case | None, out_dir: Path, settings: Settings, *,
                  known_cases: list[Case] | None = None, models: Models | None = None,
                  progress: Callable[[Path, Document], None] | None = None) -> tuple[list[Document], dict[str, Path]]:
    """One-shot analysis of loose files: every stage, no store, no orchestrator. With a `case` the reports
    hold that case only (passages the classifier attributes to another known case are left out of them);
    without one, every case the passages are attributed to."""
    models = models or load_models(str(settings.models), settings.model_version)
    cases = ([case] if case else []) + [c for c in (known_cases or []) if case is None or c.slug != case.slug]
    timer = StageTimer()
    documents = []
    for path in files:
        doc = run_document(path, case.slug if case else None, cases, models, settings, timer=timer)
        documents.append(doc)
        if progress:
            progress(path, doc)
    slugs = {case.slug} if case else {p.case for d in documents for p in d.passages if p.case}
    verdicts = aggregate_stage(documents, slugs, cases=cases, lang=settings.lang,
                               published_tiebreak=settings.published_tiebreak, models_folder=settings.models)
    paths = report_stage(out_dir, documents, verdicts, {"models": models.versions, "seconds": timer.seconds},
                         cases=cases, lang=settings.lang)
    return documents, paths
