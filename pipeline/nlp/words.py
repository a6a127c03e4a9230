"""The word lists and the tokenizer every NLP module shares: spaCy's Indonesian stop words, the
Indonesian word forms of its lookup lemmatizer, English function words, and the project's tokenizer."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path


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
        tokenizer = Tokenizer(nlp.vocab, prefix_search=PrefixSearch(compile_prefix_regex(defaults.prefixes)).search,
                              suffix_search=compile_suffix_regex(suffixes).search,
                              infix_finditer=compile_infix_regex(infixes).finditer,
                              token_match=defaults.token_match, url_match=defaults.url_match)
        tokenizer.rules = _needed_cases(tokenizer, defaults.tokenizer_exceptions)
        return tokenizer
    return make


class PrefixSearch:
    """`search` finds what `regex.search` finds, at a fraction of its cost, for a prefix pattern (spaCy's
    `^a|^b|...`): `re` tries such a pattern at every position of the string, though its `^` branches can only
    match at the start. `search` tries the start (`regex.match`, the branches in the same order, so the same
    match), and the other positions only when the string holds the literal that an unanchored branch begins with
    (spaCy's Indonesian prefixes have one, `<a([^>]+)>`, which `search` finds anywhere in the string, as spaCy's
    tokenizer does). Its `pattern` and `flags` are the regex's, so spaCy serializes the tokenizer as before
    (`_get_regex_pattern` reads `search.__self__.pattern`)."""

    __slots__ = ("pattern", "flags", "_regex", "_leads")

    def __init__(self, regex):
        self._regex = regex
        self.pattern, self.flags = regex.pattern, regex.flags
        self._leads = unanchored_leads(regex)

    def search(self, string: str):
        found = self._regex.match(string)
        if found is not None or (self._leads is not None and not any(lead in string for lead in self._leads)):
            return found
        return self._regex.search(string)


def unanchored_leads(regex) -> tuple[str, ...] | None:
    """The literal strings the branches of `regex` not anchored at the start (`^`) begin with: () when every
    branch is anchored; None when an unanchored branch begins with no literal (or the pattern is not read)."""
    import re
    from re import _constants as sre
    from re import _parser

    if regex.flags & (re.IGNORECASE | re.MULTILINE):
        return None
    try:
        items = _parser.parse(regex.pattern, regex.flags).data
    except (re.error, TypeError, ValueError):  # pragma: no cover - a compiled pattern parses
        return None
    branches = items[0][1][1] if len(items) == 1 and items[0][0] is sre.BRANCH else [items]
    leads = []
    for branch in branches:
        branch = list(branch)
        if branch and branch[0] == (sre.AT, sre.AT_BEGINNING):
            continue
        lead = ""
        for op, av in branch:
            if op is not sre.LITERAL:
                break
            lead += chr(av)
        if not lead:
            return None
        leads.append(lead)
    return tuple(leads)


# The special cases _needed_cases keeps, worked out once for a spaCy version and the tokenizer's affix patterns
# (the check costs 0.27 s of CPU at every start; reading the list a millisecond). Another spaCy version or other
# patterns are worked out at start-up, as before; to ship the list anew:
# python -c "from pipeline.nlp.words import write_tokenizer_cases; write_tokenizer_cases()"
TOKENIZER_CASES_FILE = Path(__file__).resolve().parent / "data" / "tokenizer_cases.json"


def _needed_cases(tokenizer, cases: dict) -> dict:
    """The special cases that change what `tokenizer` makes of a text: of spaCy's ~16k Indonesian ones, all
    but ~270 map a word to itself as one token, with no affix or infix the tokenizer would split off and no
    other attribute; it makes that token of the word without the case (the same text, lexeme and attributes:
    tests/nlp/test_words.py), and each case costs start-up CPU (0.62 s of CPU for all of them)."""
    try:
        shipped = json.loads(TOKENIZER_CASES_FILE.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        shipped = {}
    if shipped.get("key") == _cases_key(tokenizer) and all(s in cases for s in shipped.get("cases", ())):
        needed = set(shipped["cases"])
    else:
        needed = set(needed_case_list(tokenizer, cases))
    return {s: tokens for s, tokens in cases.items() if s in needed}  # in spaCy's order, as all of them were added


def needed_case_list(tokenizer, cases: dict) -> list[str]:
    """The strings of the special `cases` the `tokenizer` (built without them) needs (_needed_cases)."""
    from spacy.symbols import ORTH

    def itself(string, tokens) -> bool:
        return (len(tokens) == 1 and set(tokens[0]) == {ORTH} and tokens[0][ORTH] == string and string.split() == [string]
                and not tokenizer.find_prefix(string) and not tokenizer.find_suffix(string)
                and not tokenizer.find_infix(string))
    return [string for string, tokens in cases.items() if not itself(string, tokens)]


def _cases_key(tokenizer) -> str:
    """What the needed special cases depend on: spaCy's version (its Indonesian cases) and the affix patterns."""
    import spacy
    from spacy.tokenizer import _get_regex_pattern

    patterns = [_get_regex_pattern(f) for f in (tokenizer.prefix_search, tokenizer.suffix_search, tokenizer.infix_finditer)]
    return hashlib.sha256(json.dumps([spacy.__version__, *patterns]).encode()).hexdigest()


def write_tokenizer_cases(path: Path = TOKENIZER_CASES_FILE) -> Path:
    """Work out the shared tokenizer's needed special cases for the installed spaCy and write them to `path`."""
    from spacy.lang.id import Indonesian

    tokenizer = blank_nlp().tokenizer
    cases = sorted(needed_case_list(tokenizer, Indonesian.Defaults.tokenizer_exceptions))
    path.write_text(json.dumps({"key": _cases_key(tokenizer), "cases": cases}, ensure_ascii=False, indent=0) + "\n",
                    encoding="utf-8")
    return path


@functools.cache
def tokenizer_bytes() -> bytes:
    """The shared tokenizer serialized as spaCy serializes it (`to_bytes(exclude=["vocab"])`) with all of its
    special cases, also those left out as no-ops (_needed_cases): a model saved with this tokenizer holds these bytes."""
    from spacy import util
    from spacy.lang.id import Indonesian
    from spacy.tokenizer import _get_regex_pattern

    tokenizer = blank_nlp().tokenizer
    serializers = {
        "prefix_search": lambda: _get_regex_pattern(tokenizer.prefix_search),
        "suffix_search": lambda: _get_regex_pattern(tokenizer.suffix_search),
        "infix_finditer": lambda: _get_regex_pattern(tokenizer.infix_finditer),
        "token_match": lambda: _get_regex_pattern(tokenizer.token_match),
        "url_match": lambda: _get_regex_pattern(tokenizer.url_match),
        "exceptions": lambda: dict(sorted(Indonesian.Defaults.tokenizer_exceptions.items())),
        "faster_heuristics": lambda: tokenizer.faster_heuristics,
    }
    return util.to_bytes(serializers, [])


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
