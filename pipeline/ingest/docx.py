"""Word documents: paragraphs and tables in body order, headings as structure."""

from __future__ import annotations

import io
import zipfile

from pipeline.ingest.builder import TextBuilder
from pipeline.ingest.errors import IngestError


def _is_heading(paragraph) -> bool:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    return style.lower().startswith(("heading", "judul", "title"))


def extract_docx(data: bytes, name: str) -> TextBuilder:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("DOCX support needs python-docx: pip install python-docx") from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError("corrupt", f"{name}: not a readable DOCX file ({exc or type(exc).__name__})") from exc
    builder = TextBuilder()
    builder.start_page(1)
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text
            if text.strip():
                builder.add(text, kind="heading" if _is_heading(para) else "paragraph")
        elif tag == "tbl":
            table = Table(child, document)
            for row in table.rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or value != cells[-1]:  # merged cells repeat their text
                        cells.append(value)
                line = " | ".join(cells)
                if line.strip(" |"):
                    builder.add(line, kind="table")
    if not builder.blocks:
        raise IngestError("empty", f"{name}: the document has no text")
    return builder
