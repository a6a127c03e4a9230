"""The thinc backend the shipped NER runs on: thinc's NumpyOps with its matrix products done by numpy.

thinc's NumpyOps multiplies matrices with BLIS. The BLIS that thinc ships picks its kernels from the CPU's
cpuid and falls back on its generic reference kernel on CPUs it does not recognise (this machine's "AMD EPYC"
with AVX2 and AVX-512: `BLIS_ARCH_DEBUG=1` prints "generic"); numpy's BLAS (OpenBLAS here) has a kernel for
it and is about 3x faster on the NER's shapes (tok2vec CNN, the parser's precomputed features). Only `gemm`
changes: the parser's own C loop keeps taking its BLAS from `cblas()` (BLIS), as before.

OpenBLAS would share a product out over all of its threads; `gemm` runs it on one thread, as BLIS did, so a
worker process does not take a second core (and burn it spinning) for the NER: with the process's threads,
the NER used more CPU than with BLIS. The thread limit is set around each product and put back after it.

`use_numpy_gemm(nlp)` puts one `MatmulOps` on every layer of a loaded pipeline's models; the layers keep it,
also in worker processes forked after loading. Whether the entities stay the same is measured, not assumed:
the products are summed in another order than BLIS sums them, so a score may move in its last bits; the
contract files of the demo corpus and the bench inbox were compared byte for byte (bench/RESULTS.md, session 10).
"""

from __future__ import annotations

import functools

OPS_NAME = "sistercity_matmul"


@functools.cache
def ops_class():
    """The Ops class (built and registered with thinc on first use, so importing this module imports no thinc)."""
    import numpy
    from thinc.api import NumpyOps, registry

    class MatmulOps(NumpyOps):
        """NumpyOps whose gemm is numpy's matmul on one BLAS thread (BLIS's gemm: see the module docstring)."""

        name = OPS_NAME

        def gemm(self, x, y, out=None, trans1=False, trans2=False):
            if x.ndim != 2 or y.ndim != 2:
                raise ValueError(f"gemm takes 2-dimensional arrays, got {x.ndim} and {y.ndim} dimensions")
            x = self.as_contig(x)
            y = self.as_contig(y)
            if trans1:
                x = x.T
            if trans2:
                y = y.T
            with _one_blas_thread():
                if out is None:
                    return numpy.matmul(x, y)
                numpy.matmul(x, y, out=out)
            return out

    if OPS_NAME not in registry.ops:
        registry.ops.register(OPS_NAME, func=MatmulOps)
    return MatmulOps


@functools.cache
def _blas_controller():
    """threadpoolctl's controller of the process's BLAS libraries (numpy's), or None without threadpoolctl."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - scikit-learn brings threadpoolctl
        return None
    return ThreadpoolController().select(user_api="blas")


class _one_blas_thread:
    """numpy's BLAS on one thread inside the block; its thread count as it was after it."""

    __slots__ = ("_limiter",)

    def __enter__(self):
        controller = _blas_controller()
        self._limiter = controller.limit(limits=1) if controller else None
        return self

    def __exit__(self, *exc):
        if self._limiter is not None:
            self._limiter.restore_original_limits()
        return False


def use_numpy_gemm(nlp):
    """Run every thinc model of spaCy pipeline `nlp` on one shared MatmulOps; returns `nlp`."""
    from thinc.api import Model

    ops = ops_class()()
    for _, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if isinstance(model, Model):
            for node in model.walk():
                node.ops = ops
    return nlp
