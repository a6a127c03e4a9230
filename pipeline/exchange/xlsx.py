"""One Excel workbook of the store: a sheet per table and the case x element matrix in colour.

Sheets: passages (every passage with its current labels, reviewers' applied, and the model's
probabilities), evidence, obstacles, timeline and verdicts (the columns of the report's CSV tables,
pipeline/report/tables.py), and matrix (cases x elements, each cell the verdict, filled by status).
A text cell that a spreadsheet would take for a formula (=, +, -, @, tab, carriage return first) is
stored as text with Excel's quote prefix: it shows as written and never runs.

`CSV_DTYPES` are the column types of the report's CSV tables, for `pandas.read_csv(path, dtype=...)`
(README "Spreadsheets, pandas and R").
"""

from __future__ import annotations

from pathlib import Path

from pipeline.data import ELEMENTS, STANCES
from pipeline.report.tables import (
    EVIDENCE_COLUMNS,
    GAP_COLUMNS,
    OBSTACLE_COLUMNS,
    PUBLISHED_COLUMNS,
    TIMELINE_COLUMNS,
    VERDICT_COLUMNS,
    evidence_rows,
    obstacle_rows,
    timeline_rows,
    verdict_rows,
)

PASSAGE_COLUMNS = ("case", "doc", "source", "doc_type", "page", "start", "end", "section", "speaker", "kind",
                   "elements", "stance", "obstacles", *(f"p_{e}" for e in ELEMENTS), *(f"p_{s}" for s in STANCES),
                   "review_status", "reviewer", "model", "text")
STATUS_FILL = {"fulfilled": "A5D6A7", "partial": "FFE082", "not_fulfilled": "EF9A9A", "insufficient_evidence": "E0E0E0"}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_INT, _FLOAT, _STR = "Int64", "float64", "string"
CSV_DTYPES: dict[str, dict[str, str]] = {
    "verdicts.csv": {**{c: _STR for c in VERDICT_COLUMNS}, "score": _FLOAT, "evidence": _INT, "positive": _INT,
                     "obstacle": _INT, "documents": _INT},
    "evidence.csv": {**{c: _STR for c in EVIDENCE_COLUMNS}, "rank": _INT, "weight": _FLOAT, "page": _INT,
                     "start": _INT, "end": _INT},
    "obstacles.csv": {**{c: _STR for c in OBSTACLE_COLUMNS}, "count": _INT, "case_passages": _INT},
    "timeline.csv": {**{c: _STR for c in TIMELINE_COLUMNS}, "event": _INT, "n_sources": _INT, "primary": _INT,
                     "page": _INT, "start": _INT, "end": _INT},
    "gaps.csv": {**{c: _STR for c in GAP_COLUMNS}, "passages": _INT, "documents": _INT},
    "published.csv": {**{c: _STR for c in PUBLISHED_COLUMNS}, "page": _INT, "start": _INT, "end": _INT},
}


def _openpyxl():
    try:
        import openpyxl
    except ImportError as exc:
        raise ImportError("the xlsx export needs openpyxl: pip install 'sistercity[exchange]'") from exc
    return openpyxl


def safe_cell(cell, value) -> None:
    """Put `value` in `cell`; text that starts like a formula stays text."""
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def _sheet(wb, title: str, columns: tuple[str, ...], rows) -> int:
    from openpyxl.styles import Font

    ws = wb.create_sheet(title)
    ws.append(list(columns))
    for c in ws[1]:
        c.font = Font(bold=True)
    ws.freeze_panes = "A2"
    n = 0
    for n, row in enumerate(rows, 1):
        for j, col in enumerate(columns, 1):
            v = row.get(col)
            safe_cell(ws.cell(row=n + 1, column=j), "" if v is None else v)
    return n


def passage_rows(documents):
    for d in documents:
        for p in d.passages:
            r = p.review or {}
            yield {"case": p.case or "", "doc": d.doc, "source": Path(d.source).name, "doc_type": d.type,
                   "page": p.page, "start": p.start, "end": p.end, "section": p.section or "", "speaker": p.speaker or "",
                   "kind": p.kind, "elements": ";".join(p.elements), "stance": p.stance, "obstacles": ";".join(p.obstacles),
                   **{f"p_{e}": round(p.scores.get(e, 0.0), 4) for e in ELEMENTS},
                   **{f"p_{s}": round(p.stance_scores.get(s, 0.0), 4) for s in STANCES},
                   "review_status": r.get("status", ""), "reviewer": r.get("reviewer", ""), "model": d.model or "",
                   "text": p.text}


def write_xlsx(store, out: Path | str, *, cases: list[str] | None = None) -> dict:
    from openpyxl.styles import Alignment, Font, PatternFill

    from pipeline.exchange.gather import store_documents, store_verdicts
    from pipeline.report.compare import obstacle_frequencies
    from pipeline.review.corrections import apply_reviews
    from pipeline.runs.scan import scan_store
    from pipeline.store.reviews import ReviewStore

    openpyxl = _openpyxl()
    reviews = ReviewStore(store).reviews()
    documents = store_documents(store, cases)
    apply_reviews(documents, reviews)
    verdicts = store_verdicts(store, cases, reviews)
    timelines = {k: v for k, v in scan_store(store, reviews)[0].timelines().items() if k in verdicts}
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    counts = {"passages": _sheet(wb, "passages", PASSAGE_COLUMNS, passage_rows(documents)),
              "evidence": _sheet(wb, "evidence", EVIDENCE_COLUMNS, evidence_rows(verdicts)),
              "obstacles": _sheet(wb, "obstacles", OBSTACLE_COLUMNS, obstacle_rows(
                  verdicts, {c: obstacle_frequencies(by_el) for c, by_el in verdicts.items()})),
              "timeline": _sheet(wb, "timeline", TIMELINE_COLUMNS, timeline_rows(timelines)),
              "verdicts": _sheet(wb, "verdicts", VERDICT_COLUMNS, verdict_rows(verdicts))}
    ws = wb.create_sheet("matrix")
    ws.append(["case", *ELEMENTS])
    for c in ws[1]:
        c.font = Font(bold=True)
    for i, (case, by_el) in enumerate(sorted(verdicts.items()), 2):
        safe_cell(ws.cell(row=i, column=1), case)
        for j, e in enumerate(ELEMENTS, 2):
            v = by_el.get(e)
            cell = ws.cell(row=i, column=j, value=v.status if v else "")
            if v is not None:
                cell.fill = PatternFill("solid", start_color=STATUS_FILL.get(v.status, "FFFFFF"))
                cell.alignment = Alignment(horizontal="center")
    counts["matrix"] = len(verdicts)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return {"path": str(out), **counts}
