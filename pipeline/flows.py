"""Prefect wiring only: tasks wrap the stage functions of `pipeline.process`.

With no PREFECT_API_URL set, Prefect runs in ephemeral mode (a temporary
local API, no server to start). Its start-up takes 9-17 s on a 2-core machine,
so the start-up timeout is raised above Prefect's 20 s default.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from pathlib import Path

os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

from prefect import flow, task  # noqa: E402

from pipeline.config import Settings  # noqa: E402
from pipeline.ingest.discover import discover  # noqa: E402
from pipeline.ingest.errors import TransientIngestError  # noqa: E402
from pipeline.process import StageTimer, aggregate_stage, ingest_into_store, known_cases, load_models, report_stage  # noqa: E402
from pipeline.store.db import Store, new_owner, store_url  # noqa: E402

log = logging.getLogger(__name__)


def _transient_only(task, task_run, state) -> bool:
    """Retry I/O hiccups; never retry a parse error (it would fail the same way)."""
    try:
        state.result()
    except TransientIngestError:
        return True
    except Exception:  # noqa: BLE001 - any other error is final
        return False
    return False


@functools.lru_cache(maxsize=8)
def _store(url: str) -> Store:
    """One Store (engine, connection pool) per URL per process, not one per document."""
    return Store(url)


@task(retries=2, retry_delay_seconds=2, retry_condition_fn=_transient_only)
def process_document(store_url: str, path: Path, case: str | None, cases, settings: Settings, timer: StageTimer,
                     owner: str, run_id: int) -> dict:
    models = load_models(str(settings.models), settings.model_version)
    return ingest_into_store(_store(store_url), path, case, cases, models, max_bytes=settings.max_bytes,
                             ocr=settings.ocr, timer=timer, owner=owner, run_id=run_id)


@task
def aggregate_and_report(store_url: str, out_dir: Path, run_meta: dict, lang: str = "id") -> dict:
    store = _store(store_url)
    documents = store.documents()
    cases = known_cases(run_meta.get("inbox"))
    verdicts = aggregate_stage(documents, {d.case for d in documents if d.case} |
                               {p.case for d in documents for p in d.passages if p.case}, cases=cases, lang=lang)
    paths = report_stage(out_dir, documents, verdicts, run_meta, cases=cases, lang=lang)
    return {name: str(p) for name, p in paths.items()}


@flow(name="process_inbox", validate_parameters=False)
def process_inbox(settings: Settings) -> dict:
    """Process new and changed documents under the inbox, then re-aggregate and rewrite the reports.

    Safe to run twice at once on one store (each document is claimed by one run; the other
    counts it `busy`) and to kill at any point: the next run redoes only what was not saved,
    and marks the killed run `interrupted`.
    """
    started = time.perf_counter()
    store = _store(store_url(settings.db))
    models = load_models(str(settings.models), settings.model_version)
    cases, files = discover(settings.inbox)
    found = list(files)
    owner = new_owner()
    run_id = store.start_run(str(settings.inbox), models.versions, owner=owner)
    timer = StageTimer()
    counts = {"seen": len(found), "new": 0, "changed": 0, "skipped": 0, "busy": 0, "failed": 0, "removed": 0}
    failures: list[dict] = []
    try:
        present = set()
        for i, f in enumerate(found, 1):
            result = process_document(store.url, f.path, f.case, cases, settings, timer, owner, run_id)
            present.add(result["path"])
            counts[result["outcome"]] += 1
            if result["outcome"] == "failed":
                failures.append({"path": result["path"], "error": result["error"]})
            store.heartbeat(run_id, counts, failures, timer.seconds)
            log.info("%s %s", result["outcome"], f.relpath, extra={"progress": (i, len(found), f.relpath, result["outcome"])})
        counts["removed"] = len(store.mark_removed(str(Path(settings.inbox).resolve()), present))
        t = time.perf_counter()
        paths = aggregate_and_report(store.url, Path(settings.reports),
                                     {"models": models.versions, "run": run_id, "inbox": str(settings.inbox)},
                                     settings.lang)
        timer.add("aggregate_report", t)
    except BaseException as exc:
        status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        store.finish_run(run_id, counts, [*failures, {"path": None, "error": f"run {status}: {exc!r}"}], timer.seconds,
                         status=status)
        raise
    store.finish_run(run_id, counts, failures, timer.seconds)
    return {"run": run_id, "counts": counts, "failures": failures, "reports": paths,
            "seconds": {**timer.seconds, "total": round(time.perf_counter() - started, 3)}}


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
def scheduled_process_inbox(inbox: str, db: str, reports: str, lang: str = "id") -> dict:
    """What the schedule runs: process_inbox with plain parameters a deployment can store."""
    return process_inbox(Settings.from_env(inbox=inbox, db=db, reports=reports, lang=lang))


def serve(settings: Settings, cron: str) -> None:
    """Keep the inbox flow on a cron schedule with Prefect's own serving (blocks until interrupted).
    Needs a Prefect API that can schedule: a server (`prefect server start`), not the ephemeral mode."""
    scheduled_process_inbox.serve(
        name=DEPLOYMENT, cron=cron, print_starting_message=False,
        parameters={"inbox": str(Path(settings.inbox).resolve()), "db": settings.db,
                    "reports": str(Path(settings.reports).resolve()), "lang": settings.lang},
        description="Process new and changed documents of the inbox, then rewrite the reports.")
