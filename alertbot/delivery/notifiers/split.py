"""Cutting plain text into parts that fit one chat message, between lines.

Splitting happens on plain text, before any markup is added, so a part can never end inside
an HTML tag or entity. Each service says how it counts a part (``measure``): UTF-16 code
units, the unit Telegram and Slack count (an emoji outside the BMP is two), and for Slack
after escaping ``&`` to ``&amp;``, so a part that fits here fits there. No part is empty or
blank: every service refuses those.
"""

from __future__ import annotations

from collections.abc import Callable

Measure = Callable[[str], int]


def utf16_len(text: str) -> int:
    """Length as Telegram and Slack count it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int, measure: Measure = utf16_len) -> list[str]:
    """Parts of at most ``limit`` (by ``measure``), cut between lines; a too-long line at a
    space. Blank parts are left out."""
    if measure(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit, measure):
            extra = measure(piece) + (1 if current else 0)
            if current and size + extra > limit:
                parts.append("\n".join(current))
                current, size, extra = [], 0, measure(piece)
            current.append(piece)
            size += extra
    if current:
        parts.append("\n".join(current))
    return [part for part in parts if part.strip()]


def _cut_line(line: str, limit: int, measure: Measure) -> list[str]:
    """A line longer than ``limit`` in pieces, cut at the last space that fits, else hard."""
    pieces: list[str] = []
    while measure(line) > limit:
        end = _fitting_prefix(line, limit, measure)
        space = line.rfind(" ", 0, end)
        cut = space if space > 0 else end
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ") if space > 0 else line[cut:]
    pieces.append(line)
    return pieces


def _fitting_prefix(line: str, limit: int, measure: Measure) -> int:
    """The most characters of ``line`` whose measure is at most ``limit`` (at least one, so
    cutting always moves on): a binary search, since a measure only grows with length."""
    low, high = 1, len(line)
    while low < high:
        middle = (low + high + 1) // 2
        if measure(line[:middle]) <= limit:
            low = middle
        else:
            high = middle - 1
    return low
