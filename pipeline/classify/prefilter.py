"""A regular expression's search, skipped when the text cannot hold a match: the same answer, sooner.

Most cue patterns are alternations of words ("\\bapbd\\b|\\bdpa\\b|mata anggaran|..."), and most passages hold
none of them. Every match of such a pattern begins with one of the literal strings its branches open with
(`heads`), so when none of them is a substring of the text (`str.__contains__`, a fast C search) the pattern
cannot match there and `search` returns None without running the regular expression. A pattern with a branch
that does not open with a literal (a character class, a repeat, a case-insensitive flag) is always searched.
"""

from __future__ import annotations

import functools
import re
import re._parser as sre_parse  # the parser of re itself: the patterns are read exactly as re compiles them

_LITERAL, _AT, _BRANCH, _SUBPATTERN = sre_parse.LITERAL, sre_parse.AT, sre_parse.BRANCH, sre_parse.SUBPATTERN


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
    """`_heads` of a compiled pattern; None (always search) for patterns with a case-insensitive or verbose flag."""
    if not isinstance(pattern.pattern, str) or pattern.flags & (re.IGNORECASE | re.VERBOSE | re.LOCALE):
        return None
    try:
        return _heads(sre_parse.parse(pattern.pattern, pattern.flags))
    except (re.error, TypeError, AttributeError):  # pragma: no cover - a parser this module does not know
        return None


def search(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """`pattern.search(text)`, without running the pattern when none of its `heads` is in `text`."""
    found = heads(pattern)
    if found is not None and not any(h in text for h in found):
        return None
    return pattern.search(text)
