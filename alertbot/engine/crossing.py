"""Price levels as crossings: sorted thresholds per stock, touched only between two ticks.

``above: 80000`` fires when a stock's previous price was below 80,000 and this one is at or
above it; ``below`` the mirror image. So the first tick after a start only records the price
(there is no "previous"), a rule never fires just because the price *is* past its level, and
it re-arms by itself once the price has gone back past the level. The state is the last price
per stock and venue, not a flag per rule, which is why it survives a reload unchanged.

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
    """Venue → last value: KRX and NXT trade one stock at different prices. Kept here, beside
    the stock's levels, so a tick costs one lookup by code rather than a second by a
    (code, venue) key."""

    def add(self, up: bool, level: float, order: int, payload: T) -> None:
        """``order`` keeps payloads at one level in rule-file order; call ``finish`` after."""
        (self.above if up else self.below).append((level, order, payload))

    def finish(self) -> None:
        for entries in (self.above, self.below):
            entries.sort(key=lambda entry: (entry[0], entry[1]))
        self._above_keys = [entry[0] for entry in self.above]
        self._below_keys = [entry[0] for entry in self.below]

    def move(self, venue: str, value: float) -> Sequence[tuple[float, int, T]]:
        """Record ``value`` and return the entries it crossed since the previous one."""
        last = self.last
        prev = last.get(venue)
        last[venue] = value
        return () if prev is None else self.crossed(prev, value)

    def crossed(self, prev: float, cur: float) -> Sequence[tuple[float, int, T]]:
        """Entries whose level lies on the way from ``prev`` to ``cur``."""
        if cur > prev:
            keys = self._above_keys
            start, end = bisect_right(keys, prev), bisect_right(keys, cur)
            return self.above[start:end] if start < end else ()
        if cur < prev:
            keys = self._below_keys
            start, end = bisect_left(keys, cur), bisect_left(keys, prev)
            return self.below[start:end] if start < end else ()
        return ()


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

    def update(self, symbol: str, venue: str, value: float) -> Sequence[tuple[float, int, T]]:
        """Record ``value`` and return the entries it crossed since the previous one."""
        levels = self.levels.get(symbol)
        return () if levels is None else levels.move(venue, value)

    def keep_last(self, previous: Crossings[T]) -> None:
        """Carry the last values over from ``previous`` for stocks still watched here."""
        for symbol, levels in self.levels.items():
            old = previous.levels.get(symbol)
            if old is not None:
                levels.last = dict(old.last)
