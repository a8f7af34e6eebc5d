"""Find every keyword of every news rule in a headline with one pass over its characters.

An Aho-Corasick automaton: a trie of all keywords whose nodes also know where to fall back
on a mismatch, so scanning costs the headline's length whatever the number of keywords.
One search per rule would make a thousand keyword rules a thousand scans per headline.
Matching ignores case (``casefold``) so ``LG`` finds ``lg``; Korean has no case.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable


class KeywordMatcher:
    """Built once per rule set; ``find`` is the hot path."""

    __slots__ = ("_fail", "_goto", "_out")

    def __init__(self, keywords: Iterable[str]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._out: list[frozenset[str]] = [frozenset()]
        for keyword in {normalize(k) for k in keywords if k}:
            self._add(keyword)
        self._fail = self._link()

    def _add(self, keyword: str) -> None:
        state = 0
        for char in keyword:
            following = self._goto[state].get(char)
            if following is None:
                following = len(self._goto)
                self._goto[state][char] = following
                self._goto.append({})
                self._out.append(frozenset())
            state = following
        self._out[state] = self._out[state] | {keyword}

    def _link(self) -> list[int]:
        """Breadth-first: each node falls back to the longest proper suffix that is a prefix."""
        fail = [0] * len(self._goto)
        queue = deque(self._goto[0].values())
        while queue:
            state = queue.popleft()
            for char, following in self._goto[state].items():
                queue.append(following)
                back = fail[state]
                while back and char not in self._goto[back]:
                    back = fail[back]
                fail[following] = self._goto[back].get(char, 0)
                self._out[following] = self._out[following] | self._out[fail[following]]
        return fail

    def find(self, text: str) -> set[str]:
        """The (normalized) keywords that occur in ``text``."""
        goto, fail, out = self._goto, self._fail, self._out
        found: set[str] = set()
        state = 0
        for char in normalize(text):
            while state and char not in goto[state]:
                state = fail[state]
            state = goto[state].get(char, 0)
            if out[state]:
                found |= out[state]
        return found


def normalize(text: str) -> str:
    return text.casefold()
