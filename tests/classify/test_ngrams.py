"""Issue #19 (per-document cost): the character n-grams counted word by word with a cache give scikit-learn's
own TfidfVectorizer matrix bit for bit, on the demo corpus's passages and on awkward strings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipeline.classify.features import passage_string
from pipeline.classify.ngrams import _word_cache, char_wb_transform, fast_char_wb, union_transform

DEMO = Path(__file__).resolve().parents[2] / "corpora" / "demo"


@pytest.fixture(scope="module")
def texts() -> list[str]:
    out = []
    for path in sorted(DEMO.glob("*/*.txt"))[::3]:
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:  # the corpus has Windows-1252 transcripts on purpose
            text = raw.decode("cp1252")
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        out += [passage_string(p, "news") for p in paragraphs]
    # awkward input: empty, only spaces, tabs and newlines, accents and capitals, one-letter words, non-Latin script
    out += ["", "   ", "a", "I  b\tc\nd", "Bürgermeister ÉCOLE Straße İstanbul", "서울특별시 와 도쿄", "x" * 40]
    return out


def _same(a, b) -> None:
    assert type(a) is type(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # bit for bit, not approximately


def test_char_ngrams_counted_per_word_give_sklearns_matrix(models, texts):
    union = models.classifier.vectorizer_.main_
    char = dict(union.transformer_list)["char"]
    assert fast_char_wb(char) and len(texts) > 300
    _same(char_wb_transform(char, texts), char.transform(texts))
    assert len(_word_cache(char)) > 1000  # the words were kept ...
    _same(char_wb_transform(char, texts[::-1]), char.transform(texts[::-1]))  # ... and give the same from the cache
    _same(char_wb_transform(char, texts[:1]), char.transform(texts[:1]))
    for transform in (char.transform, lambda t: char_wb_transform(char, t)):  # no passage: the same refusal
        with pytest.raises(ValueError, match="0 sample"):
            transform([])


def test_union_gives_the_feature_unions_own_matrix(models, texts):
    union = models.classifier.vectorizer_.main_
    _same(union_transform(union, texts), union.transform(texts))


def test_other_vectorizers_fall_back_to_their_own_transform(models, texts):
    word = dict(models.classifier.vectorizer_.main_.transformer_list)["word"]
    assert not fast_char_wb(word)
    _same(char_wb_transform(word, texts[:50]), word.transform(texts[:50]))


def test_word_context_and_cue_vectorizers_weighted_as_sklearn_weights_them(models, texts):
    from pipeline.classify.ngrams import tfidf_transform

    vectorizer = models.classifier.vectorizer_
    word = dict(vectorizer.main_.transformer_list)["word"]
    for v in (word, vectorizer.context_, *([vectorizer.cues_] if getattr(vectorizer, "cues_", None) else [])):
        assert not fast_char_wb(v)
        _same(tfidf_transform(v, texts), v.transform(texts))
        _same(tfidf_transform(v, texts[:1]), v.transform(texts[:1]))
        with pytest.raises(ValueError, match="0 sample"):  # no passage: the same refusal
            tfidf_transform(v, [])


def test_the_word_cache_stays_bounded_and_changes_no_value(monkeypatch):
    """Issue #19: the per-word n-gram lookups grew with every new word a worker saw (up to 200,000 words, about
    100 MB, per vectorizer); past MAX_WORDS the cache starts again, and the matrix is scikit-learn's throughout."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from pipeline.classify import ngrams
    from pipeline.classify.sidecache import kept_for

    monkeypatch.setattr(ngrams, "MAX_WORDS", 20)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(
        ["kunjungan kerja ke kota mitra", "anggaran daerah belum disetujui"])
    for i in range(30):
        texts = [f"kunjungan nomor{i} ke kota{i} mitra{i}", f"anggaran{i} tahun {2000 + i}"]
        assert (abs(ngrams.char_wb_transform(vectorizer, texts) - vectorizer.transform(texts)) > 0).nnz == 0
        assert len(kept_for(vectorizer)["char_wb_words"]) <= 20 + 7  # the bound, plus one call's new words
