"""Flat CSV tables that load straight into pandas (`pd.read_csv`) or R (`read.csv`).

UTF-8, a header row, RFC 4180 quoting (quotes and newlines inside fields are
quoted), one row per case x element (verdicts.csv), per evidence passage
(evidence.csv), per obstacle (obstacles.csv), per event telling (timeline.csv),
per case x element gap (gaps.csv) and per verdict that a case's own document
states on an element (published.csv). Quotes are exact: text[start:end] of the
document named by `doc`, except that a text cell starting with =, +, -, @, tab or
carriage return gets a leading single quote (`neutralise`: no cell runs as a formula).
"""

from __future__ import annotations

import csv
from pathlib import Path

from pipeline.aggregate.gaps import CaseGaps
from pipeline.aggregate.timeline import TimelineEvent
from pipeline.data import ELEMENTS, Verdict
from pipeline.report.outputs import atomic_write

VERDICT_COLUMNS = ("case", "element", "status", "score", "evidence", "positive", "obstacle", "documents",
                   "top_obstacles", "notes", "summary", "override_by", "override_reason", "aggregator_status",
                   "evidence_status", "published_assessment", "published_agreement", "published_sources", "basis")
EVIDENCE_COLUMNS = ("case", "element", "rank", "stance", "weight", "doc", "source", "doc_type", "page", "start", "end",
                    "quote", "kind")
OBSTACLE_COLUMNS = ("case", "element", "code", "count", "case_passages")
TIMELINE_COLUMNS = ("case", "event", "date", "start_date", "end_date", "kind", "label", "side", "place", "status",
                    "n_sources", "primary", "doc", "source", "doc_type", "page", "start", "end", "date_text", "quote")
PUBLISHED_COLUMNS = ("case", "element", "value", "evidence_status", "status", "agreement", "doc", "source", "doc_type",
                     "page", "start", "end", "passage", "quote")
GAP_COLUMNS = ("case", "element", "status", "passages", "documents", "doc_types", "sides", "reasons", "missing_documents")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """A text cell that a spreadsheet would run as a formula (it starts with =, +, -, @, tab or carriage
    return) gets a leading single quote, as OWASP recommends against CSV injection: a quote from a document
    can be =HYPERLINK(...). Numbers stay numbers; the JSON files keep every quote exact."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def _write(path: Path, columns: tuple[str, ...], rows) -> None:
    def w(fh):
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralise(v) for k, v in row.items()})

    atomic_write(path, w)


def verdict_rows(verdicts: dict[str, dict[str, Verdict]]):
    for case, by_el in sorted(verdicts.items()):
        for el in ELEMENTS:
            v = by_el.get(el)
            if v is None:
                continue
            yield {"case": case, "element": el, "status": v.status, "score": v.score, "evidence": len(v.evidence),
                   "positive": sum(e.stance == "positive" for e in v.evidence),
                   "obstacle": sum(e.stance == "obstacle" for e in v.evidence),
                   "documents": len({e.doc for e in v.evidence}),
                   "top_obstacles": ";".join(o.code for o in v.obstacles[:3]), "notes": "; ".join(v.notes),
                   "summary": v.summary, "override_by": v.override["reviewer"] if v.override else "",
                   "override_reason": v.override["reason"] if v.override else "",
                   "aggregator_status": v.override["replaced_status"] if v.override else v.status,
                   "evidence_status": v.evidence_status or v.status,
                   "published_assessment": v.published_assessment or "",
                   "published_agreement": v.published_agreement or "",
                   "published_sources": "; ".join(dict.fromkeys(f"{a.source or a.doc} p. {a.page}" for a in v.assessments)),
                   "basis": v.basis}


def evidence_rows(verdicts: dict[str, dict[str, Verdict]]):
    for case, by_el in sorted(verdicts.items()):
        for el in ELEMENTS:
            for rank, e in enumerate(by_el[el].evidence if el in by_el else [], 1):
                yield {"case": case, "element": el, "rank": rank, "stance": e.stance, "weight": e.weight, "doc": e.doc,
                       "source": e.source, "doc_type": e.doc_type, "page": e.page, "start": e.start, "end": e.end,
                       "quote": e.quote, "kind": e.kind}


def obstacle_rows(verdicts: dict[str, dict[str, Verdict]], frequencies: dict[str, dict[str, int]]):
    for case, by_el in sorted(verdicts.items()):
        for el in ELEMENTS:
            for o in by_el[el].obstacles if el in by_el else []:
                yield {"case": case, "element": el, "code": o.code, "count": o.count,
                       "case_passages": frequencies.get(case, {}).get(o.code, 0)}


def timeline_rows(timelines: dict[str, list[TimelineEvent]]):
    for case, events in sorted(timelines.items()):
        for i, ev in enumerate(events, 1):
            for j, s in enumerate(ev.sources):
                yield {"case": case, "event": i, "date": ev.date, "start_date": ev.start_date, "end_date": ev.end_date,
                       "kind": ev.kind, "label": ev.label, "side": ev.side or "", "place": ev.place or "",
                       "status": ev.status, "n_sources": len(ev.sources), "primary": int(j == 0), "doc": s.doc,
                       "source": s.source, "doc_type": s.doc_type, "page": s.page, "start": s.start, "end": s.end,
                       "date_text": s.date_text, "quote": s.quote}


def gap_rows(gaps: dict[str, CaseGaps]):
    for case, g in sorted(gaps.items()):
        for e in g.elements:
            yield {"case": case, "element": e.element, "status": e.status, "passages": e.passages,
                   "documents": e.documents, "doc_types": ";".join(e.doc_types), "sides": ";".join(e.sides),
                   "reasons": ";".join(e.reasons), "missing_documents": ";".join(g.missing)}


def published_rows(verdicts: dict[str, dict[str, Verdict]]):
    """One row per published assessment (pipeline/aggregate/assessments.py) of a case x element, with the
    evidence-based status it is compared with; quotes exact at (start, end) of `doc`."""
    for case, by_el in sorted(verdicts.items()):
        for el, v in by_el.items():
            for a in v.assessments:
                yield {"case": case, "element": el, "value": a.value, "evidence_status": v.evidence_status or v.status,
                       "status": v.status, "agreement": v.published_agreement, "doc": a.doc, "source": a.source,
                       "doc_type": a.doc_type, "page": a.page, "start": a.start, "end": a.end, "passage": a.passage,
                       "quote": a.quote}


def write_tables(out_dir: Path, verdicts: dict[str, dict[str, Verdict]], timelines: dict[str, list[TimelineEvent]],
                 gaps: dict[str, CaseGaps], comparison: dict) -> dict[str, Path]:
    out_dir = Path(out_dir)
    paths = {n: out_dir / n for n in ("verdicts.csv", "evidence.csv", "obstacles.csv", "timeline.csv", "gaps.csv",
                                      "published.csv")}
    _write(paths["verdicts.csv"], VERDICT_COLUMNS, verdict_rows(verdicts))
    _write(paths["evidence.csv"], EVIDENCE_COLUMNS, evidence_rows(verdicts))
    _write(paths["obstacles.csv"], OBSTACLE_COLUMNS, obstacle_rows(verdicts, comparison.get("obstacles", {})))
    _write(paths["timeline.csv"], TIMELINE_COLUMNS, timeline_rows(timelines))
    _write(paths["gaps.csv"], GAP_COLUMNS, gap_rows(gaps))
    _write(paths["published.csv"], PUBLISHED_COLUMNS, published_rows(verdicts))
    return paths
