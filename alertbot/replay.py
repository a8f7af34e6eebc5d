"""``alertbot replay``: a recorded day through the parsers and the engine — a backtest.

Each frame goes through the same decoding as the live feeds (``feeds.decode``) and the same
``Engine``, with the frame's receive time as the engine's now, so cooldowns, active hours and
crossings behave as they did on the day. The engine keeps its cooldowns in memory here: a
replay never reads or writes the running bot's state database. Delivery's dedupe is
reproduced in memory (an ``Alert.dedupe_key`` seen before is not sent again), and nothing
leaves the machine unless ``--send`` hands the alerts to the real delivery path.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import unicodedata
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TextIO

from alertbot.alerts import Alert
from alertbot.delivery.channels import LIVE
from alertbot.delivery.clock import WallClock
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.engine import Engine
from alertbot.engine.rules import RuleSet
from alertbot.events import KST, now_kst
from alertbot.feeds.decode import Decoder
from alertbot.i18n import t
from alertbot.recording import RecordedFrame, Recording, paced
from alertbot.state import StateDB

log = logging.getLogger("alertbot.replay")


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Hangul and other wide characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def pad(text: str, width: int, right: bool = False) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (to the left if ``right``)."""
    space = " " * max(0, width - display_width(text))
    return space + text if right else text + space


COLUMNS = ("fired", "cooldown", "dedupe", "inactive")
"""The summary's columns (catalog ``replay.column.*``): alerts that would have been sent, and
those held back by the rule's cooldown, by delivery's dedupe (the same alert again), or by the
rule's ``active`` hours."""
Submit = Callable[[Alert], None]


@dataclass(slots=True)
class Totals:
    frames: int = 0
    events: int = 0
    first: datetime | None = None
    last: datetime | None = None


class Replay:
    """Feed it frames in order (``frame``); it prints alerts as it goes, then ``summary``."""

    def __init__(
        self,
        ruleset: RuleSet,
        out: TextIO | None = None,
        *,
        submit: Submit | None = None,
        full: bool = False,
    ) -> None:
        """``submit`` gets every alert that would be sent (``--send``); ``full`` prints each
        alert's whole message under its line."""
        self.ruleset = ruleset
        self.engine = Engine(ruleset)
        self.decoder = Decoder(self.engine.subscriptions())
        self.out = out or sys.stdout
        self.submit = submit
        self.full = full
        self.sent: Counter[str] = Counter()
        self.duplicates: Counter[str] = Counter()
        self.sources: Counter[str] = Counter()
        self.totals = Totals()
        self._keys: set[str] = set()
        self._day: date | None = None

    def frame(self, recorded: RecordedFrame) -> list[Alert]:
        """Decode one frame, evaluate its events at its receive time; the alerts to send."""
        totals = self.totals
        totals.frames += 1
        totals.first = totals.first or recorded.t
        totals.last = recorded.t
        self.sources[recorded.src] += 1
        sent: list[Alert] = []
        for event in self.decoder.decode(recorded.src, recorded.frame, recorded.t):
            totals.events += 1
            for alert in self.engine.evaluate(event, recorded.t):
                keys = {alert.dedupe_key(channel) for channel in alert.channels}
                if keys and keys <= self._keys:
                    self.duplicates[alert.rule] += 1
                    continue
                self._keys |= keys
                self.sent[alert.rule] += 1
                self._print(alert)
                sent.append(alert)
                if self.submit is not None:
                    self.submit(alert)
        return sent

    def now(self) -> datetime:
        """The replay's clock: the receive time of the frame being replayed."""
        return self.totals.last or now_kst()

    def _print(self, alert: Alert) -> None:
        local = alert.created_at.astimezone(KST)
        if local.date() != self._day:
            self._day = local.date()
            weekday = t(f"weekday.{local.weekday()}")
            self.out.write(t("replay.day", date=f"{local:%Y-%m-%d}", weekday=weekday) + "\n")
        channels = ", ".join(alert.channels)
        self.out.write(f"{local:%H:%M:%S}  {alert.rule}  {alert.summary}  → {channels}\n")
        if self.full:
            self.out.writelines(f"    {line}\n" for line in alert.text.splitlines())

    def counts(self, rule: str) -> tuple[int, ...]:
        stats = self.engine.stats
        return (
            self.sent[rule],
            stats[(rule, "cooldown")],
            self.duplicates[rule],
            stats[(rule, "inactive")],
        )

    def summary(self) -> list[str]:
        """One line per rule (every rule, so a rule that never fired says so), then totals."""
        names = [located.rule.name for located in self.ruleset.rules]
        rule, columns = t("replay.column.rule"), [t(f"replay.column.{c}") for c in COLUMNS]
        width = max(display_width(text) for text in [rule, *names])
        lines = ["  ".join([pad(rule, width), *columns])]
        for name in names:
            counts = zip(columns, self.counts(name), strict=True)
            cells = [pad(str(count), display_width(column), right=True) for column, count in counts]
            lines.append("  ".join([pad(name, width), *cells]))
        lines.append(self._totals_line())
        lines.extend(
            t("replay.unparsed", count=count, reason=reason) for reason, count in self._unparsed()
        )
        return lines

    def _totals_line(self) -> str:
        totals = self.totals
        by_source = ", ".join(f"{src} {n}" for src, n in sorted(self.sources.items()))
        line = t(
            "replay.totals",
            frames=totals.frames,
            sources=by_source or t("word.none"),
            events=totals.events,
        )
        if totals.first is not None and totals.last is not None:
            first, last = totals.first.astimezone(KST), totals.last.astimezone(KST)
            end = f"{last:%H:%M:%S}" if first.date() == last.date() else f"{last:%Y-%m-%d %H:%M:%S}"
            line += f", {first:%Y-%m-%d %H:%M:%S}–{end} KST"
        return line

    def _unparsed(self) -> list[tuple[str, int]]:
        return sorted(self.decoder.unparsed.items())


