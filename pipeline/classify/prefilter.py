"""A regular expression's search, skipped when the text cannot hold a match: the same answer, sooner.

Most cue patterns are alternations of words ("\\bapbd\\b|\\bdpa\\b|mata anggaran|..."), and so are the cases'
city-name patterns; most passages hold none of the words. Every match of such a pattern begins with one of
the literal strings its branches open with (`heads`), so when none of them is a substring of the text the
pattern cannot match there, and `search` returns None without running the regular expression.

A case-insensitive pattern is prefiltered on the text and its opening strings both case-folded as re folds them
(`fold`): each character to its simple lower case, and the characters re's case folding treats as one ("s" and
"ſ", "k" and the Kelvin sign, "σ" and "ς") to one of them; a match under re.IGNORECASE is then a match of the
folded strings, character for character.
A pattern with a branch that does not open with a literal (a character class, a repeat, a group with its own
flags) is always searched.
"""

from __future__ import annotations

import functools
import re
import re._parser as sre_parse  # the parser of re itself: the patterns are read exactly as re compiles them
from collections.abc import Callable

_LITERAL, _AT, _BRANCH, _SUBPATTERN = sre_parse.LITERAL, sre_parse.AT, sre_parse.BRANCH, sre_parse.SUBPATTERN
_DOTTED_I = {0x130: "i"}  # "İ": str.lower() gives "i" + a combining dot, re's (simple) lower case "i"
MANY = 8  # more opening strings than this are looked for with one alternation of them, not one by one


def _heads(items) -> frozenset[str] | None:
    """The literal strings one of which every match of the parsed sequence `items` begins with, or None."""
    items = list(items)
    i = 0
    while i < len(items) and items[i][0] == _AT:  # \b, ^ and the like match no character
        i += 1
    chars = []
    while i < len(items) and items[i][0] == _LITERAL:
        chars.append(chr(items[i][1]))
        i += 1
    if chars:
        return frozenset(["".join(chars)])
    if i == len(items):
        return None  # an empty branch matches anywhere
    op, arg = items[i]
    if op == _BRANCH:
        found: set[str] = set()
        for branch in arg[1]:
            heads = _heads(branch)
            if heads is None:
                return None
            found |= heads
        return frozenset(found)
    if op == _SUBPATTERN and not arg[1] and not arg[2]:  # a group that adds or removes no flag
        return _heads(arg[3])
    return None


@functools.cache
def heads(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """The strings one of which every match of `pattern` opens with (lower-cased for a case-insensitive
    pattern), or None: always search."""
    if not isinstance(pattern.pattern, str) or pattern.flags & (re.VERBOSE | re.LOCALE):
        return None
    try:
        found = _heads(sre_parse.parse(pattern.pattern, pattern.flags))
    except (re.error, TypeError, AttributeError):  # pragma: no cover - a parser this module does not know
        return None
    if found is None or not pattern.flags & re.IGNORECASE:
        return found
    return frozenset(fold(h) for h in found)


@functools.cache
def _same_case() -> dict[int, int]:
    """Each lower-case character re.IGNORECASE also matches through its extra folds, to one of its class."""
    from re._casefix import _EXTRA_CASES  # re's own table: lower case -> the other lower cases with its upper case

    return {lo: min((lo, *others)) for lo, others in _EXTRA_CASES.items() if min((lo, *others)) != lo}


def fold(text: str) -> str:
    """`text` as re.IGNORECASE compares it, one character for one (tests/classify/test_prefilter.py)."""
    return text.translate(_DOTTED_I).lower().translate(_same_case())


def _heads_test(found: frozenset[str] | set[str]) -> tuple[str, ...] | re.Pattern[str]:
    """How to test a text for one of `found` (heads): the strings to look for one by one, or, when there are more
    than MANY, their alternation (an alternation of plain strings finds one iff one of them is there)."""
    if len(found) > MANY:
        return re.compile("|".join(re.escape(h) for h in sorted(found)))
    return tuple(sorted(found))


def _checker(pattern: re.Pattern[str]) -> Callable[[str, str | None], bool]:
    """A test (text, its fold or None) -> "one of the pattern's heads is in the text (folded, if the pattern
    ignores case)"; True for a pattern without heads."""
    found = heads(pattern)
    if found is None:
        return lambda _text, _folded: True
    test = _heads_test(found)
    if isinstance(test, re.Pattern):
        many = test.search

        def present(text: str) -> bool:
            return many(text) is not None
    else:
        def present(text: str) -> bool:
            for head in test:  # a loop, not any(...): no generator per call
                if head in text:
                    return True
            return False

    if pattern.flags & re.IGNORECASE:
        return lambda text, folded: present(fold(text) if folded is None else folded)
    return lambda text, _folded: present(text)


def opening(pattern: re.Pattern[str]) -> tuple[str, ...] | re.Pattern[str] | None:
    """What a caller's own loop tests a text with before searching a case-sensitive `pattern` in it, as `may_match`
    tests it without a call per pattern (`_heads_test`), or None (search always: no opening strings, or a pattern
    that ignores case, whose test needs the folded text)."""
    found = heads(pattern)
    if found is None or pattern.flags & re.IGNORECASE:
        return None
    return _heads_test(found)


_CHECKERS: dict[int, tuple[re.Pattern[str], Callable[[str, str | None], bool]]] = {}  # id(pattern) -> it, its test


def may_match(pattern: re.Pattern[str], text: str, folded: str | None = None) -> bool:
    """False only when `pattern` cannot match in `text`; `folded` is fold(text) when the caller has it."""
    kept = _CHECKERS.get(id(pattern))
    if kept is None or kept[0] is not pattern:  # kept by identity: hashing a pattern hashes its code each time
        kept = _CHECKERS[id(pattern)] = (pattern, _checker(pattern))
    return kept[1](text, folded)


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)`, without running the pattern when none of its `heads` is in `text`."""
    return pattern.search(text) if may_match(pattern, text) else None
