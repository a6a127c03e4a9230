"""The reports people read, beyond the contract files: report.md, report.html, CSV tables and
timeline.json / gaps.json / comparison.json. `report_stage` and `sistercity compare` both call
`write_reports` (`pipeline.runs.report.compare_from_store` reads a store for it the way the flow's report
task does)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from pipeline.aggregate.gaps import CaseGaps, find_gaps, gaps_record
from pipeline.aggregate.timeline import TimelineEvent, build_timelines, event_record
from pipeline.data import Document, Verdict
from pipeline.report import html, markdown
from pipeline.report.compare import compare
from pipeline.report.outputs import CONTRACT_VERSION, atomic_write
from pipeline.report.stalls import StallAnalysis, analyse_all
from pipeline.report.tables import write_tables
from pipeline.report.texts import resolve_lang

log = logging.getLogger(__name__)

FORMATS: tuple[str, ...] = ("html", "md", "json", "csv")


@dataclass(slots=True)
class ReportData:
    verdicts: dict[str, dict[str, Verdict]]
    documents: list[Document]
    timelines: dict[str, list[TimelineEvent]]
    gaps: dict[str, CaseGaps]
    comparison: dict
    stalls: dict[str, StallAnalysis]


def report_data(documents: list[Document], verdicts: dict[str, dict[str, Verdict]], cases: list | None = None,
                timelines: dict[str, list[TimelineEvent]] | None = None,
                speakers: dict[tuple[str, int], str] | None = None) -> ReportData:
    """Timelines (unless given: built from `documents`), gaps, the comparison and the "why it stalls"
    analyses for the cases in `verdicts` (`cases`: Case objects, for the cities' sides; `speakers`: the
    speaker of each transcript-turn passage, else read from `documents`' passages)."""
    if timelines is None:
        timelines = build_timelines(documents, cases)
    timelines = {slug: events for slug, events in timelines.items() if slug in verdicts}
    return ReportData(verdicts=verdicts, documents=documents, timelines=timelines,
                      gaps=find_gaps(verdicts, documents, cases), comparison=compare(verdicts),
                      stalls=analyse_all(verdicts, documents, speakers, cases))


def _json(path: Path, data: dict) -> None:
    atomic_write(path, lambda fh: json.dump(data, fh, ensure_ascii=False, indent=1))


def write_json(out_dir: Path, data: ReportData) -> dict[str, Path]:
    paths = {n: Path(out_dir) / n for n in ("timeline.json", "gaps.json", "comparison.json")}
    _json(paths["timeline.json"], {"contract": CONTRACT_VERSION, "cases": {
        slug: [event_record(ev) for ev in events] for slug, events in sorted(data.timelines.items())}})
    _json(paths["gaps.json"], {"contract": CONTRACT_VERSION, "cases": {
        slug: gaps_record(g) for slug, g in sorted(data.gaps.items())}})
    _json(paths["comparison.json"], {"contract": CONTRACT_VERSION, **data.comparison})
    return paths


def write_reports(out_dir: Path, documents: list[Document], verdicts: dict[str, dict[str, Verdict]], *,
                  cases: list | None = None, lang: str | None = None, meta: dict | None = None,
                  formats: tuple[str, ...] = FORMATS, title: str | None = None,
                  timelines: dict[str, list[TimelineEvent]] | None = None,
                  appendix: Iterable[str] | None = None,
                  speakers: dict[tuple[str, int], str] | None = None) -> dict[str, Path]:
    """Write the chosen formats into out_dir: md (report.md), html (report.html), json (timeline, gaps,
    comparison) and csv (verdicts, evidence, obstacles, timeline, gaps, published). Returns name -> path.
    `documents` hold their full text, unless the caller streams from a store: then they are light
    (`pipeline.runs.scan.light_document`), `timelines` come gathered document by document and `appendix` yields the
    HTML appendix one loaded document at a time."""
    lang = resolve_lang(lang)
    unknown = set(formats) - set(FORMATS)
    if unknown:
        raise ValueError(f"formats: unknown {sorted(unknown)}; valid values: {', '.join(FORMATS)}")
    out_dir = Path(out_dir)
    data = report_data(documents, verdicts, cases, timelines, speakers)
    paths: dict[str, Path] = {}
    if "md" in formats:
        paths["report.md"] = out_dir / "report.md"
        text = markdown.render(verdicts, documents, title, lang=lang, timelines=data.timelines, gaps=data.gaps,
                               comparison=data.comparison, stalls=data.stalls)
        atomic_write(paths["report.md"], lambda fh: fh.write(text))
    if "html" in formats:
        paths["report.html"] = out_dir / "report.html"
        parts = html.render_parts(verdicts, documents, lang=lang, timelines=data.timelines, gaps=data.gaps,
                                  comparison=data.comparison, meta=meta, title=title, appendix=appendix,
                                  stalls=data.stalls)
        atomic_write(paths["report.html"], lambda fh: fh.writelines(parts))
    if "json" in formats:
        paths.update(write_json(out_dir, data))
    if "csv" in formats:
        paths.update(write_tables(out_dir, verdicts, data.timelines, data.gaps, data.comparison))
    return paths


def known_cases(inbox: Path | str | None) -> list:
    """The Case objects (with their cities and sides) of an inbox; none when it cannot be read."""
    if not inbox:
        return []
    from pipeline.ingest.cases import CaseFileError
    from pipeline.ingest.discover import InboxError, discover

    try:
        return discover(Path(inbox))[0]
    except (InboxError, CaseFileError) as exc:
        log.warning("no case.toml read from %s (%s): timelines will not tell which side acted", inbox, exc)
        return []
