"""The run's set-up that needs no Prefect: the models, the warm-up and the forked workers (issue #19).

`sistercity run` calls `prepare` before it imports Prefect (pipeline/flows.py), while Prefect's temporary API
starts in its own process: the workers are forked from a process that holds the models and the stages and not
Prefect, pydantic's Prefect models or the clients (44 MB of memory that every worker would count in its RSS,
and 0.9 s of imports that came before the models). The flow then takes the workers made here
(`take_ready`) instead of forking its own. Nothing here imports Prefect or records anything in the store.
"""

from __future__ import annotations

import functools

from pipeline.children import watch_children
from pipeline.config import Settings
from pipeline.ingest.discover import discover
from pipeline.runs.ingest import unchanged_in_store
from pipeline.runs.pool import DocumentPool, warm_up
from pipeline.stages import load_models
from pipeline.store.db import Store, store_url


@functools.lru_cache(maxsize=8)
def store_for(url: str) -> Store:
    """One Store (engine, connection pool) per URL per process, not one per document."""
    return Store(url)


# What prepare() made ready for the flow of this process: a pool of forked workers, and what it was made for.
_READY: dict = {}


def prepare(settings: Settings) -> None:
    """The child-process watchdog, the models, and with --workers N over an inbox with something to process,
    the warm-up and the N forked workers, which the flow then uses (`take_ready`) instead of forking its own."""
    watch_children()
    models = load_models(str(settings.models), settings.model_version)
    # With one worker the warm-up is left to the first document, in the batch thread: done here, in this
    # thread, it would open the embedding cache's SQLite connection in a thread the documents are not
    # processed in, and that connection then refuses the batch thread (check_same_thread), which silently
    # runs without the cache: measured 209 s of classify instead of 12 s on 344 documents.
    if settings.workers < 2 or settings.dask_address:
        return
    cases, files = discover(settings.inbox)
    store = store_for(store_url(settings.db))
    # the first file that is new or changed is enough to know workers are wanted (a re-run hashes on)
    if not any(f.refused or not unchanged_in_store(store, f.path, settings.max_bytes)[1] for f in files):
        return
    drop_ready()
    _READY.update(key=(store.url, settings, cases), pool=fork_pool(store, settings, cases, models))


def fork_pool(store: Store, settings: Settings, cases, models) -> DocumentPool:
    """The run's workers: every stage warmed up in this process, then `settings.workers` processes forked
    from it, sharing its models."""
    warm_up(cases, models, settings)
    store.engine.dispose()  # no open database connection crosses the fork (the embedding cache's is dropped in
    # the workers by pipeline/classify/embed.py's fork hook)
    return DocumentPool(settings.workers, {"store_url": store.url, "cases": cases, "settings": settings,
                                           "models": models})


def take_ready(url: str | None = None, settings: Settings | None = None, cases=None) -> DocumentPool | None:
    """The pool prepare() forked, if it was made for this store, these settings and these cases (else it is
    closed: the flow forks its own); at most once."""
    ready = _READY.copy()
    _READY.clear()
    if ready and ready["key"] == (url, settings, cases):
        return ready["pool"]
    if ready:
        ready["pool"].close(cancel=True)
    return None


def drop_ready() -> None:
    """Close a pool prepare() forked that no flow took."""
    take_ready()
