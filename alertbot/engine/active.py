"""``active:`` — the hours (KST) a rule may fire, so after-hours noise stays quiet.

Syntax (one string, or a list of them: the rule is active in any of the windows)::

    "HH:MM-HH:MM"          weekdays (Mon–Fri), start inclusive, end exclusive
    "HH:MM-HH:MM DAYS"     DAYS: weekdays | weekends | daily | a list such as mon,wed,fri
                           or a range such as mon-sat (ranges may wrap: fri-mon)

    "krx"                  the KRX regular session of each trading day, from the exchange
                           calendar (09:00–15:30; 10:00–16:30 on the 수능 day; 10:00 on
                           the year's first day; nothing on holidays and on the year-end
                           closure)
    "HH:MM-HH:MM krx"      those hours, on KRX trading days only (e.g. NXT's 08:00-20:00)

``24:00`` may end a window. A window whose end is earlier than its start runs past
midnight and belongs to the day it starts on: ``"18:00-05:00 mon-fri"`` is Monday 18:00 to
Tuesday 05:00, …, Friday 18:00 to Saturday 05:00. Windows with weekday names are kept as
written (other markets' hours do not follow KRX holidays); only ``krx`` consults the
calendar (``calendar.py``), which is loaded when such a rule loads, never per event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alertbot.engine.calendar import krx_calendar
from alertbot.events import KST
from alertbot.i18n import t

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_SETS = {
    "weekdays": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "daily": frozenset(range(7)),
}
_WINDOW = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?$")
KRX = "krx"


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    """Minutes after midnight, inclusive."""
    end: int
    """Minutes after midnight, exclusive; below ``start`` when the window passes midnight."""
    days: frozenset[int]
    """Weekdays (Monday 0) the window starts on."""
    trading_days: bool = False
    """Only on KRX trading days (``days`` is then every day)."""

    def contains(self, day: int, weekday: int, minute: int) -> bool:
        """``day``: the KST date's ordinal; ``weekday``: Monday 0; ``minute`` of the day."""
        if self.start < self.end:
            return self._starts_on(day, weekday) and self.start <= minute < self.end
        return (self._starts_on(day, weekday) and minute >= self.start) or (
            self._starts_on(day - 1, (weekday - 1) % 7) and minute < self.end
        )

    def _starts_on(self, day: int, weekday: int) -> bool:
        if self.trading_days:
            return krx_calendar().trades(day)
        return weekday in self.days


@dataclass(frozen=True, slots=True)
class KrxSession:
    """The KRX regular session of the day, as the exchange calendar has it."""

    def contains(self, day: int, weekday: int, minute: int) -> bool:
        session = krx_calendar().session(day)
        return session is not None and session[0] <= minute < session[1]


@dataclass(frozen=True, slots=True)
class ActiveHours:
    """Parsed ``active:``; ``text`` is what the trader wrote (for messages and fingerprints)."""

    text: str
    windows: tuple[Window | KrxSession, ...]

    def contains(self, when: datetime) -> bool:
        local = when.astimezone(KST)
        minute = local.hour * 60 + local.minute
        day, weekday = local.toordinal(), local.weekday()
        return any(window.contains(day, weekday, minute) for window in self.windows)


def parse_active(value: Any) -> ActiveHours:
    """A string or a list of strings → ``ActiveHours``; ``ValueError`` says what is wrong."""
    if isinstance(value, ActiveHours):
        return value
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) for item in items):
        raise ValueError(t("check.active_syntax", value=repr(value)))
    windows = tuple(_window(item) for item in items)
    if any(_uses_calendar(window) for window in windows):
        krx_calendar()  # loaded now, with the rules, never on the first event
    return ActiveHours(", ".join(item.strip() for item in items), windows)


def _uses_calendar(window: Window | KrxSession) -> bool:
    return isinstance(window, KrxSession) or window.trading_days


def _window(text: str) -> Window | KrxSession:
    if text.strip().lower() == KRX:
        return KrxSession()
    match = _WINDOW.match(text.strip())
    if not match:
        raise ValueError(t("check.active_syntax", value=repr(text)))
    sh, sm, eh, em, days = match.groups()
    start, end = _minute(int(sh), int(sm), text), _minute(int(eh), int(em), text)
    if start == end:
        raise ValueError(t("check.active_same", window=repr(text)))
    if start == 24 * 60:
        raise ValueError(t("check.active_24", window=repr(text)))
    if days is not None and days.lower() == KRX:
        return Window(start, end, DAY_SETS["daily"], trading_days=True)
    return Window(start, end, _days(days))


def _minute(hour: int, minute: int, text: str) -> int:
    if minute > 59 or hour > 24 or (hour == 24 and minute):
        raise ValueError(t("check.active_time", window=repr(text), time=f"{hour:02d}:{minute:02d}"))
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
        raise ValueError(t("check.active_day", day=repr(name), days=", ".join(DAY_NAMES)))
    return DAY_NAMES.index(name)