DRAIN_TIMEOUT = 30.0
"""``--send``: how long one frame's alerts may take to reach the chat services."""


async def settle(delivery: Delivery) -> None:
    """Wait (bounded) until the chat services took what was submitted, so the next alert
    is made on the next frame's clock and no "late" mark is wrong."""
    await delivery.drain_for(DRAIN_TIMEOUT)


@contextlib.asynccontextmanager
async def sending(ruleset: RuleSet, now: Callable[[], datetime]) -> AsyncIterator[Delivery]:
    """``--send``: the real delivery path, on a state database of its own in memory.

    ``now`` is the replay's clock, so an alert from 09:30 on the recorded day is not marked
    late by days; rate limits and retries still take real time."""
    state = StateDB(":memory:")
    delivery = Delivery(
        LIVE.notifiers(ruleset), state, admin=ruleset.defaults.admin, clock=WallClock(now)
    )
    await delivery.start()
    try:
        yield delivery
        await settle(delivery)
    finally:
        await delivery.close()
        state.close()


async def run_replay(
    recording: Recording,
    ruleset: RuleSet,
    *,
    speed: float | None = None,
    send: bool = False,
    full: bool = False,
    out: TextIO | None = None,
) -> Replay:
    """``alertbot replay``: the alerts as they come, a blank line, the summary.

    ``speed`` N keeps the recorded gaps N times shorter (a demo to watch); ``None`` goes as
    fast as it can (a backtest). With ``send``, each frame's alerts are delivered before the
    next frame is read."""
    out = out or sys.stdout
    replay = Replay(ruleset, out, full=full)
    async with contextlib.AsyncExitStack() as stack:
        delivery = await stack.enter_async_context(sending(ruleset, replay.now)) if send else None
        replay.submit = delivery.submit if delivery is not None else None
        async for recorded in paced(recording, speed):
            if replay.frame(recorded) and delivery is not None:
                await settle(delivery)
    out.write("\n")
    out.writelines(f"{line}\n" for line in replay.summary())
    if recording.damaged:
        out.writelines(t("replay.damaged", problem=p) + "\n" for p in recording.problems)
        shown = len(recording.problems)
        if recording.damaged > shown:
            out.write(t("replay.damaged_more", count=recording.damaged - shown) + "\n")
    return replay
