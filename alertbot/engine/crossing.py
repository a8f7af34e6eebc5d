"""Price levels as crossings: sorted thresholds per stock, touched only between two ticks.

``above: 80000`` fires when a stock's previous price was below 80,000 and this one is at or
above it; ``below`` the mirror image. A rule never fires just because the price *is* past its
level, and it re-arms once the price has gone back past the level.

The previous value of the day's first tick is the previous close the feed gives with it
(``price − change``; ``0 %`` for the day change), so a gap through a level at the open is a
crossing, reported once. The state — the last value per venue, and which crossings were
reported — belongs to one KST day: the next day starts afresh, and yesterday's day change
never meets today's.

KRX and NXT trade one stock at different prices, so each venue is compared with itself; a
crossing one venue reported is not reported again by the other until some venue has gone
back past the level: one move, one alert.

Thresholds of one stock sit in sorted lists: a move from ``prev`` to ``cur`` bisects to the
levels between them, so a tick costs O(log n + fired) whatever the number of price rules.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(slots=True)
class Levels(Generic[T]):
    """One stock's thresholds on one measure (price or day rate), each with its payload."""

    above: list[tuple[float, int, T]] = field(default_factory=list)
    below: list[tuple[float, int, T]] = field(default_factory=list)
    _above_keys: list[float] = field(default_factory=list)
    _below_keys: list[float] = field(default_factory=list)
    last: dict[str, float] = field(default_factory=dict)
    """Venue → last value today: KRX and NXT trade one stock at different prices. Kept here,
    beside the stock's levels, so a tick costs one lookup by code."""
    reported: set[tuple[bool, float]] = field(default_factory=set)
    """``(up, level)`` crossings reported and not yet undone by a move back past the level."""
    day: int = 0
    """The KST day (``date.toordinal()``) ``last`` and ``reported`` belong to."""

    def add(self, up: bool, level: float, order: int, payload: T) -> None:
        """``order`` keeps payloads at one level in rule-file order; call ``finish`` after."""
        (self.above if up else self.below).append((level, order, payload))

    def finish(self) -> None:
        for entries in (self.above, self.below):
            entries.sort(key=lambda entry: (entry[0], entry[1]))
        self._above_keys = [entry[0] for entry in self.above]
        self._below_keys = [entry[0] for entry in self.below]

    def move(
        self, venue: str, value: float, opening: float, day: int
    ) -> tuple[Sequence[tuple[float, int, T]], bool]:
        """Record ``value``; return the entries it crossed and whether the comparison was
        with ``opening`` (the previous close) rather than a value seen today."""
        if day != self.day:
            if day < self.day:  # a late tick of an earlier day: nothing to compare it with
                return (), False
            self.day, self.last, self.reported = day, {}, set()
        last = self.last
        prev = last.get(venue)
        last[venue] = value
        if prev is None:
            return self.crossed(opening, value), True
        return self.crossed(prev, value), False

    def crossed(self, prev: float, cur: float) -> Sequence[tuple[float, int, T]]:
        """Entries whose level lies on the way from ``prev`` to ``cur``, not yet reported."""
        if cur > prev:
            keys = self._above_keys
            start, end = bisect_right(keys, prev), bisect_right(keys, cur)
            if self.reported:  # back above a ``below`` level: it may fire again
                undone = self._below_keys
                self._rearm(False, undone, bisect_left(undone, prev), bisect_left(undone, cur))
            return self._report(True, self.above, start, end) if start < end else ()
        if cur < prev:
            keys = self._below_keys
            start, end = bisect_left(keys, cur), bisect_left(keys, prev)
            if self.reported:  # back under an ``above`` level: it may fire again
                undone = self._above_keys
                self._rearm(True, undone, bisect_right(undone, cur), bisect_right(undone, prev))
            return self._report(False, self.below, start, end) if start < end else ()
        return ()

    def _rearm(self, up: bool, keys: list[float], start: int, end: int) -> None:
        for level in keys[start:end]:
            self.reported.discard((up, level))

    def _report(
        self, up: bool, entries: list[tuple[float, int, T]], start: int, end: int
    ) -> list[tuple[float, int, T]]:
        reported = self.reported
        fresh = [entry for entry in entries[start:end] if (up, entry[0]) not in reported]
        reported.update((up, entry[0]) for entry in fresh)
        return fresh


class Crossings(Generic[T]):
    """Levels per key (a stock code), each with the last value seen per venue."""

    def __init__(self) -> None:
        self.levels: dict[str, Levels[T]] = {}

    def add(self, symbol: str, up: bool, level: float, order: int, payload: T) -> None:
        levels = self.levels.get(symbol)
        if levels is None:
            levels = self.levels[symbol] = Levels()
        levels.add(up, level, order, payload)

    def finish(self) -> None:
        """Sort every stock's levels once all rules are added."""
        for levels in self.levels.values():
            levels.finish()

    def get(self, symbol: str) -> Levels[T] | None:
        return self.levels.get(symbol)

    def keep_last(self, previous: Crossings[T]) -> None:
        """Carry today's values over from ``previous`` for stocks still watched here."""
        for symbol, levels in self.levels.items():
            old = previous.levels.get(symbol)
            if old is not None:
                levels.day, levels.last, levels.reported = (
                    old.day,
                    dict(old.last),
                    set(old.reported),
                )
