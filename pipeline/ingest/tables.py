"""Tables whose cells wrap over several lines, read with pdfplumber.

Our layout pass (layout.py) sees a table row as one visual line made of
several text runs far apart. That is right for one-line rows, but a cell
that wraps puts its second line on a visual line of its own, which the pass
would take for a new row or a paragraph. pdfplumber is slow (about 7 pages/s
here against hundreds for pypdfium2), so it runs only where our pass suspects
such a table (`wrapped_blocks`: a table row followed closely by a line that
starts inside the row, not at its left edge): on that page, cropped to the
table, with the columns our pass found as explicit vertical lines and the
rows from the table's ruling lines. Each row comes back as one table line,
its cells' wrapped lines joined. Where pdfplumber finds no ruled rows, the
page keeps our pass's reading.

It is switched on by the setting `pdf_tables` = "pdfplumber" (environment
SISTERCITY_PDF_TABLES); the default "layout" keeps our pass alone, because on
the demo corpus 13 of 78 text pages have such tables and reading them with
pdfplumber brings the text-PDF rate below the 100 pages/s the project requires.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from pipeline.ingest import layout

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Block:
    """Lines [first, last] of a page (reading order) that form one table with wrapped cells."""

    first: int
    last: int

    def lines(self, lines: list[layout.Line]) -> list[layout.Line]:
        return lines[self.first : self.last + 1]


def _continues_row(row: layout.Line, nxt: layout.Line) -> bool:
    """`nxt` is the wrapped second line of a cell of `row`: right below it, starting right of its first cell."""
    height = max(row.top - row.bottom, 1.0)
    return (nxt.column == row.column and 0 < row.top - nxt.top < 1.6 * height
            and nxt.left > row.segments[0].right - 2)  # its first column is empty: the wrapped part of cells


def wrapped_blocks(lines: list[layout.Line]) -> list[Block]:
    """The cheap trigger: runs of table rows (with the lines their cells wrap onto) in which some cell wraps."""
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        if not lines[i].is_table_row:
            i += 1
            continue
        first, last, wrapped = i, i, False
        j = i + 1
        while j < len(lines):
            if lines[last].is_table_row and _continues_row(lines[last], lines[j]) or (
                    wrapped and _continues_row(lines[j - 1], lines[j]) and lines[j - 1].left <= lines[j].left + 2):
                last, wrapped = j, True
            elif lines[j].is_table_row and lines[j].column == lines[last].column:
                last = j
            else:
                break
            j += 1
        if wrapped and sum(ln.is_table_row for ln in lines[first : last + 1]) >= 1:
            blocks.append(Block(first, last))
        i = last + 1
    return blocks


def _gap_edges(words: list[dict], left: float, right: float, min_gap: float = 6.0) -> list[float]:
    """Where a column starts: the right end of a vertical stripe (at least `min_gap` wide) that no word crosses."""
    spans = sorted((w["x0"], w["x1"]) for w in words)
    edges, reach = [], left
    for x0, x1 in spans:
        if x0 - reach >= min_gap:
            edges.append(x0)
        reach = max(reach, x1)
    return [e for e in edges if e < right]


def _columns(rows: list[layout.Line], extra: list[float] = ()) -> list[float]:
    """Left edges of the columns: the runs of the block's one-line table rows, and `extra` edges (the stripes no
    word crosses, which find a column whose first run our pass merged with its neighbour), clustered within 4 pt."""
    lefts = sorted([s.left for ln in rows if ln.is_table_row for s in ln.segments] + list(extra))
    edges: list[float] = []
    for x in lefts:
        if not edges or x - edges[-1] > 4:
            edges.append(x)
    return edges


def read_tables(data: bytes, page_index: int, page_height: float, lines: list[layout.Line],
                blocks: list[Block]) -> list[layout.Line]:
    """`lines` with each block replaced by pdfplumber's rows (one table line per row), where pdfplumber finds them."""
    try:
        import pdfplumber
    except ImportError:  # pragma: no cover - a core dependency
        return lines
    out = list(lines)
    try:
        with pdfplumber.open(io.BytesIO(data), pages=[page_index + 1]) as pdf:
            page = pdf.pages[0]
            for block in sorted(blocks, key=lambda b: b.first, reverse=True):  # replace from the end: indices stay valid
                rows = _block_rows(page, page_height, block.lines(lines))
                if rows:
                    out[block.first : block.last + 1] = rows
    except Exception as exc:  # noqa: BLE001 - pdfminer raises many kinds; the page keeps our own reading
        log.warning("pdfplumber could not read the table on page %d: %s", page_index + 1, exc)
        return lines
    return out


def _block_rows(page, page_height: float, block: list[layout.Line]) -> list[layout.Line]:
    left = min(ln.left for ln in block) - 4
    right = max(ln.right for ln in block) + 4
    top = page_height - max(ln.top for ln in block) - 4  # pdfplumber measures from the top of the page
    bottom = page_height - min(ln.bottom for ln in block) + 6
    region = page.crop((max(0, left), max(0, top), min(page.width, right), min(page.height, bottom)), strict=False)
    edges = _columns(block, _gap_edges(region.extract_words(), left, right))
    if len(edges) < 2:
        return []
    settings = {"vertical_strategy": "explicit", "explicit_vertical_lines": [e - 2 for e in edges] + [right],
                "horizontal_strategy": "lines", "intersection_tolerance": 5, "snap_tolerance": 3}
    rows: list[layout.Line] = []
    for table in region.find_tables(table_settings=settings):
        for cells, row in zip(table.extract(), table.rows, strict=True):
            texts = [layout.join_lines(cell.splitlines()) for cell in cells if cell and cell.strip()]
            if not texts:
                continue
            x0, row_top, _, row_bottom = row.bbox
            segments = [layout.Segment(t, x0 + k, page_height - row_bottom, x0 + k + 1, page_height - row_top)
                        for k, t in enumerate(texts)]
            rows.append(layout.Line(segments, column=block[0].column))
    n_rows = sum(ln.is_table_row for ln in block)
    if len(rows) < max(1, n_rows // 2):  # pdfplumber saw fewer rows than our pass: keep ours
        return []
    return rows
