"""Keywords as a trader means them: one normal form, Latin words whole, one pass per headline.

``normalize`` is the one normal form for keywords and the text they are looked for in
(headlines, disclosure report names):

- Unicode NFKC, so decomposed Hangul (``ᄅ ᅵ ᄐ ᅲ ᆷ`` from some feeds) equals ``리튬`` and
  full-width ``ＡＩ`` equals ``AI``; then ``casefold``, so ``LG`` finds ``lg``;
- no whitespace at all, so ``"2차 전지"`` finds ``2차전지`` and the reverse: Korean writers
  space compound nouns either way.

A keyword that begins or ends with a Latin letter or digit matches only where that end
meets something that is not one (judged on the original text, spaces included): ``AI``
finds ``AI반도체``, ``AI가`` and ``LG AI`` but not ``MAIN`` or ``PAIR``. Korean attaches
particles and nouns directly to a word, so Hangul next to a Latin keyword is a boundary.

``KeywordMatcher`` is an Aho-Corasick automaton over the normalized keywords: scanning a
headline costs its length whatever the number of keywords (one search per rule would make a
thousand keyword rules a thousand scans per headline).
"""

from __future__ import annotations

import unicodedata
from collections import deque
from collections.abc import Iterable


def fold(text: str) -> str:
    """NFKC and casefold, spaces kept: the text word boundaries are judged on."""
    return unicodedata.normalize("NFKC", text).casefold()


def normalize(text: str) -> str:
    """The normal form keywords are compared in (see the module docstring)."""
    return "".join(fold(text).split())


def is_latin(char: str) -> bool:
    """A Latin letter or a digit: the characters a Latin word cannot run into."""
    if char.isascii():
        return char.isalnum()
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN")


def matches(keyword: str, text: str) -> bool:
    """Whether one keyword occurs in ``text`` (for a single check; many keywords: use
    ``KeywordMatcher``)."""
    word = normalize(keyword)
    return bool(word) and word in KeywordMatcher([keyword]).find(text)


class KeywordMatcher:
    """Built once per rule set; ``find`` is the hot path."""

    __slots__ = ("_edges", "_fail", "_goto", "_out")

    def __init__(self, keywords: Iterable[str]) -> None:
        self._goto: list[dict[str, int]] = [{}]
        self._out: list[frozenset[str]] = [frozenset()]
        self._edges: dict[str, tuple[bool, bool]] = {}
        """Normalized keyword → (Latin first char, Latin last char): the ends to check."""
        for keyword in {normalize(k) for k in keywords} - {""}:
            self._add(keyword)
            self._edges[keyword] = (is_latin(keyword[0]), is_latin(keyword[-1]))
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
        goto, fail, out, edges = self._goto, self._fail, self._out, self._edges
        folded = fold(text)
        found: set[str] = set()
        starts: list[int] = []
        """Index in ``folded`` of each non-space character scanned so far."""
        state = 0
        for position, char in enumerate(folded):
            if char.isspace():
                continue
            starts.append(position)
            while state and char not in goto[state]:
                state = fail[state]
            state = goto[state].get(char, 0)
            for keyword in out[state]:
                if keyword in found:
                    continue
                left, right = edges[keyword]
                begin = starts[len(starts) - len(keyword)]
                if left and begin and is_latin(folded[begin - 1]):
                    continue
                if right and position + 1 < len(folded) and is_latin(folded[position + 1]):
                    continue
                found.add(keyword)
        return found
