"""Prefect wiring only: tasks wrap the store-backed use cases of `pipeline.runs` (which run `pipeline.stages`).

The start-up order of `sistercity run` (issue #19: every second of it that leaves a core idle is serial time):
1. Prefect's temporary API is started in its own process (`prefect_server.TemporaryAPI.start_early`, before any
   Prefect import; with no PREFECT_API_URL Prefect would start it only when the flow is called, and it takes 3-5 s,
   up to 17 s on a loaded 2-core machine). Whether Prefect's settings want it is asked when Prefect is imported.
2. Meanwhile, with no Prefect import, `runs/prepare.prepare` loads the models, scans the inbox (a content hash per
   file: what is new or changed), records the run, and with --workers N warms every stage up, forks the N workers
   and starts them on the first documents, largest first (`EarlyStart`).
3. Only then does the run's process import this module (Prefect's flow machinery), wait for the API, and start
   the flow (`run_inbox`), which takes that whole start over (`take`): its batch tasks report the documents
   already begun, once each, and feed the workers the rest.
Called directly (tests, a deployment), `process_inbox` does all of that itself, in the flow.

`process_inbox` makes one `process_batch` task per batch of new or changed documents (at most BATCH documents;
never per passage), with one log line and one result per document. The batch tasks run in threads of the
flow's process: with --workers 1 each document is processed right there; with --workers N the
models are loaded and every stage warmed up in the run's process, then N worker processes are forked
(pipeline/runs/pool.py: processes, because pdfium is not thread-safe), which inherit the models
instead of loading their own, and the batch threads hand them the documents one by one, largest
expected work first. With a Dask cluster (`dask_address`, prefect-dask) the batch tasks run on its
workers, which load the models once per process. Every document is claimed in the store before it is
processed (by the process that processes it, under the run's owner), so parallel workers, overlapping runs and
killed runs stay safe, and a document that raises (or whose worker dies) fails alone: the rest of its batch
goes on.

Prefect's own cost is per batch, and kept flat: the cases and settings go to each
task quote()d, so Prefect does not walk them element by element. (Loading the models in a thread of
the run's process while Prefect started its temporary API from the flow was tried before: it was slower,
the two competing for one interpreter; the API now starts in its own process, so nothing competes.)
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from pipeline.prefect_server import use_prefect_defaults  # noqa: E402  (no Prefect import there)

# Prefect's start-up timeout raised, analytics off, its loggers at WARNING (PREFECT_DEFAULTS), and the temporary
# API's services that only feed a UI off (EPHEMERAL_ENV): before Prefect is imported. Prefect's recorder batch
# sizes stay at their defaults for the temporary API (see SERVER_ENV in pipeline/prefect_server.py for a
# long-running server): it is stopped as soon as this process exits, and task-run events still waiting in a
# batch that is not full are lost then (measured: 39 of 600 task runs missing with a batch of 100).
use_prefect_defaults()

from prefect import flow, get_run_logger, task  # noqa: E402
from prefect.cache_policies import NO_CACHE  # noqa: E402
from prefect.utilities.annotations import quote  # noqa: E402

from pipeline.children import watch_children  # noqa: E402
from pipeline.config import Settings, deployment_settings  # noqa: E402
from pipeline.ingest.discover import discover, inbox_key, is_url, store_key  # noqa: E402
from pipeline.runs.ingest import Ingested  # noqa: E402
from pipeline.runs.pool import DocumentPool, WorkerError, ingest_one, largest_first  # noqa: E402
from pipeline.runs.prepare import (  # noqa: E402,F401
    _READY,
    EarlyStart,
    Prepared,
    fork_pool,
    prepare,
    preparing,
    release_claims,
    scan,
    take,
)
from pipeline.runs.report import (  # noqa: E402
    REPORT_INPUTS,  # noqa: F401  (the reports' inputs file: imported from here by callers)
    current_reports,
    record_report_inputs,
    report_from_store,
    report_inputs,
)
from pipeline.stages import StageTimer, load_models  # noqa: E402
from pipeline.store.db import Store, new_owner, store_url  # noqa: E402

log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=8)
def _store(url: str) -> Store:
    """One Store (engine, connection pool) per URL per process, not one per document."""
    return Store(url)


def _attempts(one, f, stop) -> Ingested | None:
    """One document, retried after an I/O hiccup like a task with retries=2 (never after a parse error:
    a bad file comes back `failed`, it does not raise). An error that persists, or any other exception,
    fails this document only: it is reported `failed` with the reason and left out of the store (its
    claim released), so the next run tries it again. None when the run is stopping."""
    for attempt in range(RETRIES + 1):
        if stop is not None and stop.is_set():
            return None
        result, error = one(f)
        if error is None:
            return result
        if not (error.transient and attempt < RETRIES):
            return _not_processed(f, error)
        log.warning("%s: %s, trying again in %d s", f.path, error.message, RETRY_DELAY)
        time.sleep(RETRY_DELAY)
    raise AssertionError("unreachable")


def _not_processed(f, error: WorkerError) -> Ingested:
    key = str(f.path) if is_url(f.path) else store_key(f.path)
    reason = "transient_error" if error.transient else "worker_error"
    return Ingested(key, "failed", f.case, f"{reason}: {key}: {error.kind}: {error.message}")


def _in_this_process(store_url: str, cases, settings: Settings, owner: str, run_id: int):
    def one(f) -> tuple[Ingested | None, WorkerError | None]:
        models = load_models(str(settings.models), settings.model_version)
        result, error = ingest_one(_store(store_url), f.path, f.case, cases, models, settings, owner, run_id,
                                   f.refused)
        if result is not None:
            result.model_loads = load_models.cache_info().misses
        return result, error
    return one


def _in_pool(pool: DocumentPool, early: EarlyStart | None = None):
    def one(f) -> tuple[Ingested | None, WorkerError | None]:
        started = early.take(f) if early is not None else None  # begun before the flow (runs/prepare.py)
        if started is not None:
            return started.result()
        return pool.run(f.path, f.case, f.refused)
    return one


# NO_CACHE: the store is the cache (content hashes); Prefect's default policy would hash every
# task's inputs (the cases, the settings) on each call for nothing.
@task(cache_policy=NO_CACHE, task_run_name="process_batch {label}")
def process_batch(label: str, batch: list, store_url: str, cases, settings: Settings, owner: str, run_id: int,
                  pool: DocumentPool | None = None, deliver=None, stop=None, early: EarlyStart | None = None
                  ) -> list[Ingested]:
    """A batch of documents, every stage, into the store; one task run per batch, one log line per document.

    Runs in a thread of the flow's process, handing each document to the forked workers (`pool`, with
    --workers N) or processing it here (--workers 1); or on a Dask worker (--dask-address), which loads
    the models once per process. `deliver` (in the flow's process) gets each result as it is made.
    `label` names the batch by its documents' positions among the run's (e.g. "21-40/200"). `early`: the
    documents the workers began before the flow started (runs/prepare.py), whose results are waited for here
    and reported as any other's."""
    logger = get_run_logger()
    one = _in_pool(pool, early) if pool is not None else _in_this_process(store_url, cases, settings, owner, run_id)
    results = []
    if pool is not None and len(batch) > 1:
        # the pool balances documents: keep one in flight per worker, from this batch, in order
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(min(pool.workers, len(batch))) as feeders:
            for f, result in zip(batch, feeders.map(lambda f: _attempts(one, f, stop), batch)):
                _done(f, result, results, logger, deliver)
    else:
        for f in batch:
            _done(f, _attempts(one, f, stop), results, logger, deliver)
    return results


def _done(f, result: Ingested | None, results: list, logger, deliver) -> None:
    if result is None:  # the run is stopping
        return
    results.append(result)
    logger.info("%s %s%s", result.outcome, f.relpath, f": {result.error}" if result.error else "")
    if deliver is not None:
        deliver(result)


def task_runner(settings: Settings):
    """Where the document tasks run: a Dask cluster (--dask-address), or threads of this process
    (a batch each), which hand the documents to forked workers (--workers N) or process them here."""
    if settings.dask_address:
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            raise ImportError(f"--dask-address needs prefect-dask: pip install 'sistercity[dask]' ({exc})") from exc
        return DaskTaskRunner(address=settings.dask_address)
    from prefect.task_runners import ThreadPoolTaskRunner

    return ThreadPoolTaskRunner(max_workers=settings.workers)


def batches(todo: list, workers: int) -> list[list]:
    """Contiguous batches, at most BATCH documents, at least 4 per worker when the inbox allows: small
    enough that the last batches end together, large enough that Prefect's cost per task is noise."""
    if not todo:
        return []
    size = max(1, min(BATCH, -(-len(todo) // (4 * max(1, workers)))))
    return [todo[i:i + size] for i in range(0, len(todo), size)]


def _results(found, params: dict, settings: Settings, store: Store, models, pools: list,
             prepared: Prepared | None = None) -> Iterator[Ingested]:
    """Run process_batch over every document whose content the store does not already hold, and
    yield the results one by one as they come. Unchanged documents are counted here, with no task: a
    re-run over an unchanged inbox costs a hash per file, not a task per file. A pool of forked workers
    made here is appended to `pools` (a prepared one is there already): the caller closes it (it aggregates the
    reports too). With `prepared` (runs/prepare.py) the scan, the order and the pool are its, and the documents
    its workers began before the flow are taken over by their batch tasks."""
    early = None
    if prepared is not None:
        skipped, todo, early = prepared.skipped, prepared.todo, prepared.early  # todo: largest first with workers
    else:
        skipped, todo = scan(store, found, settings)
    yield from skipped
    if not todo:
        return
    workers = settings.workers if not settings.dask_address else max(2, settings.workers)
    if workers > 1 and prepared is None:
        todo = largest_first(todo)
    parts = batches(todo, workers)
    labels, at = [], 0
    for b in parts:
        labels.append(f"{at + 1}-{at + len(b)}/{len(todo)}")
        at += len(b)
    if settings.dask_address:  # Dask turns a quote (a named tuple) into a plain tuple on the way
        from prefect.futures import as_completed

        with task_runner(settings) as runner:
            futures = [runner.submit(process_batch, {"label": label, "batch": b, **params})
                       for label, b in zip(labels, parts)]
            for future in as_completed(futures):
                yield from future.result()
        return
    # quote(): Prefect walks every task parameter, element by element, looking for futures to track;
    # none of these holds one.
    results: queue.Queue = queue.Queue()
    stop = threading.Event()
    pool = prepared.pool if prepared is not None else None
    if settings.workers > 1 and pool is None:
        pool = _fork_pool(store, settings, params["cases"], models)
        pool.bind(owner=params["owner"], run_id=params["run_id"])
        pools.append(pool)
    try:
        with task_runner(settings) as runner:
            futures = [runner.submit(process_batch, {
                "label": label, "batch": quote(b), "store_url": params["store_url"], "cases": quote(params["cases"]),
                "settings": quote(settings), "owner": params["owner"], "run_id": params["run_id"],
                "pool": quote(pool), "deliver": quote(results.put), "stop": quote(stop), "early": quote(early)})
                for label, b in zip(labels, parts)]
            if early is not None:
                early.handover()  # the batch tasks feed the workers from here on
            try:
                for _ in todo:
                    while True:
                        try:
                            yield results.get(timeout=0.5)
                            break
                        except queue.Empty:
                            for future in futures:  # a batch task that failed outright delivers nothing more
                                if future.wrapped_future.done():
                                    future.result()
            except BaseException:
                stop.set()  # the batches stop before their next document; the run's error is raised
                if pool is not None:
                    pool.close(cancel=True)
                raise
    finally:
        if early is not None:
            early.handover()


# The workers' fork, for callers that fork a pool themselves (bench/memory.py).
_fork_pool = fork_pool


def run_inbox(settings: Settings, api=None, prepared: Prepared | None = None) -> dict:
    """What `sistercity run` runs: `prepare` (unless the caller did it already, in `preparing`: `sistercity run` does,
    before it imports this module), then the `process_inbox` flow, which takes what `prepare` made. `api`, a started
    `prefect_server.TemporaryAPI` (or None: Prefect's API as configured), is waited for only once the workers are on
    their first documents, and the flow then records there."""
    if prepared is None:
        with preparing(settings):  # a start the flow did not take (it failed first) is closed: its run failed
            return _flow(settings, api)
    return _flow(settings, api)


def _flow(settings: Settings, api) -> dict:
    if api is None or not api.needed():
        return process_inbox(settings)
    api.wait()
    with api.using():
        return process_inbox(settings)


@task(cache_policy=NO_CACHE)
def aggregate_and_report(store_url: str, out_dir: Path, run_meta: dict, lang: str = "id", cases=None,
                         published_tiebreak: bool = False, models_folder: Path | None = None,
                         pool: DocumentPool | None = None) -> dict:
    # Every case of the store, reviewers' labels over the model's, then the reviewers' verdict overrides;
    # read document by document and one case at a time, so memory does not grow with the store. With the
    # run's worker pool, the workers aggregate (the cases shared among them) while this process scans the store
    # and writes the contract files, the workers then scanning parts of it too (runs/report.py).
    _, paths = report_from_store(_store(store_url), out_dir, run_meta, cases=cases, lang=lang,
                                 published_tiebreak=published_tiebreak, models_folder=models_folder,
                                 elsewhere=pool.call if pool is not None else None,
                                 workers=pool.workers if pool is not None else 1)
    return {name: str(p) for name, p in paths.items()}


@flow(name="process_inbox", validate_parameters=False)
def process_inbox(settings: Settings) -> dict:
    """Process new and changed documents under the inbox, then re-aggregate and rewrite the reports.

    Safe to run twice at once on one store (each document is claimed by one run; the other
    counts it `busy`) and to kill at any point: the next run redoes only what was not saved,
    and marks the killed run `interrupted`.
    """
    started = time.perf_counter()
    watch_children()  # the temporary API and worker processes die with this one, even on kill -9
    pools: list[DocumentPool] = []  # the forked workers of --workers N, if any document needed them
    prepared = take(store_url(settings.db), settings)  # what `prepare` did before the flow (runs/prepare.py)
    if prepared is not None:  # its scan, run record and workers (already on the first documents)
        store, models, cases, found = prepared.store, prepared.models, prepared.cases, prepared.found
        owner, run_id = prepared.owner, prepared.run_id
        pools += [prepared.pool] if prepared.pool is not None else []
    else:
        store = _store(store_url(settings.db))
        models = load_models(str(settings.models), settings.model_version)
        cases, files = discover(settings.inbox)
        found = list(files)
        owner = new_owner()
        run_id = store.start_run(str(settings.inbox), models.versions, owner=owner)
    timer = StageTimer()
    counts = {"seen": len(found), "new": 0, "changed": 0, "skipped": 0, "busy": 0, "failed": 0, "removed": 0}
    failures: list[dict] = []
    workers: dict[str, dict] = {}
    relpaths = {store_key(f.path): f.relpath for f in found}
    params = {"store_url": store.url, "cases": cases, "settings": settings, "owner": owner, "run_id": run_id}
    try:
        present = set()
        t = last_beat = time.perf_counter()
        for i, result in enumerate(_results(found, params, settings, store, models, pools, prepared), 1):
            present.add(result.path)
            counts[result.outcome] += 1
            if result.outcome == "failed":
                failures.append({"path": result.path, "error": result.error})
            for stage, seconds in result.seconds.items():  # summed over workers: may exceed the wall time
                timer.seconds[stage] = round(timer.seconds.get(stage, 0.0) + seconds, 4)
            if result.worker:
                w = workers.setdefault(result.worker, {"documents": 0, "model_loads": 0})
                w["documents"] += 1
                w["model_loads"] = max(w["model_loads"], result.model_loads)
            if time.perf_counter() - last_beat > HEARTBEAT_SECONDS:
                store.heartbeat(run_id, counts, failures, timer.seconds)
                last_beat = time.perf_counter()
            rel = relpaths.get(str(result.path), result.path)
            log.info("%s %s", result.outcome, rel, extra={"progress": (i, len(found), rel, result.outcome)})
        timer.add("documents_wall", t)
        _release_claims(store, owner)  # a worker that died left its document's claim: the next run redoes it
        store.heartbeat(run_id, counts, failures, timer.seconds)
        counts["removed"] = len(store.mark_removed(inbox_key(settings.inbox), present))
        t = time.perf_counter()
        inputs = report_inputs(store, models.versions, settings, cases)
        paths = current_reports(Path(settings.reports), inputs)
        if paths is None:  # something the reports are made of changed since they were written
            paths = aggregate_and_report(store.url, Path(settings.reports),
                                         {"models": models.versions, "run": run_id, "inbox": str(settings.inbox)},
                                         settings.lang, cases, settings.published_tiebreak, settings.models,
                                         pool=quote(pools[0]) if pools else None)
            record_report_inputs(Path(settings.reports), inputs, paths)
        timer.add("aggregate_report", t)
        for pool in pools:
            pool.close()
    except BaseException as exc:
        if prepared is not None and prepared.early is not None:
            prepared.early.handover()
        for pool in pools:
            pool.close(cancel=True)
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        store.finish_run(run_id, counts, [*failures, {"path": None, "error": f"run {status}: {exc!r}"}], timer.seconds,
                         status=status)
        _release_claims(store, owner)
        raise
    store.finish_run(run_id, counts, failures, timer.seconds)
    return {"run": run_id, "counts": counts, "failures": failures, "reports": paths, "workers": workers,
            "seconds": {**timer.seconds, "total": round(time.perf_counter() - started, 3)}}


# A document's I/O hiccup (TransientIngestError) is tried again this often, after this many seconds.
RETRIES, RETRY_DELAY = 2, 2
# Documents per process_batch task at most (fewer on a small inbox, so every worker gets several batches).
BATCH = 25
# Progress (counts, failures, stage seconds) is written to the run record at most this often while documents
# are processed or counted, and once more when they are all done: one commit every two seconds rather than
# one per document, besides each document's claim and save (issue #19). A run killed in between shows the
# counts of its last heartbeat; what it saved is in the store whatever the heartbeat says.
HEARTBEAT_SECONDS = 2.0
_release_claims = release_claims  # (runs/prepare.py: a start the flow did not take releases them too)


@task
def retrain_task(annotations: Path, models_dir: Path, corrections: Path | None) -> dict:
    from pipeline.classify.train import retrain as retrain_classifier

    return retrain_classifier(annotations, models_dir, corrections)


@flow(name="retrain", validate_parameters=False)
def retrain(annotations: Path, models_dir: Path, corrections: Path | None = None) -> dict:
    """Train from annotations/ plus reviewers' accepted corrections; promote only if not worse held-out."""
    return retrain_task(annotations, models_dir, corrections)


DEPLOYMENT = "sistercity-inbox"


@flow(name="scheduled_process_inbox")
def scheduled_process_inbox(inbox: str, db: str, reports: str, lang: str = "id", workers: int | None = None,
                            dask_address: str | None = None) -> dict:
    """What the schedule runs: process_inbox with plain parameters a deployment can store."""
    return process_inbox(deployment_settings(inbox=inbox, db=db, reports=reports, lang=lang, workers=workers,
                                             dask_address=dask_address))


def serve(settings: Settings, cron: str) -> None:
    """Keep the inbox flow on a cron schedule with Prefect's own serving (blocks until interrupted).
    Needs a Prefect API that can schedule: a server (`prefect server start`), not the ephemeral mode."""
    scheduled_process_inbox.serve(
        name=DEPLOYMENT, cron=cron, print_starting_message=False,
        parameters={"inbox": str(settings.inbox) if "://" in str(settings.inbox) else str(Path(settings.inbox).resolve()),
                    "db": settings.db,
                    "reports": str(Path(settings.reports).resolve()), "lang": settings.lang,
                    "workers": settings.workers, "dask_address": settings.dask_address},
        description="Process new and changed documents of the inbox, then rewrite the reports.")
