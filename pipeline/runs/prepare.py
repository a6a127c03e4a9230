"""A run's start before its flow, without Prefect: the models, the inbox's scan, the workers and their first documents.

`sistercity run` calls `prepare` before it imports Prefect's flow machinery (pipeline/flows.py), while Prefect's
temporary API starts in its own process: the models are loaded, the inbox is scanned (which documents are new or
changed: a content hash per file), and with --workers N the stages are warmed up, the N workers forked and the run
recorded in the store, and the workers start on the first documents at once (`EarlyStart`: largest first, one in
flight per worker, claimed in the store by the worker under the run's owner as any document is). The run's process
meanwhile imports Prefect, waits for the API and starts the flow, whose batch tasks then take those documents over:
a document already started is waited for and reported by its batch task (one log line, one result, as any other),
and from then on the feeding stops and the batch tasks hand out the rest (issue #19: before, the workers idled
about a second and a half while the flow started, serial time that made two workers worth 1.5-1.64x one).

The flow takes the whole start (`take`, matched by store and settings): the scan, the run's owner and record, the
pool and the documents in flight; the flow does none of that again. A start the flow did not take (the flow failed
to start, or the process is interrupted first) is closed by `Prepared.close`: no new document is started, those in
flight end, the pool is shut down, the run record is finished as failed (or interrupted) with the reason and what
was done, and the run's claims are released.

Nothing here imports Prefect (STYLE: the orchestrator only in pipeline/flows.py); with Dask the flow does all of it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field

from pipeline.children import watch_children
from pipeline.config import Settings
from pipeline.data import Case
from pipeline.ingest.discover import Found, discover
from pipeline.runs.ingest import Ingested, unchanged_in_store
from pipeline.runs.pool import DocumentPool, largest_first, warm_up
from pipeline.stages import Models, load_models
from pipeline.store.db import Store, new_owner, store_url

log = logging.getLogger(__name__)


# Documents in flight per worker while the workers start before the flow (EarlyStart).
IN_FLIGHT = 2


class EarlyStart:
    """Documents handed to the pool's workers before the flow's batch tasks run: IN_FLIGHT feeder threads per
    worker, each taking the next document of `todo` (in its order) and running it in the pool, until `handover`
    (two per worker, as the batch tasks keep them: a worker that ends a document finds the next one queued, and
    does not wait for this process, busy importing Prefect meanwhile, to hand it one). A batch
    task asks for each of its documents with `take`: the future of one started here (its `pool.run` result), or
    None, and then this never starts it. Errors are values as in `DocumentPool.run`: a document that raises or
    whose worker dies fails alone, with its reason, when its batch task takes it."""

    def __init__(self, pool: DocumentPool, todo: list[Found]):
        self._pool, self._todo, self._next = pool, todo, 0
        self._lock = threading.Lock()
        self._started: dict[str, Future] = {}  # store key -> its result, for documents no batch task took yet
        self._taken: set[str] = set()  # documents a batch task took before they were started here
        self._stopped = False
        self.started = 0  # documents started here, in all
        self._threads = [threading.Thread(target=self._feed, name=f"early-start-{i}", daemon=True)
                         for i in range(IN_FLIGHT * pool.workers)]
        for t in self._threads:
            t.start()

    def _feed(self) -> None:
        while True:
            with self._lock:
                f = None
                while not self._stopped and self._next < len(self._todo):
                    candidate = self._todo[self._next]
                    self._next += 1
                    if str(candidate.path) not in self._taken:
                        f = candidate
                        break
                if f is None:
                    return
                done: Future = Future()
                self._started[str(f.path)] = done
                self.started += 1
            try:
                done.set_result(self._pool.run(f.path, f.case, f.refused))
            except BaseException as exc:  # noqa: BLE001 - delivered to the batch task that takes it
                done.set_exception(exc)

    def take(self, f: Found) -> Future | None:
        """The result of `f` if it was started here (once: a retry goes to the pool), else None, and it will not be."""
        with self._lock:
            done = self._started.pop(str(f.path), None)
            if done is None:
                self._taken.add(str(f.path))
            return done

    def handover(self) -> None:
        """No more documents are started here (those in flight go on, for their batch tasks to take)."""
        with self._lock:
            self._stopped = True

    def close(self, timeout: float | None = None) -> list[Ingested]:
        """`handover`, then wait for the documents in flight; the results of those no batch task took."""
        self.handover()
        for t in self._threads:
            t.join(timeout)
        with self._lock:
            left, self._started = list(self._started.values()), {}
        out = []
        for done in left:
            try:
                result, _ = done.result(timeout=0)
            except BaseException:  # noqa: BLE001 - cancelled with the pool: not processed
                continue
            if result is not None:
                out.append(result)
        return out


@dataclass
class Prepared:
    """What `prepare` made ready for the flow of this process (`take`). `skipped` are the unchanged files' results,
    `todo` the files to process (largest first with workers), `owner`/`run_id` the run's (recorded in the store)."""

    key: tuple  # (store URL, settings): the flow takes it only for the same
    store: Store
    models: Models
    cases: list[Case]
    found: list[Found]
    skipped: list[Ingested]
    todo: list[Found]
    owner: str
    run_id: int
    pool: DocumentPool | None = None
    early: EarlyStart | None = None
    taken: bool = field(default=False)

    def close(self, error: BaseException | None = None) -> None:
        """For a start no flow took: no new document, those in flight finished, the workers stopped, the run
        record finished as failed (or interrupted) with the reason, and the run's claims released."""
        if self.taken:
            return
        self.taken = True
        done = self.early.close() if self.early is not None else []
        if self.pool is not None:
            self.pool.close(cancel=True)
        status = "interrupted" if isinstance(error, KeyboardInterrupt) else "failed"
        counts = {"seen": len(self.found), "new": 0, "changed": 0, "skipped": len(self.skipped), "busy": 0,
                  "failed": 0, "removed": 0}
        failures = []
        for r in done:
            counts[r.outcome] += 1
            if r.outcome == "failed":
                failures.append({"path": r.path, "error": r.error})
        reason = f"run {status} before its flow started: {error!r}" if error is not None else \
            "run failed: its flow did not start"
        try:
            self.store.finish_run(self.run_id, counts, [*failures, {"path": None, "error": reason}], {}, status=status)
        finally:
            release_claims(self.store, self.owner)



