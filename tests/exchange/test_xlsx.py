"""The workbook: a sheet per table, the matrix coloured by verdict, text that looks like a formula kept as
text; the report's CSVs load in pandas with the documented dtypes."""

from __future__ import annotations

import pandas as pd
from openpyxl import load_workbook

from pipeline.data import Document, PageSpan, Passage
from pipeline.exchange.gather import store_documents, store_verdicts
from pipeline.exchange.xlsx import CSV_DTYPES, PASSAGE_COLUMNS, STATUS_FILL, write_xlsx

FORMULA = '=HYPERLINK("http://example.invalid","klik")'


def _formula_document() -> Document:
    text = f"{FORMULA}\n+62 811 anggaran terbatas\n"
    d = Document(doc="e" * 16, source="formula.txt", case="karangsari-seokjin", type="other", text=text,
                 pages=[PageSpan(1, 0, len(text))], path="/nowhere/formula.txt")
    start = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        d.passages.append(Passage(doc=d.doc, page=1, start=start, end=start + len(body), text=body,
                                  case="karangsari-seokjin"))
        start += len(line)
    return d


def test_workbook_sheets_matrix_and_neutralised_formulas(store, tmp_path):
    store.save_document(_formula_document())
    out = tmp_path / "sistercity.xlsx"
    counts = write_xlsx(store, out)
    wb = load_workbook(out)
    assert wb.sheetnames == ["passages", "evidence", "obstacles", "timeline", "verdicts", "matrix"]
    docs = store_documents(store)
    assert counts["passages"] == wb["passages"].max_row - 1 == sum(len(d.passages) for d in docs)
    assert [c.value for c in wb["passages"][1]] == list(PASSAGE_COLUMNS)
    texts = {r[PASSAGE_COLUMNS.index("text")].value: r[PASSAGE_COLUMNS.index("text")]
             for r in wb["passages"].iter_rows(min_row=2)}
    for bad in (FORMULA, "+62 811 anggaran terbatas"):
        assert texts[bad].data_type == "s" and texts[bad].quotePrefix, bad  # stored as text, shown as written
    verdicts = store_verdicts(store)
    matrix = wb["matrix"]
    assert [c.value for c in matrix[1]][1:] == ["commitment", "participation", "understanding", "reciprocity", "outcomes"]
    rows = {r[0].value: r for r in matrix.iter_rows(min_row=2)}
    assert set(rows) == set(verdicts)
    for case, by_el in verdicts.items():
        for cell, el in zip(rows[case][1:], [c.value for c in matrix[1]][1:]):
            assert cell.value == by_el[el].status
            assert cell.fill.start_color.rgb.endswith(STATUS_FILL[by_el[el].status])
    assert wb["verdicts"].max_row - 1 == sum(len(v) for v in verdicts.values())
    assert wb["evidence"].max_row - 1 == sum(len(v.evidence) for by_el in verdicts.values() for v in by_el.values())


def test_report_csvs_load_with_the_documented_dtypes(store, tmp_path):
    from pipeline.runs.report import report_from_store

    report_from_store(store, tmp_path, None, formats=("csv",), contract=False)
    for name, dtypes in CSV_DTYPES.items():
        df = pd.read_csv(tmp_path / name, dtype=dtypes, keep_default_na=False, na_values=[""])
        assert list(df.columns) == list(dtypes), name
        assert {c: str(t) for c, t in df.dtypes.items()} == dtypes, name
    evidence = pd.read_csv(tmp_path / "evidence.csv", dtype=CSV_DTYPES["evidence.csv"], keep_default_na=False,
                           na_values=[""])
    assert len(evidence) > 0 and (evidence["end"] > evidence["start"]).all()
