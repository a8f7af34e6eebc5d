"""거래량 급증: each watched stock's traded volume per minute, judged against its average minute.

Trades are bucketed by **their own time** (Kiwoom FID 20, LS ``chetime``), never the clock,
so replay and live agree and a burst of delayed frames lands in the minute it was traded.
A minute is judged as soon as its running volume reaches a rule's threshold (so the trader
hears it early) and again when it closes (the first trade of a later minute) or when a delayed
frame adds to it afterwards; each rule fires at most once per stock and minute.

The average is over the complete minutes of the rule's ``window`` before the judged minute,
minutes without trades counting as zero; a minute needs ``VOLUME_MIN_HISTORY`` of them behind
it. Only the regular continuous session counts (09:00–15:20 KST): trades before the open, the
opening auction's match (the first trade, at 09:00:00) and the closing auction and
after-hours trades are auctions whose volume would make every open and close look like a
spike. The minute the bot starts watching in is incomplete and is not history either.

Cost: a trade in the running minute is a few attribute reads and one comparison against a
threshold computed when the minute opened (``MinuteVolumes.add``); everything else — a new
minute, a delayed frame, a threshold reached — takes the slow path.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Generic, TypeVar

from alertbot.engine.schema import VOLUME_MIN_HISTORY
from alertbot.events import KST, Tick, VolumeSpike

SESSION_OPEN = 9 * 60
"""09:00, as minutes of the day: the opening auction's match and the continuous session."""
SESSION_CLOSE = 15 * 60 + 20
"""15:20: the closing auction starts; its match at 15:30 and after-hours trades are not counted."""
NEVER = float("inf")
T = TypeVar("T")


@dataclass(frozen=True, slots=True, eq=False)
class Judge(Generic[T]):
    """A volume rule as the tracker needs it; ``rule`` is the engine's, handed back on firing."""

    name: str
    ratio: float
    window: int
    """Minutes."""
    rule: T


@dataclass(frozen=True, slots=True)
class Spike(Generic[T]):
    """One rule's verdict on one minute."""

    judge: Judge[T]
    event: VolumeSpike