# The start prepare() made for the flow of this process: at most one, taken once (`take`).
_READY: dict = {}


def prepare(settings: Settings) -> Prepared | None:
    """The run's set-up that needs no Prefect, done before the flow starts (while Prefect's temporary API starts
    in its own process): the child-process watchdog, the models, the inbox's scan, the run's record, and with
    --workers N and something to process, the warm-up, the N forked workers and their first documents.
    None with Dask (its workers load their own models; the flow does the rest). The flow takes what this made
    (`take`); `preparing` closes a start that no flow took (`Prepared.close`)."""
    watch_children()
    models = load_models(str(settings.models), settings.model_version)
    if settings.dask_address:
        return None
    _drop()
    cases, files = discover(settings.inbox)
    found = list(files)
    store = Store(store_url(settings.db))
    skipped, todo = scan(store, found, settings)
    owner = new_owner()
    pool = None
    # With one worker the warm-up is left to the first document, in the batch thread: done here, in this
    # thread, it would open the embedding cache's SQLite connection in a thread the documents are not
    # processed in, and that connection then refuses the batch thread (check_same_thread), which silently
    # runs without the cache: measured 209 s of classify instead of 12 s on 344 documents.
    if settings.workers > 1 and todo:
        todo = largest_first(todo)
        pool = fork_pool(store, settings, cases, models)
    run_id = store.start_run(str(settings.inbox), models.versions, owner=owner)
    prepared = Prepared((store.url, settings), store, models, cases, found, skipped, todo, owner, run_id, pool)
    if pool is not None:
        pool.bind(owner=owner, run_id=run_id)
        prepared.early = EarlyStart(pool, todo)
    _READY["prepared"] = prepared
    return prepared


@contextmanager
def preparing(settings: Settings) -> Iterator[Prepared | None]:
    """`prepare` for a `with` block in which the flow runs: on leaving it, a start the flow did not take is
    closed (`Prepared.close`, with the block's error as the reason)."""
    prepared = prepare(settings)
    try:
        yield prepared
    except BaseException as exc:
        if prepared is not None:
            prepared.close(exc)
        raise
    finally:
        if prepared is not None:
            prepared.close()
            if _READY.get("prepared") is prepared:
                _READY.clear()


def scan(store: Store, found: list[Found], settings: Settings) -> tuple[list[Ingested], list[Found]]:
    """(the results of the files whose content the store already holds, the others): a hash per file, no task."""
    skipped, todo = [], []
    for f in found:
        key, unchanged = (None, False) if f.refused else unchanged_in_store(store, f.path, settings.max_bytes)
        if unchanged:
            skipped.append(Ingested(key, "skipped", f.case))
        else:
            todo.append(f)
    return skipped, todo


def fork_pool(store: Store, settings: Settings, cases: list[Case], models: Models) -> DocumentPool:
    """The run's workers: every stage warmed up in this process, then `settings.workers` processes forked
    from it, sharing its models."""
    warm_up(cases, models, settings)
    store.engine.dispose()  # no open database connection crosses the fork (the embedding cache's is dropped in
    # the workers by pipeline/classify/embed.py's fork hook)
    return DocumentPool(settings.workers, {"store_url": store.url, "cases": cases, "settings": settings,
                                           "models": models})


def take(url: str, settings: Settings) -> Prepared | None:
    """The start prepare() made, if it was made for this store and these settings (else it is closed: the flow
    does its own); at most once."""
    prepared = _READY.pop("prepared", None)
    if prepared is None or prepared.taken:
        return None
    if prepared.key == (url, settings):
        prepared.taken = True
        return prepared
    prepared.close()
    return None


def _drop() -> None:
    """Close a start that no flow took (an earlier prepare in this process)."""
    prepared = _READY.pop("prepared", None)
    if prepared is not None:
        prepared.close()


def release_claims(store: Store, owner: str) -> None:
    """A worker process that died (or a failed Dask task) leaves its claim under this run's owner,
    which is still alive: drop them, so the next run does not wait for the claims to expire."""
    try:
        for claim in store.claims():
            if claim["owner"] == owner:
                store.release(claim["path"], owner)
    except Exception:  # noqa: BLE001 - the run's own error matters more
        log.exception("could not release the claims of %s", owner)
