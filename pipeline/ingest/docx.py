"""Word documents: paragraphs and tables in body order, headings as structure."""

from __future__ import annotations

import io
import zipfile

from pipeline.ingest.builder import TextBuilder
from pipeline.ingest.errors import IngestError
from pipeline.ingest.limits import Limits


def check_expansion(data: bytes, name: str, limits: Limits) -> None:
    """Refuse a DOCX whose XML parts expand beyond `limits.max_docx_mb`, before any of it is parsed.

    The sizes the ZIP declares are what zipfile will inflate at most (it stops there and fails
    the CRC check if the data runs on), so checking them bounds what python-docx can load."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise IngestError("corrupt", f"{name}: not a readable DOCX file ({exc or type(exc).__name__})") from exc
    xml = sum(i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels")))
    total = sum(i.file_size for i in infos)
    if xml > limits.max_docx_bytes:
        raise IngestError("too_large", f"{name}: its XML expands to {xml / 1e6:.1f} MB, over the "
                          f"{limits.max_docx_mb:g} MB limit for uncompressed DOCX text (SISTERCITY_MAX_DOCX_MB)")
    if total > max(len(data) * 100, 4 * limits.max_docx_bytes):
        raise IngestError("too_large", f"{name}: its parts expand to {total / 1e6:.1f} MB from "
                          f"{len(data) / 1e6:.2f} MB (a ZIP bomb?)")


def _is_heading(paragraph) -> bool:
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    return style.lower().startswith(("heading", "judul", "title"))


def extract_docx(data: bytes, name: str, limits: Limits | None = None) -> TextBuilder:
    try:
        import docx  # python-docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("DOCX support needs python-docx: pip install python-docx") from exc
    from lxml.etree import XMLSyntaxError

    check_expansion(data, name, limits or Limits())
    try:
        document = docx.Document(io.BytesIO(data))
    except XMLSyntaxError as exc:
        raise IngestError("corrupt", f"{name}: damaged DOCX, its XML does not parse ({exc})") from exc
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise IngestError("corrupt", f"{name}: not a readable DOCX file ({exc or type(exc).__name__})") from exc
    builder = TextBuilder()
    builder.start_page(1)
    body = document.element.body
    heading_style: dict[str | None, bool] = {}  # by the paragraph's style id: looking a style up scans them all
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, document)
            text = para.text
            if text.strip():
                style_id = child.style  # what Paragraph.style looks up (None: the default paragraph style)
                if style_id not in heading_style:
                    heading_style[style_id] = _is_heading(para)
                builder.add(text, kind="heading" if heading_style[style_id] else "paragraph")
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
