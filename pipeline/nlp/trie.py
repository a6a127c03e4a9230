"""A set of names as one regular expression written as a trie, for patterns that look for any of many names.

re tries an alternation's branches one after the other at every position of the text; written as a trie
("Kota|Kotamobagu|Korea" as "Ko(?:ta(?:mobagu)?|rea)"), the names that can match at a position are found by
following its characters, and re can skip ahead to a character a name begins with.
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def names_trie(names: Iterable[str], after_first: str = "") -> str:
    """A regular expression of the non-empty `names` as a trie: "Kota|Kotamobagu|Korea" as "Ko(?:ta(?:mobagu)?|rea)".
    Where several names match at a position (each a prefix of the next), the greedy optional parts take the
    longest first and give back one name at a time when what follows fails: the order of an alternation of the
    names sorted longest first (tests/nlp/test_entities.py). `after_first` is written after each name's first character."""
    trie: dict = {}
    for name in names:
        node = trie
        for ch in name:
            node = node.setdefault(ch, {})
        node[""] = {}

    def written(node: dict, after: str = "") -> str:
        branches = [re.escape(ch) + after + written(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return written(trie, after_first)
