"""Reports streamed from a store (document by document, one case at a time) are the files the
all-in-memory path writes: same verdicts, byte-identical contract files and reports. The store holds
demo documents of two cases, a passage of one case's document attributed to the other, reviewed
passages (one moved to the other case by its reviewer), a verdict override and an unreadable file."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import DATA, DEMO
from tests.review.conftest import PASSWORD

A, B = "karangsari-seokjin", "tanjungwaru-aldenbruck"
FILES = ((A, "wawancara_dtkp.md"), (A, "notulen_rapat_pokja_2016.docx"), (B, "wawancara_dlh.txt"),
         (B, "notulen_rapat_evaluasi_2019.docx"))
META = {"models": {"passage_classifier": "x"}, "run": 3, "inbox": None, "seconds": {"extract": 1.5}}


@pytest.fixture(scope="module")
def built(tmp_path_factory, models, demo_cases):
    """A SQLite store, and what was done to it: the passage attributed across cases and the reviewed ones."""
    from pipeline.config import Settings
    from pipeline.stages import run_document
    from pipeline.store.db import Store
    from pipeline.store.reviews import Labels, ReviewStore

    folder = tmp_path_factory.mktemp("stream")
    store = Store(str(folder / "store.db"))
    docs = []
    for case, name in FILES:
        (folder / case).mkdir(exist_ok=True)
        shutil.copy(DEMO / case / name, folder / case / name)
        d = run_document(folder / case / name, case, demo_cases, models, Settings(max_mb=50))
        d.path = str(folder / case / name)
        docs.append(d)
    # a passage of case B's interview that speaks of case A (attributed across cases)
    crossed = next(p for p in docs[2].passages if p.case == B and p.stance != "neutral" and p.elements)
    crossed.case = A
    bad = folder / B / "corrupt.pdf"
    shutil.copy(DATA / "corrupt.pdf", bad)
    failed = run_document(bad, B, demo_cases, models, Settings(max_mb=50))
    failed.path = str(bad)
    assert failed.status != "ok"
    for d in [*docs, failed]:
        store.save_document(d, model=models.versions["passage_classifier"])
    reviews = ReviewStore(store)
    ana = {"id": reviews.add_reviewer("ana", PASSWORD, "admin"), "name": "ana"}
    relabelled = next(p for p in docs[0].passages if p.stance == "neutral" and len(p.text) > 60)
    reviews.save_review(ana, docs[0].path, relabelled, Labels(["outcomes"], "positive", [], A), status="corrected",
                        memo="", seen_version=0)
    moved = next(p for p in docs[1].passages if p.case == A and p.stance != "neutral" and p.elements)
    reviews.save_review(ana, docs[1].path, moved, Labels(list(moved.elements), moved.stance, list(moved.obstacles), B),
                        status="corrected", memo="about the other pair", seen_version=0)
    reviews.save_override(ana, B, "reciprocity", "not_fulfilled", "one side only", replaced_status="partial",
                          seen_version=0)
    return {"store": store, "crossed": crossed, "relabelled": relabelled, "moved": moved}


def _in_memory(store, out, cases, meta=META, lang="en"):
    """The path as it was: every document loaded at once."""
    from pipeline.review.corrections import reviewed_documents, reviewed_verdicts
    from pipeline.stages import aggregate_stage, report_stage

    documents = reviewed_documents(store)
    slugs = {d.case for d in documents if d.case} | {p.case for d in documents for p in d.passages if p.case}
    verdicts = reviewed_verdicts(store, aggregate_stage(documents, slugs, cases=cases, lang=lang))
    return verdicts, report_stage(out, documents, verdicts, meta, cases=cases, lang=lang)


def _files(folder) -> dict[str, bytes]:
    return {f.name: f.read_bytes() for f in sorted(folder.iterdir()) if f.is_file()}


def test_streamed_reports_are_the_in_memory_ones(built, demo_cases, tmp_path):
    from pipeline.runs.report import report_from_store

    store = built["store"]
    old_verdicts, old_paths = _in_memory(store, tmp_path / "old", demo_cases)
    verdicts, paths = report_from_store(store, tmp_path / "new", META, cases=demo_cases, lang="en")
    assert list(paths) == list(old_paths)
    old, new = _files(tmp_path / "old"), _files(tmp_path / "new")
    assert sorted(new) == sorted(old) and len(new) >= 14
    assert [name for name in old if old[name] != new[name]] == []
    assert {c: {el: (v.status, v.score) for el, v in by.items()} for c, by in verdicts.items()} == \
        {c: {el: (v.status, v.score) for el, v in by.items()} for c, by in old_verdicts.items()}
    # what the store was built to exercise did reach the reports
    cases = json.loads(new["verdicts.json"])["cases"]
    quotes = {c: {e["quote"] for el in cases[c]["elements"].values() for e in el["evidence"]} for c in cases}
    assert built["crossed"].text in quotes[A] and built["crossed"].text not in quotes[B]
    assert built["relabelled"].text in quotes[A]
    assert built["moved"].text in quotes[B] and built["moved"].text not in quotes[A]
    assert cases[B]["elements"]["reciprocity"]["override"]["reviewer"] == "ana"
    rows = [json.loads(line) for line in new["passages.jsonl"].decode().splitlines()]
    assert sum(1 for r in rows if "review" in r) == 2
    assert b"FAILED" in new["report.md"] and b"corrupt.pdf" in new["report.html"]


def test_compare_from_store_reports_what_the_in_memory_path_did(built, demo_cases, tmp_path):
    from pipeline.report.build import FORMATS, write_reports
    from pipeline.review.corrections import reviewed_documents, reviewed_verdicts
    from pipeline.runs.report import compare_from_store
    from pipeline.stages import aggregate_stage

    store = built["store"]
    documents = reviewed_documents(store)
    verdicts = reviewed_verdicts(store, aggregate_stage(documents, [A], lang="id"))
    write_reports(tmp_path / "old", documents, verdicts, formats=FORMATS)
    compare_from_store(store.url, tmp_path / "new", [A], formats=FORMATS)
    old, new = _files(tmp_path / "old"), _files(tmp_path / "new")
    assert sorted(new) == sorted(old) and "verdicts.json" not in new
    assert [name for name in old if old[name] != new[name]] == []
    with pytest.raises(ValueError, match="cases not in the store"):
        compare_from_store(store.url, tmp_path / "none", ["no-such-case"])


def test_store_iterators_yield_the_documents_one_by_one(built):
    store = built["store"]
    every = store.documents()
    assert [d.path for d in store.iter_documents(batch=2)] == [d.path for d in every]
    assert [len(d.passages) for d in store.iter_documents(batch=2)] == [len(d.passages) for d in every]
    ids = store.document_ids(status="ok")
    assert len(ids) == len(every) - 1  # the unreadable file
    light = [d for _, d in store.iter_rows(ids, text=False, entities=False)]
    assert all(d.text == "" and not d.entities for d in light) and sum(len(d.passages) for d in light) > 0
    crossed = built["crossed"]
    assert crossed.doc in store.docs_with_passages_of(A)
    assert store.document_ids(docs={crossed.doc}) == [i for i, d in zip(store.document_ids(), every)
                                                     if d.doc == crossed.doc]
    assert [m for _, m in store.document_models()] == [d.model for d in every if d.status == "ok"]


def test_verdicts_json_written_case_by_case_is_the_same_bytes(built, tmp_path):
    from pipeline.report.outputs import verdicts_record, write_verdicts_json
    from pipeline.stages import aggregate_stage

    documents = built["store"].documents()
    verdicts = aggregate_stage(documents, [A, B], lang="id")
    for meta, vs in ((META, verdicts), (None, verdicts), ({"contract": "x", "cases": 1}, {}), (None, {})):
        write_verdicts_json(tmp_path / "v.json", vs, meta)
        expected = json.dumps(verdicts_record(vs, meta), ensure_ascii=False, indent=1)
        assert (tmp_path / "v.json").read_text(encoding="utf-8") == expected


def test_aggregating_in_another_process_while_scanning_writes_the_same_files(built, demo_cases, tmp_path):
    """Issue #19: with `elsewhere` (the run's worker pool) the verdicts are aggregated in another process
    while this one scans the store; the cases are guessed from the store before the scan, so a guess
    that misses a case (here: one left out on purpose) or names one too many is put right after it."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.runs.report import report_from_store

    store = built["store"]
    _, plain = report_from_store(store, tmp_path / "plain", META, cases=demo_cases, lang="en")
    calls = []
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        def elsewhere(fn, url, slugs, *args):
            if fn.__name__ != "aggregate_cases":  # a part of the scan (the store is too small to be cut: none)
                return pool.submit(fn, url, slugs, *args)
            calls.append(slugs)
            return pool.submit(fn, url, [*slugs[1:], "no-such-case"], *args)  # one missed, one too many

        _, moved = report_from_store(store, tmp_path / "moved", META, cases=demo_cases, lang="en", elsewhere=elsewhere)
    assert len(calls) == 1 and {A, B} <= set(calls[0]) and calls[0] == sorted(calls[0])
    assert sorted(plain) == sorted(moved)
    for name in plain:
        assert plain[name].read_bytes() == moved[name].read_bytes(), name


