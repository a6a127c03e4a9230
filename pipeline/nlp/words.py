"""The word lists and the tokenizer every NLP module shares: spaCy's Indonesian stop words, the
Indonesian word forms of its lookup lemmatizer, English function words, and the project's tokenizer."""

from __future__ import annotations

import functools


@functools.cache
def blank_nlp():
    """spaCy's Indonesian language with a tokenizer that keeps "Jung-Gu", dates and reduplications whole."""
    try:
        import spacy
        from spacy.util import compile_infix_regex, compile_suffix_regex
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("the NLP stage needs spaCy: pip install spacy") from exc
    nlp = spacy.blank("id")
    infixes = [p for p in nlp.Defaults.infixes if "-" not in p and "/" not in p]
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    # ... but a clitic after a hyphen is a token of its own: "Seokjin" + "-nya", "Takahashi" + "-san".
    suffixes = [r"(?<=\w)-(?:nya|san|sama|sensei|ssi|nim|kun|ku|mu|lah|kah|pun)$", *nlp.Defaults.suffixes]
    nlp.tokenizer.suffix_search = compile_suffix_regex(suffixes).search
    return nlp


SHARED_TOKENIZER = "sistercity.shared_tokenizer.v1"


@functools.cache
def register_shared_tokenizer() -> str:
    """Register the spaCy tokenizer factory that hands out blank_nlp's tokenizer, so a pipeline built or loaded
    with it does not build its own (about 16k special cases, seconds per build); returns the factory's name."""
    from spacy.util import registry

    if SHARED_TOKENIZER not in registry.tokenizers:
        registry.tokenizers.register(SHARED_TOKENIZER, func=lambda: lambda _nlp: blank_nlp().tokenizer)
    return SHARED_TOKENIZER


@functools.cache
def stop_words() -> frozenset[str]:
    try:
        from spacy.lang.id.stop_words import STOP_WORDS
    except ImportError:  # pragma: no cover - a core dependency
        return frozenset()
    return frozenset(STOP_WORDS) | {"ya", "iya", "oh", "nah", "hmm"}


ENGLISH_FUNCTION_WORDS = frozenset("the of and however in on for to a an this that these with by from as at".split())


@functools.cache
def lexicon() -> frozenset[str]:
    """Indonesian word forms of spaCy's lookup lemmatizer table (spacy-lookups-data), empty when it is not installed."""
    try:
        import gzip
        import json
        from importlib.resources import files

        path = files("spacy_lookups_data") / "data" / "id_lemma_lookup.json.gz"
        table = json.loads(gzip.decompress(path.read_bytes()))
    except (ImportError, OSError, ValueError):
        return frozenset()
    return frozenset(table) | frozenset(table.values())


def common_word_id(word: str) -> bool:
    """A capitalised word that is an Indonesian common word ("Jadi", "Orang", "Ilmunya"), so no name alone."""
    w = word.lower().strip(".,;:!?")
    base = w[:-3] if w.endswith("nya") and len(w) > 5 else w
    return w in lexicon() or base in lexicon() or base in stop_words()
