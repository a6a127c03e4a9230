"""Benchmarks: `make bench` (python bench/run.py). Writes bench/RESULTS.md.

Measured on the bundled demo corpus, on this machine, one process:
- ingestion pages per second: our pypdfium2 path on text PDFs, plain
  pdfplumber `extract_text` on the same files in the same run, DOCX, and OCR;
- NLP (entity tagging) and classification passages per second;
- peak memory (max RSS) of the process.
Speed is never asserted in tests; it is measured here.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from pipeline.ingest import extract  # noqa: E402
from pipeline.ingest.discover import discover  # noqa: E402
from pipeline.process import classify_stage, load_models, nlp_stage  # noqa: E402

DEMO = ROOT / "corpora" / "demo"


def pdf_pages(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def is_scan(path: Path) -> bool:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        tp = pdf[0].get_textpage()
        return len(tp.get_text_range().strip()) < 25
    finally:
        pdf.close()


def timed(fn, repeat: int = 1) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    cases, files = discover(DEMO)
    files = list(files)
    pdfs = [f.path for f in files if f.path.suffix == ".pdf"]
    text_pdfs = [p for p in pdfs if not is_scan(p)]
    scans = [p for p in pdfs if p not in text_pdfs]
    docxs = [f.path for f in files if f.path.suffix == ".docx"]
    rows: list[tuple[str, str, str]] = []

    n_text_pages = sum(pdf_pages(p) for p in text_pdfs)
    ours = timed(lambda: [extract(p, "x", ocr=False) for p in text_pdfs], repeat=3)
    rows.append(("text PDF, sistercity (pypdfium2 + layout)", f"{n_text_pages / ours:.0f} pages/s", f"{n_text_pages} pages, {len(text_pdfs)} files"))

    import pdfplumber

    def plumber():
        for p in text_pdfs:
            with pdfplumber.open(p) as pdf:
                for page in pdf.pages:
                    page.extract_text()

    t_plumber = timed(plumber)
    rows.append(("text PDF, pdfplumber extract_text (reference)", f"{n_text_pages / t_plumber:.0f} pages/s", "same files, same run"))

    t_docx = timed(lambda: [extract(p, "x") for p in docxs], repeat=3)
    rows.append(("DOCX", f"{len(docxs) / t_docx:.0f} documents/s", f"{len(docxs)} files"))

    import shutil

    if shutil.which("tesseract"):
        n_scan_pages = sum(pdf_pages(p) for p in scans)
        t_ocr = timed(lambda: [extract(p, "x") for p in scans])
        rows.append(("scanned PDF, Tesseract OCR (1 thread)", f"{n_scan_pages / t_ocr:.2f} pages/s", f"{n_scan_pages} pages at 300 dpi"))
    else:
        rows.append(("scanned PDF, Tesseract OCR", "not measured", "tesseract is not installed"))

    docs = [extract(f.path, f.case, ocr=False) for f in files]
    docs = [d for d in docs if d.status == "ok"]
    by_slug = {c.slug: c for c in cases}
    n_passages = sum(len(d.passages) for d in docs)
    t_nlp = timed(lambda: [nlp_stage(d, by_slug.get(d.case or ""), cases) for d in docs])
    rows.append(("NLP (entities), spaCy id + rules", f"{n_passages / t_nlp:.0f} passages/s", f"{n_passages} passages"))
    models = load_models()
    t_clf = timed(lambda: [classify_stage(d, cases, models) for d in docs], repeat=3)
    rows.append((f"classification ({models.card['name']})", f"{n_passages / t_clf:.0f} passages/s", "with case attribution"))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of this process", f"{peak_mb:.0f} MB", "max RSS"))

    out = ROOT / "bench" / "RESULTS.md"
    lines = ["# Benchmark results", "",
             f"`make bench` (python bench/run.py), {datetime.now(UTC).isoformat(timespec='seconds')}, "
             f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, one process.", "",
             "| what | rate | on |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