def test_scanning_and_aggregating_shared_among_processes_writes_the_same_files(built, demo_cases, tmp_path, monkeypatch):
    """Issue #19: with two worker processes behind `elsewhere`, the cases are shared out between two
    aggregations and the store is scanned in three runs of its order (this process's and two others,
    each writing its own part of the contract files, spliced in order): the same bytes as one process."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    import pipeline.runs.scan as scan
    from pipeline.runs.report import report_from_store

    store = built["store"]
    _, plain = report_from_store(store, tmp_path / "plain", META, cases=demo_cases, lang="en")
    monkeypatch.setattr(scan, "MIN_PART", 1)  # the built store holds a handful of documents: cut it anyway
    calls = []
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        def elsewhere(fn, *args):
            calls.append((fn.__name__, args[1]))
            return pool.submit(fn, *args)

        _, shared = report_from_store(store, tmp_path / "shared", META, cases=demo_cases, lang="en",
                                      elsewhere=elsewhere, workers=2)
    aggregations = [slugs for name, slugs in calls if name == "aggregate_cases"]
    parts = [ids for name, ids in calls if name == "scan_part"]
    assert len(aggregations) == 2 and all(aggregations) and not set(aggregations[0]) & set(aggregations[1])
    assert {A, B} <= set(aggregations[0]) | set(aggregations[1])
    ids = store.document_ids()
    assert len(parts) == 2 and all(parts) and len(parts[0]) + len(parts[1]) < len(ids)  # this process scanned a part too
    assert parts[0] + parts[1] == ids[len(ids) - len(parts[0]) - len(parts[1]):]  # the runs after this process's, in order
    assert sorted(plain) == sorted(shared)
    for name in plain:
        assert plain[name].read_bytes() == shared[name].read_bytes(), name


@pytest.mark.parametrize("hold", [10**6, 0, 25])
def test_aggregating_along_the_scan_gives_aggregate_stores_verdicts(built, demo_cases, hold):
    """The verdicts gathered from the scan's one pass are aggregate_store's (its second read of the store),
    whether every case is kept until its last document (large `hold`), none is (0: all read again after the
    pass) or some are let go on the way."""
    from pipeline.runs.report import AggregateAlong, _store_cases, aggregate_store
    from pipeline.runs.scan import scan_store
    from pipeline.store.reviews import ReviewStore

    store = built["store"]
    reviews = ReviewStore(store).reviews()
    slugs = _store_cases(store, reviews)
    assert {A, B} <= set(slugs)
    expected = aggregate_store(store, slugs, reviews, cases=demo_cases, lang="en")
    along = AggregateAlong(store, slugs, reviews, cases=demo_cases, lang="en", hold=hold)
    scan_store(store, reviews, demo_cases, each=along)
    if hold == 10**6:
        assert along.later == set() and set(along.verdicts) == set(slugs)  # nothing read twice
    if hold == 0:
        assert {A, B} <= along.later  # each let go before its last document
    got = along.finish()
    assert list(got) == list(expected)
    assert got == expected
    assert any(v.evidence for by in got.values() for v in by.values())


def test_report_from_store_reads_each_document_once(built, demo_cases, tmp_path, monkeypatch):
    """One pass reads the documents for the contract files, the reports and the verdicts (the HTML appendix
    reads the cited ones again, text only)."""
    from pipeline.runs.report import report_from_store
    from pipeline.store.db import Store

    store = built["store"]
    read: list[tuple[int, bool]] = []
    iter_rows = Store.iter_rows

    def counted(self, ids, **parts):
        for rid, d in iter_rows(self, ids, **parts):
            read.append((rid, parts.get("passages", True)))
            yield rid, d

    monkeypatch.setattr(Store, "iter_rows", counted)
    report_from_store(store, tmp_path, META, cases=demo_cases, lang="en")
    with_passages = [rid for rid, passages in read if passages]
    assert sorted(with_passages) == sorted(store.document_ids())