class MinuteVolumes:
    """One stock's minutes on one venue, today."""

    __slots__ = (
        "cum",
        "day",
        "fired",
        "history",
        "minute",
        "running",
        "source",
        "start",
        "threshold",
    )

    def __init__(self) -> None:
        self.day: date | None = None
        self.minute = -1
        """The running minute (minutes of the day), -1 before the first counted trade."""
        self.running = 0
        self.threshold = 0.0
        """The running volume at which some rule fires; 0 makes the next trade recompute it."""
        self.start = 0
        """The first complete minute: ``history[i]`` is the volume of minute ``start + i``."""
        self.history: list[int] = []
        self.fired: set[tuple[str, int]] = set()
        """(rule name, minute) already fired today."""
        self.cum = 0
        """The highest cumulative volume seen: its increase stands in for a missing trade volume."""
        self.source = ""
        """The feed counted: with both brokers connected, each trade arrives twice."""

    def add(self, tick: Tick, judges: Sequence[Judge[T]]) -> list[Spike[T]] | None:
        """Count one trade; the spikes it shows, if any. The common case returns at once."""
        time = tick.time
        minute = time.hour * 60 + time.minute
        if tick.source != self.source and not self._adopt(tick, minute):
            return None  # the same trade, reported by the other broker's feed
        volume = tick.volume
        cum = tick.cum_volume
        before = self.cum
        if cum > before:
            self.cum = cum
            if not volume:
                volume = cum - before  # no trade volume in the frame: the cumulative's increase
        if minute == self.minute:
            running = self.running + volume
            self.running = running
            if running < self.threshold:
                return None
            return self._judge_running(tick, judges)
        return self._other_minute(tick, minute, volume, before, judges)

    def refresh(self) -> None:
        """The rules changed: recompute the running minute's threshold on the next trade."""
        self.threshold = 0.0

    def _adopt(self, tick: Tick, minute: int) -> bool:
        """Count this feed from now on? Yes for the day's first trade, or when the feed
        counted so far has been silent for a whole minute while this one trades (it went
        down: the cumulative volume then shows what was missed, and history starts afresh)."""
        fresh = tick.time.date() != self.day or self.minute < 0
        if fresh or (self.minute < SESSION_CLOSE and minute - self.minute > 1):
            self.source = tick.source
            return True
        return False

    # ------------------------------------------------------------------ slow path

    def _other_minute(
        self, tick: Tick, minute: int, volume: int, before: int, judges: Sequence[Judge[T]]
    ) -> list[Spike[T]] | None:
        time = tick.time
        if time.date() != self.day:
            self._new_day(time.date(), tick.cum_volume)
        if minute < SESSION_OPEN:
            return None
        if minute < self.minute:
            return self._delayed(tick, minute, volume, judges)
        spikes = self._close(tick, judges) if 0 <= self.minute < SESSION_CLOSE else []
        if minute >= SESSION_CLOSE:
            if self.minute >= 0:
                self.history.extend([0] * (SESSION_CLOSE - self.minute - 1))
            self.minute, self.running, self.threshold = SESSION_CLOSE, 0, NEVER
            return spikes or None
        auction = minute == SESSION_OPEN and time.second == 0 and self.minute < 0
        if self.minute < 0:
            # A minute is history only if seen whole: from the open, or from the day's first trade.
            whole = auction or 0 < tick.cum_volume <= volume
            self.start = minute if whole else minute + 1
        elif minute - self.minute > 1 and 0 < before < tick.cum_volume - volume:
            # Whole minutes passed and the cumulative volume says trades were missed (the feed
            # was down): those minutes are unknown, not quiet. History starts afresh.
            self.history, self.start = [], minute + 1
        else:  # the minutes in between had no trades
            self.history.extend([0] * (minute - self.minute - 1))
        self.minute = minute
        self.running = 0 if auction else volume
        self._arm(judges)
        if self.running >= self.threshold:
            spikes.extend(self._judge_running(tick, judges) or ())
        return spikes or None

    def _new_day(self, day: date, cum: int) -> None:
        self.day = day
        self.minute = -1
        self.running = 0
        self.history = []
        self.fired = set()
        self.cum = cum

    def _close(self, tick: Tick, judges: Sequence[Judge[T]]) -> list[Spike[T]]:
        """The running minute ends: judge it once more, then it becomes history."""
        spikes = self._judge(tick, self.minute, self.running, judges)
        if self.minute >= self.start:
            self.history.append(self.running)
        return spikes

    def _delayed(
        self, tick: Tick, minute: int, volume: int, judges: Sequence[Judge[T]]
    ) -> list[Spike[T]] | None:
        """A trade of an earlier minute arriving late: it counts in the minute it was traded."""
        offset = minute - self.start
        if not 0 <= offset < len(self.history):
            return None  # before what we saw whole, or after the close: not counted
        self.history[offset] += volume
        self.threshold = 0.0  # the average changed
        return self._judge(tick, minute, self.history[offset], judges) or None

    def _arm(self, judges: Sequence[Judge[T]]) -> None:
        """The running volume at which the first rule not yet fired this minute would fire."""
        threshold = NEVER
        for judge in judges if self.minute < SESSION_CLOSE else ():  # after the close: never
            if (judge.name, self.minute) in self.fired:
                continue
            average, _ = self.average(self.minute, judge.window)
            if average > 0:
                threshold = min(threshold, judge.ratio * average)
        self.threshold = threshold

    def _judge_running(self, tick: Tick, judges: Sequence[Judge[T]]) -> list[Spike[T]] | None:
        if not self.threshold:  # rules or history changed: recompute, then look again
            self._arm(judges)
            if self.running < self.threshold:
                return None
        spikes = self._judge(tick, self.minute, self.running, judges)
        self._arm(judges)
        return spikes or None

    def _judge(
        self, tick: Tick, minute: int, volume: int, judges: Sequence[Judge[T]]
    ) -> list[Spike[T]]:
        spikes: list[Spike[T]] = []
        for judge in judges:
            if (judge.name, minute) in self.fired:
                continue
            average, minutes = self.average(minute, judge.window)
            if average <= 0 or volume < judge.ratio * average:
                continue
            self.fired.add((judge.name, minute))
            event = VolumeSpike(
                source=tick.source,
                time=tick.time,
                symbol=tick.symbol,
                name=tick.name,
                minute=f"{minute // 60:02d}:{minute % 60:02d}",
                volume=volume,
                average=average,
                ratio=round(volume / average, 2),
                window=minutes,
                venue=tick.venue,
            )
            spikes.append(Spike(judge, event))
        return spikes

    def average(self, minute: int, window: int) -> tuple[float, int]:
        """The average complete minute of the ``window`` minutes before ``minute``, and how
        many minutes it was taken over; (0, n) when fewer than the minimum are known."""
        first = max(self.start, minute - window)
        count = min(minute, self.start + len(self.history)) - first
        if count < VOLUME_MIN_HISTORY:
            return 0.0, max(count, 0)
        lo = first - self.start
        return sum(self.history[lo : lo + count]) / count, count


class VolumeTrackers:
    """A ``MinuteVolumes`` per (stock, venue) with a volume rule; kept across rule reloads."""

    def __init__(self) -> None:
        self.stocks: dict[tuple[str, str], MinuteVolumes] = {}

    def add(self, tick: Tick, judges: Sequence[Judge[T]]) -> list[Spike[T]] | None:
        if tick.time.tzinfo is not KST:  # the feeds stamp KST; minutes and the session are KST
            tick = replace(tick, time=tick.time.astimezone(KST))
        key = (tick.symbol, tick.venue)
        tracker = self.stocks.get(key)
        if tracker is None:
            tracker = self.stocks[key] = MinuteVolumes()
        return tracker.add(tick, judges)

    def refresh(self) -> None:
        for tracker in self.stocks.values():
            tracker.refresh()
