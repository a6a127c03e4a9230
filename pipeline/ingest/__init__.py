"""Ingestion: a file in, a `Document` with text, pages, blocks and passages out.

`extract` never raises for a bad file: the document comes back with
status "failed" and a reason that names the file, so a batch goes on.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from pipeline.data import Document
from pipeline.ingest.doctype import detect_type
from pipeline.ingest.errors import IngestError, TransientIngestError
from pipeline.ingest.limits import Limits
from pipeline.ingest.segment import segment

log = logging.getLogger(__name__)

SUPPORTED = {".pdf", ".docx", ".txt", ".md"}
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def doc_id(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def read_bytes(path: Path | str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        raise IngestError("unreadable", f"{path}: {exc.strerror or exc}") from exc
    except OSError as exc:  # network filesystems: worth a retry
        raise TransientIngestError("io", f"{path}: {exc}") from exc


def sniff(data: bytes, suffix: str) -> str:
    """The real type of a file: the content wins over a misleading extension."""
    if data.startswith(b"%PDF") or b"%PDF-" in data[:1024]:
        return ".pdf"
    if data.startswith(b"PK\x03\x04"):
        return ".docx" if suffix in {".docx", ""} or b"word/" in data[:4096] else "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"
    return suffix


def extract(path: Path | str, case: str | None, *, data: bytes | None = None,
            max_bytes: int = DEFAULT_MAX_BYTES, ocr: bool = True, limits: Limits | None = None,
            pdf_tables: str = "layout", ocr_workers: int | None = None) -> Document:
    """Extract one file into a Document (status "ok", or "failed" with the reason). `pdf_tables` and
    `ocr_workers` are the settings of the same names (`Settings.pdf_tables`, `Settings.ocr_workers`).

    Only a transient I/O error is raised: any other error in a parser (a truncated DOCX's XML, a
    PDF that pdfium chokes on, a file that does not fit in memory) is recorded as the reason."""
    limits = limits or Limits()
    path = Path(path)
    name = path.name
    doc = Document(doc="", source=name, case=case, path=str(path))
    try:
        if data is None:
            size = path.stat().st_size if path.exists() else 0
            if size > max_bytes:
                raise IngestError("too_large", f"{name}: {size / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit (--max-mb)")
            data = read_bytes(path)
        doc.sha256 = hashlib.sha256(data).hexdigest()
        doc.doc = doc.sha256[:16]
        if len(data) > max_bytes:
            raise IngestError("too_large", f"{name}: {len(data) / 1e6:.1f} MB is over the {max_bytes / 1e6:.0f} MB limit")
        if not data.strip():
            raise IngestError("empty", f"{name}: the file is empty")
        kind = sniff(data, path.suffix.lower())
        if kind == ".pdf":
            from pipeline.ingest.pdf import extract_pdf

            builder, warnings = extract_pdf(data, name, ocr=ocr, limits=limits, pdf_tables=pdf_tables,
                                             ocr_workers=ocr_workers)
            doc.warnings.extend(warnings)
        elif kind == ".docx":
            from pipeline.ingest.docx import extract_docx

            builder = extract_docx(data, name, limits=limits)
        elif kind in {".txt", ".md"}:
            from pipeline.ingest.text import extract_text

            builder, encoding = extract_text(data, name)
            if encoding not in {"utf-8", "ascii"}:
                doc.warnings.append(f"{name}: decoded as {encoding}")
        elif kind == "ole":
            raise IngestError("unsupported_type", f"{name}: legacy Word/Excel (OLE) files are not supported; save it as DOCX or PDF")
        else:
            raise IngestError("unsupported_type", f"{name}: unsupported file type {path.suffix or '(none)'}; supported: {', '.join(sorted(SUPPORTED))}")
        doc.text, doc.pages, doc.blocks = builder.finish()
        doc.type = detect_type(name, doc.text)
        doc.passages = segment(doc)
    except TransientIngestError:
        raise
    except IngestError as exc:
        log.warning("failed: %s", exc.message)
        return doc.failed(str(exc))
    except MemoryError:
        log.warning("failed: %s: out of memory", name)
        return doc.failed(f"too_large: {name}: does not fit in memory when read")
    except Exception as exc:  # noqa: BLE001 - a parser's own error: this file fails, the run goes on
        log.warning("failed: %s: %s: %s", name, type(exc).__name__, exc, exc_info=log.isEnabledFor(logging.DEBUG))
        return doc.failed(f"corrupt: {name}: cannot be read ({type(exc).__name__}: {str(exc)[:300]})")
    return doc
