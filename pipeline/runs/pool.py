"""Worker processes forked after the models are loaded: `--workers N` without N copies of everything.

A run with several workers loads the models in its own process, runs one small text through every
stage (`warm_up`: the NER, the place ruler, the cases' patterns, the sentence embedder are built
lazily, on first use), then forks N processes from it (`DocumentPool`, multiprocessing's "fork"
context; processes, because pdfium is not thread-safe). Each worker starts with the models already
in memory, shared with the run's process page by page until either writes to them (`gc.freeze()`
before the fork keeps the garbage collector from touching, hence copying, the loaded objects).

A worker that has processed RECYCLE_AFTER documents is replaced: after that many per worker, the pool forks
fresh workers from the run's process (models loaded, nothing of the documents' own), hands them the next
documents, and lets the old ones finish the documents they hold and exit. What a worker keeps of the documents
it has seen (spaCy's vocabulary and tokenizer cache grow with every new word, the bounded caches of the
classifier fill, freed memory stays with the process) then never grows with the length of the run: a worker's
peak RSS over a 2,000-document run stays near its peak over the first RECYCLE_AFTER (bench/RESULTS.md, session 11).

A worker does one document per call (`ingest_into_store`: claim, stages, save, in its own store
connection) and sends back the `Ingested` record, so the pool balances documents, not batches,
across the processes. Errors come back as values: `DocumentPool.run` returns `(Ingested, None)` or
`(None, WorkerError)`. A worker that dies (killed, out of memory) breaks the pool: a fresh one is
forked from the run's process and the documents that were in flight are tried again, one at a time.

Nothing here knows the orchestrator: pipeline/flows.py wraps batches of documents in Prefect tasks.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import socket
import tempfile
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from pipeline.classify import embed
from pipeline.config import Settings
from pipeline.data import Case
from pipeline.ingest.discover import is_url
from pipeline.ingest.errors import TransientIngestError
from pipeline.runs.ingest import Ingested, ingest_into_store
from pipeline.stages import Models, StageTimer, load_models, run_document
from pipeline.store.db import Store

log = logging.getLogger(__name__)

WARM_TEXT = ("Pemerintah Kota {a} dan {b} menandatangani nota kesepahaman pada 12 Maret 2014 di Balai Kota. "
             "Dinas Pendidikan mengirim 20 pelajar; anggaran Rp 150 juta dari APBD belum disetujui DPRD.\n")


@dataclass(slots=True)
class WorkerError:
    """An exception a worker raised for one document (not a bad file: those come back as `failed`)."""

    kind: str  # the exception's class name
    message: str
    transient: bool  # a TransientIngestError: worth another try


def warm_up(cases: list[Case], models: Models, settings: Settings) -> None:
    """Build what the stages build lazily on first use, in this process, before workers are forked."""
    slugs = [c.slug for c in cases]
    first = cases[0] if cases else None
    text = WARM_TEXT.format(a=first.local.name if first and first.local else "Karangsari",
                            b=first.partner.name if first and first.partner else "Seokjin")
    with tempfile.TemporaryDirectory(prefix="sistercity-warm-") as tmp:
        path = Path(tmp) / "warm.txt"
        path.write_text(text, encoding="utf-8")
        doc = run_document(path, slugs[0] if slugs else None, cases, models, settings)
    if doc.status != "ok":
        log.warning("warming up the workers' models failed (%s); each worker builds them on first use", doc.error)


# Characters of text per byte of file, by suffix, to order documents by their expected work (measured on the
# demo-derived inbox: text PDFs 0.8, DOCX 0.1 (zipped XML), plain text 1.0).
TEXT_PER_BYTE = {".pdf": 0.8, ".docx": 0.1}


def expected_work(f) -> float:
    """A document's expected processing time, in the units of its text's length: its file size times
    TEXT_PER_BYTE of its suffix (1.0 for others). 0 for a URL or a file that cannot be read (unknown)."""
    if f.refused or is_url(f.path):
        return 0.0
    try:
        size = Path(f.path).stat().st_size
    except OSError:
        return 0.0
    return size * TEXT_PER_BYTE.get(Path(f.path).suffix.lower(), 1.0)


def largest_first(todo: list) -> list:
    """The documents in order of expected work, largest first (ties in inbox order): handed out one by one to
    the workers, the long ones start first and the short ones fill the end, so no worker waits on one
    long last document while the other idles."""
    return sorted(todo, key=expected_work, reverse=True)


# What every worker needs, set in the run's process before the fork so the workers inherit it: the
# cases, the models and the settings are never pickled, per document or per worker.
_JOB: dict = {}
_STORES: dict[str, Store] = {}


def _child_start() -> None:
    """In a new worker: its own store connections (the run's are not used across the fork), and the default
    SIGTERM action (the run's process may have its orchestrator's handler, which raises in the worker when
    the pool is shut down)."""
    _STORES.clear()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    # each worker embeds new passages on its share of the cores (the vectors do not depend on it)
    embed.set_threads(max(1, embed.threads() // max(1, _JOB.get("workers", 1))))


def _worker_pid(_: int) -> int:
    return os.getpid()


def ingest_one(store: Store, path: Path | str, case: str | None, cases: list[Case], models: Models,
               settings: Settings, owner: str, run_id: int, refused: str | None
               ) -> tuple[Ingested | None, WorkerError | None]:
    """One document into the store, in this process, timed and signed with the process; an exception comes
    back as a value (the run decides: retry, or fail the document). The caller sets `model_loads`."""
    timer = StageTimer()
    try:
        result = ingest_into_store(store, path, case, cases, models, settings, timer=timer, owner=owner,
                                   run_id=run_id, refused=refused)
    except Exception as exc:  # noqa: BLE001 - sent back as a value
        return None, WorkerError(type(exc).__name__, str(exc)[:500], isinstance(exc, TransientIngestError))
    result.seconds, result.worker = timer.seconds, f"{socket.gethostname()}:{os.getpid()}"
    return result, None


def _child_work(path: Path | str, case: str | None, refused: str | None, bound: dict
                ) -> tuple[Ingested | None, WorkerError | None]:
    job = {**_JOB, **bound}
    url = job["store_url"]
    store = _STORES.get(url)
    if store is None:
        store = _STORES[url] = Store(url)
    result, error = ingest_one(store, path, case, job["cases"], job["models"], job["settings"], job["owner"],
                               job["run_id"], refused)
    if result is not None:
        # the load inherited from the run's process, plus any this worker did itself (the run's process may
        # have loaded other models before this run: a test session, a long-lived scheduler)
        result.model_loads = 1 + load_models.cache_info().misses - job.get("loads_at_fork", 0)
    return result, error


# Documents per worker before the pool replaces its workers by fresh ones (None: never). A new worker's tokenizer
# cache starts from the run's process's (the warm-up's), so its first documents tokenize a little slower: over
# 500 documents that is noise; its memory then grows by about what 500 documents leave behind.
RECYCLE_AFTER: int | None = 500
_RECYCLE_AFTER_SETTING = object()


class DocumentPool:
    """N worker processes forked from this one, with `job` (store_url, cases, models, settings, owner,
    run_id) inherited. Thread-safe: several batch threads submit to one pool. After `recycle_after`
    documents per worker (None: never) the workers are replaced by new ones forked from this process.

    A pool is forked before its run is recorded (`runs/prepare.py`: while Prefect's temporary API starts),
    with a job that has no owner and run id yet; `bind` then gives them, and they go with every document."""

    def __init__(self, workers: int, job: dict, recycle_after: int | None | object = _RECYCLE_AFTER_SETTING):
        if recycle_after is _RECYCLE_AFTER_SETTING:  # RECYCLE_AFTER as it is now, not when this was defined
            recycle_after = RECYCLE_AFTER
        if workers < 1:
            raise ValueError(f"workers must be at least 1, not {workers}")
        if recycle_after is not None and recycle_after < 1:
            raise ValueError(f"recycle_after must be at least 1 document per worker (or None: never), not {recycle_after}")
        self.workers = workers
        self.recycle_after = recycle_after
        self._handed = 0  # documents handed to the current workers
        self.recycled = 0  # times the workers were replaced after recycle_after documents each
        self._lock = threading.Lock()
        self._turns = threading.Condition()
        self._active, self._solo = 0, False
        self._ctx = multiprocessing.get_context("fork")
        _JOB.clear()
        _JOB.update(job)
        _JOB["workers"] = workers
        _JOB["loads_at_fork"] = load_models.cache_info().misses
        self._bound: dict = {}
        self._executor = self._start()
        self.restarts = 0

    def bind(self, **job) -> None:
        """Job entries not known when the pool was forked (the run's owner and id), sent with each document."""
        self._bound = {**self._bound, **job}

    def _start(self) -> ProcessPoolExecutor:
        gc.collect()
        gc.freeze()  # the loaded models stay out of the collector's reach: their pages stay shared
        executor = ProcessPoolExecutor(self.workers, mp_context=self._ctx, initializer=_child_start)
        # With "fork" every worker starts at the first submit: do it now, from this thread.
        self.pids = sorted(set(executor.map(_worker_pid, range(self.workers))))
        gc.unfreeze()
        return executor

    def run(self, path: Path | str, case: str | None, refused: str | None, alone: bool = False
            ) -> tuple[Ingested | None, WorkerError | None]:
        """Process one document in a worker and wait for it. When a worker dies (killed, out of memory)
        the pool is forked anew and the document is tried once more, alone in the pool (no other
        document in flight), so that a second death is this document's own: it then fails, with that
        reason, and the others go on."""
        with self._turns:
            self._turns.wait_for(lambda: not self._solo)
            if alone:
                self._solo = True
                self._turns.wait_for(lambda: self._active == 0)
            self._active += 1
            if self.recycle_after is not None and self._handed >= self.recycle_after * self.workers:
                self._recycle()
            self._handed += 1
            executor = self._executor
        try:
            try:
                return executor.submit(_child_work, path, case, refused, self._bound).result()
            except BrokenProcessPool:
                pass
            self._restart(executor)  # forked outside the except block: the workers do not inherit the exception
        finally:
            with self._turns:
                self._active -= 1
                if alone:
                    self._solo = False
                self._turns.notify_all()
        if alone:
            return None, WorkerError("BrokenProcessPool", "its worker process died while processing it, twice "
                                     "(killed, or out of memory)", False)
        return self.run(path, case, refused, alone=True)

    def call(self, fn, *args) -> Future:
        """Any other work for a worker (a module-level function and picklable arguments): its future."""
        with self._lock:
            return self._executor.submit(fn, *args)

    def _recycle(self) -> None:
        """Fresh workers for the next documents; the old ones finish those they hold, then exit."""
        started = time.perf_counter()
        with self._lock:
            old = self._executor
            self._executor = self._start()
            self._handed = 0
            self.recycled += 1
        old.shutdown(wait=False)  # its documents in flight are still processed and their results delivered
        log.info("workers replaced after %d documents each (memory kept bounded), in %.2f s; new ones: %s",
                 self.recycle_after, time.perf_counter() - started, self.pids)

    def _restart(self, broken: ProcessPoolExecutor) -> None:
        """A fresh pool, unless another thread has already made one since `broken` broke."""
        with self._lock:
            if self._executor is not broken:
                return
            log.warning("a worker process died; forking %d new ones", self.workers)
            broken.shutdown(wait=False, cancel_futures=True)
            self._executor = self._start()
            self._handed = 0
            self.restarts += 1

    def close(self, cancel: bool = False) -> None:
        with self._lock:
            self._executor.shutdown(wait=True, cancel_futures=cancel)
        _JOB.clear()

    def __enter__(self) -> DocumentPool:
        return self

    def __exit__(self, exc_type, *_) -> None:
        self.close(cancel=exc_type is not None)
