"""Benchmarks: `make bench` (`python -m bench.run` from the repository root). Writes bench/RESULTS.md.

Section `stages` (on the bundled demo corpus, one process):
- ingestion pages per second: our pypdfium2 path on text PDFs, plain
  pdfplumber `extract_text` on the same files in the same run, DOCX, and OCR;
- NLP (entity tagging) and classification passages per second;
- peak memory (max RSS) of the process.
Section `scale` (bench/scale.py): whole runs over a generated inbox of --docs documents
(default 1,000): documents and pages per second with 1 and 2 workers, peak memory as the
corpus grows, a re-run with nothing changed, the fixed start-up, and Prefect's overhead.
Section `aggregate-memory` (bench/scale.py): the memory of aggregating and writing the reports alone,
over stores of the first N/4, N/2 and N documents (`--store`/`--inbox` reuse a store already built).
Section `throughput` (issue #19): pdfplumber's bare extract_text, the direct path and the flow with 1 and 2
workers on one generated inbox (`--throughput-docs`; `--throughput-pdf-pages` steers its share of PDFs).
Section `one-run` (issue #19, not part of `all`): one whole `sistercity run` over --docs documents with
--workers workers and a cold embedding cache (the 10,000-document run).
Section `direct` (issue #19, not part of `all`): the direct path's pages/s over --docs documents
(`--direct-pdf-pages` steers the share of PDFs).
`--section NAME` runs one section and keeps the others' last results in the file.
Speed is never asserted in tests; it is measured here.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # before any OCR; the package is imported as installed (pip install -e .)

from pipeline.config import Settings  # noqa: E402
from pipeline.ingest import extract  # noqa: E402
from pipeline.ingest.discover import discover  # noqa: E402
from pipeline.stages import classify_stage, load_models, nlp_stage  # noqa: E402

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


def stages() -> list[str]:
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
    t_nlp = timed(lambda: [nlp_stage(d, by_slug.get(d.case or ""), cases, Settings()) for d in docs])
    rows.append(("NLP (entities), spaCy id + rules", f"{n_passages / t_nlp:.0f} passages/s", f"{n_passages} passages"))
    models = load_models()
    t_clf = timed(lambda: [classify_stage(d, cases, models) for d in docs], repeat=3)
    rows.append((f"classification ({models.card['name']})", f"{n_passages / t_clf:.0f} passages/s", "with case attribution"))

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows.append(("peak memory of this process", f"{peak_mb:.0f} MB", "max RSS"))

    lines = [f"`python -m bench.run --section stages`, {_when()}, one process.", "",
             "| what | rate | on |", "|---|---|---|"]
    return lines + [f"| {a} | {b} | {c} |" for a, b, c in rows]


def _when() -> str:
    return (f"{datetime.now(UTC).isoformat(timespec='seconds')}, {platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}")


def scale(n: int) -> list[str]:
    from bench.scale import benchmark

    with tempfile.TemporaryDirectory(prefix="sistercity-bench-") as tmp:
        body = benchmark(n, Path(tmp), log=lambda msg: print(msg, file=sys.stderr, flush=True))
    head = [f"`python -m bench.run --section scale --docs {n}`, {_when()}."]
    if n < 10_000:
        head.append("10,000 documents: not run; at the 1-worker rate above it would take well over the 20 minutes allowed.")
    return [*head, "", *body]


def direct(n: int, pdf_pages: int | None = None) -> list[str]:
    from bench.scale import direct_rate

    with tempfile.TemporaryDirectory(prefix="sistercity-bench-") as tmp:
        body = direct_rate(n, Path(tmp), log=lambda msg: print(msg, file=sys.stderr, flush=True), pdf_pages=pdf_pages)
    flag = f" --direct-pdf-pages {pdf_pages}" if pdf_pages is not None else ""
    return [f"`python -m bench.run --section direct --docs {n}{flag}`, {_when()}.", "", *body]


def one_run(n: int, workers: int) -> list[str]:
    from bench.scale import one_run as measure_it

    with tempfile.TemporaryDirectory(prefix="sistercity-bench-") as tmp:
        body = measure_it(n, Path(tmp), workers, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    return [f"`python -m bench.run --section one-run --docs {n} --workers {workers}`, {_when()}.", "", *body]


def throughput(n: int, pdf_pages: int | None = None) -> list[str]:
    from bench.scale import throughput as measure_it

    with tempfile.TemporaryDirectory(prefix="sistercity-bench-") as tmp:
        body = measure_it(n, Path(tmp), log=lambda msg: print(msg, file=sys.stderr, flush=True), pdf_pages=pdf_pages)
    flag = f" --throughput-pdf-pages {pdf_pages}" if pdf_pages is not None else ""
    return [f"`python -m bench.run --section throughput --throughput-docs {n}{flag}`, {_when()}.", "", *body]


SECTIONS = {"stages": "Stages, on the demo corpus", "scale": "Whole runs at scale",
            "throughput": "Throughput (issue #19): pdfplumber, direct, 1 and 2 workers on one inbox",
            "direct": "The direct path's pages per second (issue #19)",
            "one-run": "One large run (issue #19: 10,000 documents)",
            "overhead": "Prefect's overhead, flow and direct runs alternated",
            "aggregate-memory": "Memory of aggregating and writing the reports, as the store grows"}


def aggregate_memory(n: int, store: str | None, inbox: str | None) -> list[str]:
    from bench.scale import aggregate_memory as measure_it

    with tempfile.TemporaryDirectory(prefix="sistercity-bench-") as tmp:
        body = measure_it(n, Path(tmp), Path(store) if store else None, Path(inbox) if inbox else None,
                          log=lambda msg: print(msg, file=sys.stderr, flush=True))
    given = f" --store {store} --inbox {inbox}" if store else ""
    return [f"`python -m bench.run --section aggregate-memory --docs {n}{given}`, {_when()}.", "", *body]


def prefect_overhead(n: int, repeats: int = 2) -> list[str]:
    from bench.scale import overhead

    with tempfile.TemporaryDirectory(prefix="sistercity-bench-") as tmp:
        body = overhead(n, Path(tmp), repeats, log=lambda msg: print(msg, file=sys.stderr, flush=True))
    return [f"`python -m bench.run --section overhead --overhead-docs {n} --overhead-repeats {repeats}`, {_when()}, "
            "load average (1 min) at the end "
            f"{os.getloadavg()[0]:.1f}.", "", *body]


def write_results(out: Path, done: dict[str, list[str]]) -> None:
    """Replace the sections just measured; keep the others as they were."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    parts = ["# Benchmark results", "", "`make bench` runs every section (python -m bench.run).", ""]
    for key, title in SECTIONS.items():
        if key in done:
            body = "\n".join(done[key])
        else:
            m = re.search(rf"<!-- section {key} -->\n## [^\n]*\n\n(.*?)(?=\n<!-- section |\Z)", old, re.S)
            if not m:
                continue
            body = m.group(1).rstrip("\n")
        parts += [f"<!-- section {key} -->", f"## {title}", "", body, ""]
    out.write_text("\n".join(parts), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--section", choices=["all", *SECTIONS], default="all")
    ap.add_argument("--docs", type=int, default=1000,
                    help="documents in the generated inbox of the scale section")
    ap.add_argument("--overhead-docs", type=int, default=200,
                    help="documents in the overhead section's inbox (each of its runs processes them all)")
    ap.add_argument("--overhead-repeats", type=int, default=2, help="pairs of flow and direct runs in the overhead section")
    ap.add_argument("--throughput-docs", type=int, default=200,
                    help="documents in the throughput section's inbox (200: about 10 minutes on 2 shared cores)")
    ap.add_argument("--workers", type=int, default=2, help="one-run section: worker processes")
    ap.add_argument("--direct-pdf-pages", type=int, default=None,
                    help="direct section: draw PDF templates towards this many PDF pages among --docs documents (the "
                         "issue's 1,000-document bench, 1,819 pages in all: --docs 1000 --direct-pdf-pages 1550)")
    ap.add_argument("--throughput-pdf-pages", type=int, default=None,
                    help="draw PDF templates towards this many PDF pages in the throughput inbox (issue #19's inbox: "
                         "--throughput-docs 344 --throughput-pdf-pages 620); default: the demo corpus's own mix")
    ap.add_argument("--quick", action="store_true", help="the scale section on 40 documents (a check that it runs)")
    ap.add_argument("--store", help="aggregate-memory: a SQLite store of --docs documents from an earlier run "
                                    "(else one is built from a generated inbox)")
    ap.add_argument("--inbox", help="aggregate-memory: the inbox --store was built from (its case.toml files)")
    args = ap.parse_args()
    done = {}
    if args.section in {"all", "stages"}:
        done["stages"] = stages()
    if args.section in {"all", "scale"}:
        done["scale"] = scale(40 if args.quick else args.docs)
    if args.section == "direct":  # not part of "all": the scale section measures the direct path too
        done["direct"] = direct(40 if args.quick else args.docs, None if args.quick else args.direct_pdf_pages)
    if args.section == "one-run":  # not part of "all": 10,000 documents take a quarter of an hour
        done["one-run"] = one_run(40 if args.quick else args.docs, args.workers)
    if args.section in {"all", "throughput"}:
        done["throughput"] = throughput(20 if args.quick else args.throughput_docs,
                                        None if args.quick else args.throughput_pdf_pages)
    if args.section in {"all", "overhead"}:
        done["overhead"] = prefect_overhead(20 if args.quick else args.overhead_docs, args.overhead_repeats)
    if args.section == "aggregate-memory":  # "all" measures this in the scale section
        done["aggregate-memory"] = aggregate_memory(40 if args.quick else args.docs, args.store, args.inbox)
    out = ROOT / "bench" / "RESULTS.md"
    write_results(out, done)
    print(out.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
