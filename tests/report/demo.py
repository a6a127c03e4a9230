"""Reports over two demo cases, built once per test session (about 15 s) and shared by the report
and browser tests; plus a tiny hostile document for the escaping tests."""

from __future__ import annotations

from pathlib import Path

from pipeline.data import Document, Entity, PageSpan, Passage
from tests.conftest import DEMO

DEMO_CASES = ("karangsari-seokjin", "tanjungwaru-aldenbruck")
_built: dict[str, Path] = {}


def demo_reports(tmp_path_factory) -> Path:
    """The report folder for DEMO_CASES (report_stage output, Indonesian texts)."""
    if "dir" not in _built:
        from pipeline.config import Settings
        from pipeline.ingest.discover import discover
        from pipeline.stages import aggregate_stage, load_models, report_stage, run_document

        cases, files = discover(DEMO)
        models = load_models()
        docs = [run_document(f.path, f.case, cases, models, Settings(max_mb=50)) for f in files if f.case in DEMO_CASES]
        slugs = {d.case for d in docs if d.case} | {p.case for d in docs for p in d.passages if p.case in DEMO_CASES}
        out = tmp_path_factory.mktemp("demo_reports")
        report_stage(out, docs, aggregate_stage(docs, slugs), {"models": models.versions}, cases=cases, lang="id")
        _built["dir"] = out
    return _built["dir"]


HOSTILE = ("Delegasi Kota Karangsari melakukan kunjungan ke Seokjin pada 9 Agustus 2015 <script>window.__pwned = 1;"
           "document.title='pwned'</script> dan anggaran terbatas.\n"
           "Dinas tidak mengetahui adanya kerja sama <img src=x onerror=\"window.__pwned=2\"> sama sekali.\n"
           "Program belum berjalan & tidak ada tindak lanjut setelah penandatanganan \"MoU\".\n")


def hostile_document() -> Document:
    text = HOSTILE
    d = Document(doc="f" * 16, source="<b>laporan</b>.txt", case="karangsari-seokjin", type="visit_report", text=text,
                 pages=[PageSpan(1, 0, len(text))])
    start = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\n")
        d.passages.append(Passage(doc=d.doc, page=1, start=start, end=start + len(body), text=body,
                                  case="karangsari-seokjin", scores={"commitment": 0.9}, elements=["commitment"],
                                  stance="obstacle", stance_scores={"obstacle": 0.9}, obstacles=["no_follow_up"]))
        start += len(line)
    at = text.index("9 Agustus 2015")
    d.entities.append(Entity(d.doc, 1, at, at + 14, "9 Agustus 2015", "DATE", "2015-08-09"))
    return d


def all_demo_reports(tmp_path_factory) -> tuple[Path, list[Document]]:
    """The report folder for every demo case (report_stage output, Indonesian texts), and its documents."""
    if "all" not in _built:
        from pipeline.config import Settings
        from pipeline.ingest.discover import discover
        from pipeline.stages import aggregate_stage, load_models, report_stage, run_document

        cases, files = discover(DEMO)
        models = load_models()
        docs = [run_document(f.path, f.case, cases, models, Settings(max_mb=50)) for f in files]
        slugs = {c.slug for c in cases}
        out = tmp_path_factory.mktemp("all_demo_reports")
        report_stage(out, docs, aggregate_stage(docs, slugs, cases=cases), {"models": models.versions}, cases=cases,
                     lang="id")
        _built["all"] = (out, docs)
    return _built["all"]
