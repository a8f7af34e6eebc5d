"""``active:`` — the hours (KST) a rule may fire, so after-hours noise stays quiet.

Syntax (one string, or a list of them: the rule is active in any of the windows)::

    "HH:MM-HH:MM"          weekdays (Mon–Fri), start inclusive, end exclusive
    "HH:MM-HH:MM DAYS"     DAYS: weekdays | weekends | daily | a list such as mon,wed,fri
                           or a range such as mon-sat (ranges may wrap: fri-mon)

``24:00`` may end a window. A window whose end is earlier than its start runs past
midnight and belongs to the day it starts on: ``"18:00-05:00 mon-fri"`` is Monday 18:00 to
Tuesday 05:00, …, Friday 18:00 to Saturday 05:00. Public holidays are not known: a rule
active on weekdays is active on a weekday holiday too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alertbot.events import KST

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "daily": frozenset(range(7)),
}
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?$")
SYNTAX = 'expected "HH:MM-HH:MM" optionally followed by weekdays, weekends, daily or mon-fri'


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    """Minutes after midnight, inclusive."""
    end: int
    """Minutes after midnight, exclusive; below ``start`` when the window passes midnight."""
    days: frozenset[int]
    """Weekdays (Monday 0) the window starts on."""

    def contains(self, weekday: int, minute: int) -> bool:
        if self.start < self.end:
            return weekday in self.days and self.start <= minute < self.end
        return (weekday in self.days and minute >= self.start) or (
            (weekday - 1) % 7 in self.days and minute < self.end
        )


@dataclass(frozen=True, slots=True)
class ActiveHours:
    """Parsed ``active:``; ``text`` is what the trader wrote (for messages and fingerprints)."""

    text: str
    windows: tuple[Window, ...]

    def contains(self, when: datetime) -> bool:
        local = when.astimezone(KST)
        minute = local.hour * 60 + local.minute
        weekday = local.weekday()
        return any(window.contains(weekday, minute) for window in self.windows)


def parse_active(value: Any) -> ActiveHours:
    """A string or a list of strings → ``ActiveHours``; ``ValueError`` says what is wrong."""
    if isinstance(value, ActiveHours):
        return value
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise ValueError(f"{SYNTAX}, got {value!r}")
    windows = tuple(_window(item) for item in items)
    return ActiveHours(", ".join(item.strip() for item in items), windows)


def _window(text: str) -> Window:
    match = _WINDOW.match(text.strip())
    if not match:
        raise ValueError(f"{SYNTAX}, got {text!r}")
    sh, sm, eh, em, days = match.groups()
    start, end = _minute(int(sh), int(sm), text), _minute(int(eh), int(em), text)
    if start == end:
        raise ValueError(f"{text!r}: start and end are the same; use 00:00-24:00 for all day")
    if start == 24 * 60:
        raise ValueError(f"{text!r}: a window cannot start at 24:00")
    return Window(start, end, _days(days))


def _minute(hour: int, minute: int, text: str) -> int:
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day")
    return hour * 60 + minute


def _days(text: str | None) -> frozenset[int]:
    if text is None:
        return DAY_SETS["weekdays"]
    word = text.lower()
    if word in DAY_SETS:
        return DAY_SETS[word]
    days: set[int] = set()
    for part in word.split(","):
        first, _, last = part.partition("-")
        a, b = _day(first), _day(last or first)
        days.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(days)


def _day(name: str) -> int:
    if name not in DAY_NAMES:
        raise ValueError(
            f"unknown day {name!r}: use {', '.join(DAY_NAMES)}, weekdays, weekends or daily"
        )
    return DAY_NAMES.index(name)
