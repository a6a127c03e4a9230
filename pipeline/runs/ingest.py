"""One inbox file into the store: the content-hash check, the claim, the stages, the save.

The pure work is `pipeline.stages.run_document`; this adds what a shared store needs (fingerprints,
claims that keep two runs off one document, the fault hooks the crash tests use)."""

from __future__ import annotations

import hashlib
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.config import Settings
from pipeline.data import Case, Document
from pipeline.ingest.discover import is_url, read_url, store_key
from pipeline.ingest.errors import IngestError, TransientIngestError
from pipeline.stages import Models, StageTimer, run_document
from pipeline.store.db import Store, new_owner
from pipeline.store.faults import fault

log = logging.getLogger(__name__)

OUTCOMES = ("new", "changed", "skipped", "busy", "failed")


@dataclass(slots=True)
class Ingested:
    """What became of one inbox file: `outcome` is one of OUTCOMES; `error` the reason of a failed one.
    The flow adds where it ran (`worker`, host:pid), the seconds per stage and the models loaded there."""

    path: str
    outcome: str
    case: str | None
    error: str | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    worker: str | None = None
    model_loads: int = 0


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def unchanged_in_store(store: Store, path: Path | str, max_bytes: int) -> tuple[str, bool]:
    """(store key, True when the store holds this exact content for it): the cheap check a run makes
    before handing a document to a worker. Anything unreadable counts as changed (the worker reports it)."""
    if is_url(path):
        key = str(path)
        try:
            digest = hashlib.sha256(read_url(key, max_bytes)).hexdigest()
        except IngestError:
            return key, False
    else:
        key = store_key(path)
        try:
            digest = file_digest(path)
        except OSError:
            return key, False
    known = store.fingerprint(key)
    return key, known is not None and known[0] == digest and not known[2]


def ingest_into_store(store: Store, path: Path | str, case: str | None, cases: list[Case], models: Models,
                      settings: Settings, *, timer: StageTimer | None = None, owner: str | None = None,
                      run_id: int | None = None, refused: str | None = None) -> Ingested:
    """Process one inbox file into the store unless it is unchanged. Returns what happened.

    The outcome is `skipped` (same content already stored), `busy` (another live run holds the
    document's claim: it will store it), `new`, `changed` or `failed`. The file is processed only
    under a claim, and the claim is dropped in the transaction that saves the result, so two runs
    never both process it and a run killed at any point leaves either the old rows or the new ones.
    `refused` (a link out of the inbox, an invalid case file) stores the file as failed with that reason,
    unread.
    """
    max_bytes = settings.max_bytes
    data = None  # a remote document's bytes: fetched once, for the hash and for extraction
    if refused:
        key, digest = store_key(path), None
    elif is_url(path):
        key = str(path)
        try:
            data = read_url(key, max_bytes)
            digest = hashlib.sha256(data).hexdigest()
        except IngestError as exc:
            if isinstance(exc, TransientIngestError):
                raise
            digest = None  # processed below, and stored as failed with the reason
            log.warning("cannot read %s: %s", key, exc)
    else:
        key = store_key(path)
        try:
            digest = file_digest(path)
        except OSError as exc:
            digest = None
            log.warning("cannot read %s: %s", path, exc)

    def unchanged(known) -> bool:
        return digest is not None and known is not None and known[0] == digest and not known[2]

    known = store.fingerprint(key)
    if unchanged(known):
        return Ingested(key, "skipped", case)
    owner = owner or new_owner()
    if not store.claim(key, owner, run_id):
        log.info("%s is being processed by another run", key)
        return Ingested(key, "busy", case)
    try:
        fault("claimed")
        known = store.fingerprint(key)  # another run may have stored it between our look and our claim
        if unchanged(known):
            store.release(key, owner)
            return Ingested(key, "skipped", case)
        if refused:
            log.warning("failed: %s", refused)
            doc = Document(doc="", source=Path(str(path)).name, case=case, path=key).failed(refused)
        else:
            doc = run_document(path, case, cases, models, settings, timer=timer, data=data)
        doc.path = key
        fault("processed")
        t = time.perf_counter()
        store.save_document(doc, model=models.versions["passage_classifier"], owner=owner)
        if timer:
            timer.add("store", t)
        fault("saved")
    except BaseException:
        try:
            store.release(key, owner)
        except Exception:  # noqa: BLE001 - the original error matters more; the claim goes stale
            log.exception("could not release the claim on %s", key)
        raise
    outcome = "failed" if doc.status != "ok" else ("changed" if known is not None else "new")
    return Ingested(key, outcome, case, doc.error)
