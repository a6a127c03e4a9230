"""The word lists and the tokenizer every NLP module shares: spaCy's Indonesian stop words, the
Indonesian word forms of its lookup lemmatizer, English function words, and the project's tokenizer."""

from __future__ import annotations

import functools


@functools.cache
def blank_nlp():
    """spaCy's Indonesian language with a tokenizer that keeps "Jung-Gu", dates and reduplications whole."""
    try:
        import spacy
        from spacy.util import registry
    except ImportError as exc:  # pragma: no cover - a core dependency
        raise ImportError("the NLP stage needs spaCy: pip install spacy") from exc
    if PROJECT_TOKENIZER not in registry.tokenizers:
        registry.tokenizers.register(PROJECT_TOKENIZER, func=_project_tokenizer)
    return spacy.blank("id", config={"nlp": {"tokenizer": {"@tokenizers": PROJECT_TOKENIZER}}})


PROJECT_TOKENIZER = "sistercity.id_tokenizer.v1"


def _project_tokenizer():
    """The tokenizer built once with its final rules (spaCy's Indonesian ones, hyphens and slashes kept inside
    words). Building spaCy's default and then setting its infixes and suffixes gives the same tokenizer
    (tests/test_shared_paths.py) but loads its ~16k special cases three times: 2.4 s against 0.7 s."""
    from spacy.lang.id import Indonesian
    from spacy.tokenizer import Tokenizer
    from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

    defaults = Indonesian.Defaults
    infixes = [p for p in defaults.infixes if "-" not in p and "/" not in p]
    # ... but a clitic after a hyphen is a token of its own: "Seokjin" + "-nya", "Takahashi" + "-san".
    suffixes = [r"(?<=\w)-(?:nya|san|sama|sensei|ssi|nim|kun|ku|mu|lah|kah|pun)$", *defaults.suffixes]

    def make(nlp):
        return Tokenizer(nlp.vocab, rules=defaults.tokenizer_exceptions,
                         prefix_search=compile_prefix_regex(defaults.prefixes).search,
                         suffix_search=compile_suffix_regex(suffixes).search,
                         infix_finditer=compile_infix_regex(infixes).finditer,
                         token_match=defaults.token_match, url_match=defaults.url_match)
    return make


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
