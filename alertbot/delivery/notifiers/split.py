"""Cutting plain text into parts that fit one chat message, between lines.

Splitting happens on plain text, before any markup is added, so a part can never end inside
an HTML tag or entity. Lengths are counted in UTF-16 code units, the unit Telegram counts
(an emoji outside the BMP is two), so a part that fits here fits there.
"""

from __future__ import annotations


def utf16_len(text: str) -> int:
    """Length as Telegram and Slack count it: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most ``limit`` units, cut between lines; a too-long line at a space."""
    if utf16_len(text) <= limit:
        return [text]
    parts: list[str] = []
    current: list[str] = []
    size = 0
    for line in text.split("\n"):
        for piece in _cut_line(line, limit):
            extra = utf16_len(piece) + (1 if current else 0)
            if current and size + extra > limit:
                parts.append("\n".join(current))
                current, size, extra = [], 0, utf16_len(piece)
            current.append(piece)
            size += extra
    if current:
        parts.append("\n".join(current))
    return parts


def _cut_line(line: str, limit: int) -> list[str]:
    """A line longer than ``limit`` in pieces, cut at the last space that fits, else hard."""
    pieces: list[str] = []
    while utf16_len(line) > limit:
        end = _fitting_prefix(line, limit)
        space = line.rfind(" ", 0, end)
        cut = space if space > 0 else end
        pieces.append(line[:cut])
        line = line[cut:].lstrip(" ") if space > 0 else line[cut:]
    pieces.append(line)
    return pieces


def _fitting_prefix(line: str, limit: int) -> int:
    """The number of characters of ``line`` whose UTF-16 length is at most ``limit``."""
    units = 0
    for index, char in enumerate(line):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return index
    return len(line)
