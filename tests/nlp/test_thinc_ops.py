"""The NER's thinc backend (pipeline/nlp/thinc_ops.py): numpy's matmul on one BLAS thread in place of BLIS's gemm."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from pipeline.nlp import ner
from pipeline.nlp.thinc_ops import OPS_NAME, _blas_controller, _one_blas_thread, ops_class, use_numpy_gemm

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


@pytest.mark.parametrize("trans1", [False, True])
@pytest.mark.parametrize("trans2", [False, True])
def test_gemm_is_the_matrix_product_thinc_computes(trans1, trans2):
    from thinc.api import NumpyOps

    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 5) if trans1 else (5, 7)).astype(np.float32)
    y = rng.standard_normal((4, 7) if trans2 else (7, 4)).astype(np.float32)
    want = (x.T if trans1 else x) @ (y.T if trans2 else y)
    ops = ops_class()()
    got = ops.gemm(x, y, trans1=trans1, trans2=trans2)
    assert got.shape == (5, 4) and got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(got, NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2), rtol=1e-5, atol=1e-5)
    out = np.full((5, 4), np.nan, dtype=np.float32)
    assert ops.gemm(x, y, out=out, trans1=trans1, trans2=trans2) is out
    np.testing.assert_array_equal(out, got)


def test_gemm_refuses_arrays_that_are_not_matrices():
    with pytest.raises(ValueError, match="2-dimensional"):
        ops_class()().gemm(np.zeros(3, dtype=np.float32), np.zeros((3, 2), dtype=np.float32))


def test_ops_are_registered_with_thinc_under_their_name():
    from thinc.api import get_ops

    assert isinstance(get_ops(OPS_NAME), ops_class())


def test_products_run_on_one_blas_thread_and_the_count_is_put_back():
    controller = _blas_controller()
    if controller is None or not controller.lib_controllers:
        pytest.skip("no BLAS library that threadpoolctl can control")
    before = [lib.num_threads for lib in controller.lib_controllers]
    with _one_blas_thread():
        assert [lib.get_num_threads() for lib in controller.lib_controllers] == [1] * len(before)
    assert [lib.get_num_threads() for lib in controller.lib_controllers] == before


@pytest.fixture(scope="module")
def shipped():
    nlp = ner.load_ner()
    if nlp is None:
        pytest.fail("no models/ner_spacy.vN/ shipped: run `sistercity train-ner`")
    return nlp


def _ops_names(nlp) -> set[str]:
    return {type(node.ops).__name__ for _, c in nlp.pipeline if getattr(c, "model", None) is not None
            for node in c.model.walk()}


def _in_child(conn, texts):
    nlp = ner.load_ner()  # the parent's pipeline, inherited through fork (load_ner is cached)
    conn.send((_ops_names(nlp), ner.predict_many(nlp, texts)))
    conn.close()


def _demo_texts(n: int) -> list[str]:
    paths = sorted(p for p in DEMO.rglob("*") if p.suffix in (".md", ".txt"))
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths[::max(1, len(paths) // n)][:n]]


def test_the_shipped_ner_runs_on_matmul_ops_also_in_a_forked_worker(shipped):
    assert _ops_names(shipped) == {"MatmulOps"}
    texts = _demo_texts(2)
    want = ner.predict_many(shipped, texts)
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("fork").Process(target=_in_child, args=(child, texts))
    proc.start()
    names, got = parent.recv()
    proc.join(30)
    assert names == {"MatmulOps"}
    assert got == want and any(want)


def test_entities_are_those_of_thinc_own_blis_gemm(shipped):
    """The products are summed in another order than BLIS sums them: the entities must not move (on demo texts;
    bench/stage_cpu.py's digests check the bench inbox)."""
    from thinc.api import NumpyOps

    texts = _demo_texts(12)
    got = ner.predict_many(shipped, texts)
    blis = NumpyOps()
    try:
        for _, c in shipped.pipeline:
            if getattr(c, "model", None) is not None:
                for node in c.model.walk():
                    node.ops = blis
        want = ner.predict_many(shipped, texts)
    finally:
        use_numpy_gemm(shipped)
    assert _ops_names(shipped) == {"MatmulOps"}
    assert got == want and sum(map(len, want)) > 100
