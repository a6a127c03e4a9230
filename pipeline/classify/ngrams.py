"""Character n-gram features of the passages, counted word by word with a cache: the same matrix as
scikit-learn's `TfidfVectorizer(analyzer="char_wb").transform`, in a fraction of its time.

A "char_wb" n-gram never crosses a word (scikit-learn pads each whitespace-separated word with a space
and cuts its n-grams from it alone), so a passage's counts are the sum of its words' counts. Words repeat
across passages and documents: the column numbers of each distinct word's n-grams are looked up once and
kept, and the passages' counts are taken over the kept lists in one numpy pass. The count matrix is then built as
scikit-learn builds it (`CountVectorizer._count_vocab`: the same dtypes, sorted indices) and weighted by
the vectorizer's own `TfidfTransformer`, so the tf-idf values are bit for bit the same
(tests/classify/test_ngrams.py compares them over the demo corpus).
"""

from __future__ import annotations

from array import array

import numpy as np

from pipeline.classify.sidecache import kept_for

# Distinct words kept per vectorizer before the cache starts again: about 0.5 KB a word (its string, its list of
# column numbers), so a worker of a long run held up to 100 MB per vectorizer with 200,000; the words that
# matter (the frequent ones) are back in the cache within a few documents of a new start (bench/RESULTS.md,
# session 11).
MAX_WORDS = 30_000

def fast_char_wb(vectorizer) -> bool:
    """True when `vectorizer` is a fitted TfidfVectorizer whose transform `char_wb_transform` reproduces:
    analyzer "char_wb" with the default decoding and preprocessing (lower-casing or not, no accent stripping)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (type(vectorizer) is TfidfVectorizer and vectorizer.analyzer == "char_wb" and vectorizer.input == "content"
            and vectorizer.preprocessor is None and vectorizer.strip_accents is None and not vectorizer.binary
            and hasattr(vectorizer, "vocabulary_") and hasattr(vectorizer, "_tfidf"))


def _word_cache(vectorizer) -> dict[str, array]:
    """{word: its n-grams' columns} kept for `vectorizer`."""
    cache = kept_for(vectorizer).setdefault("char_wb_words", {})
    if len(cache) > MAX_WORDS:
        cache.clear()
    return cache


def char_wb_transform(vectorizer, texts: list[str]):
    """`vectorizer.transform(texts)` for a vectorizer `fast_char_wb` accepts (else its own transform)."""
    if not fast_char_wb(vectorizer):
        return vectorizer.transform(texts)
    import scipy.sparse as sp

    vocabulary = vectorizer.vocabulary_
    ngrams = vectorizer._char_wb_ngrams  # the analyzer's own n-gram cutter, called on one word at a time
    lower = vectorizer.lowercase
    cache = _word_cache(vectorizer)
    # every passage's n-grams' columns, one passage after the other: machine integers, appended from each word's
    # kept array (a copy of memory) and read by numpy in place, rather than a list of Python ints converted
    columns = array("q")
    lengths = []
    for text in texts:
        if not isinstance(text, str):  # what scikit-learn's decoder refuses, it refuses here too
            return vectorizer.transform(texts)
        before = len(columns)
        for word in (text.lower() if lower else text).split():
            found = cache.get(word)
            if found is None:
                found = cache[word] = array("q", [vocabulary[g] for g in ngrams(word) if g in vocabulary])
            columns += found
        lengths.append(len(columns) - before)
    # counts per (passage, column), in passage then column order: the sorted rows _count_vocab builds
    width = max(len(vocabulary), 1)
    keys = np.repeat(np.arange(len(texts), dtype=np.int64) * width, lengths) + np.frombuffer(columns, dtype=np.int64)
    keys, counts = np.unique(keys, return_counts=True)
    rows = keys // width
    indptr = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=len(texts)), out=indptr[1:])
    dtype = np.int32 if len(keys) <= np.iinfo(np.int32).max else np.int64
    X = sp.csr_array((counts.astype(np.intc), (keys - rows * width).astype(dtype), indptr.astype(dtype)),
                     shape=(len(texts), len(vocabulary)), dtype=vectorizer.dtype)
    X.sort_indices()
    return _weighted(vectorizer._tfidf, _aligned(X))


def tfidf_transform(vectorizer, texts: list[str]):
    """`vectorizer.transform(texts)` for any vectorizer: a char_wb TfidfVectorizer through `char_wb_transform`,
    another TfidfVectorizer counted by scikit-learn and weighted by `_weighted`, anything else by its own transform."""
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    if fast_char_wb(vectorizer):
        return char_wb_transform(vectorizer, texts)
    if type(vectorizer) is not TfidfVectorizer or not hasattr(vectorizer, "_tfidf"):
        return vectorizer.transform(texts)
    return _weighted(vectorizer._tfidf, CountVectorizer.transform(vectorizer, texts))


def _weighted(tfidf, X):
    """`tfidf.transform(X, copy=False)` (a fitted TfidfTransformer, X the count matrix its vectorizer builds) in
    scikit-learn's own operations, in place, without its input validation (about 1 ms a call, four calls per
    document): log, idf and the L2 norm of `inplace_csr_row_normalize_l2`, so the values are the same bit for bit.
    Input it would convert or refuse (another format or dtype, no rows, another width) goes to its transform."""
    import scipy.sparse as sp
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

    if not (sp.issparse(X) and X.format == "csr" and X.dtype in (np.float64, np.float32) and X.shape[0] > 0
            and X.shape[1] == getattr(tfidf, "n_features_in_", -1) and tfidf.norm in ("l2", None)
            and np.isfinite(X.data).all()):
        return tfidf.transform(X, copy=False)
    if tfidf.sublinear_tf:
        np.log(X.data, X.data)
        X.data += 1.0
    if hasattr(tfidf, "idf_"):
        X.data *= tfidf.idf_[X.indices]
    if tfidf.norm == "l2":
        inplace_csr_row_normalize_l2(X)
    return _aligned(X)


def _aligned(X):
    """The sparse interface scikit-learn's own _count_vocab hands on (its configured sparray or spmatrix)."""
    try:
        from sklearn.utils._sparse import _align_api_if_sparse
    except ImportError:  # scikit-learn before the sparse-interface setting: a csr_matrix, as it built then
        import scipy.sparse as sp

        return sp.csr_matrix(X)
    return _align_api_if_sparse(X)


def union_transform(union, texts: list[str]):
    """`union.transform(texts)` for a FeatureUnion of TfidfVectorizers, its members through `tfidf_transform`,
    stacked by the union's own code."""
    if getattr(union, "transformer_weights", None) or getattr(union, "n_jobs", None) not in (None, 1) or not all(
            t not in ("drop", "passthrough") for _, t in union.transformer_list):
        return union.transform(texts)
    return union._hstack([tfidf_transform(t, texts) for _, t in union.transformer_list])
