"""A set of names as one regular expression written as a trie, for patterns that look for any of many names.

re tries an alternation's branches one after the other at every position of the text; written as a trie
("Kota|Kotamobagu|Korea" as "Ko(?:ta(?:mobagu)?|rea)"), the names that can match at a position are found by
following its characters, and re can skip ahead to a character a name begins with. And an alternation searched
without the branches that cannot match in a text (`Pruned`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator


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


class Pruned:
    """An alternation of branches searched without the branches that cannot match in the text at hand.

    Each branch comes with words one of which every match of it holds (none: it is always searched). A branch
    whose words are all missing from a text matches nowhere in it, so leaving it out changes no match: at each
    position re still takes the first of the remaining branches that matches, as it would have. The alternation
    of the branches kept is compiled once per combination. `pattern` is the whole alternation."""

    def __init__(self, branches: list[tuple[str, tuple[str, ...]]]):
        self.branches = branches
        self.pattern = re.compile("|".join(source for source, _ in branches))
        self._kept: dict[tuple[bool, ...], re.Pattern[str] | None] = {}

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        mask = tuple(not words or any(w in text for w in words) for _, words in self.branches)
        rx = self._kept.get(mask, False)
        if rx is False:
            kept = [source for (source, _), keep in zip(self.branches, mask) if keep]
            rx = self._kept[mask] = re.compile("|".join(kept)) if kept else None
        return rx.finditer(text) if rx is not None else iter(())
