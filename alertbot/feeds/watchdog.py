"""Noticing a feed that is connected but has gone quiet.

A TCP connection can stay open while the broker has stopped sending (a stuck gateway, a
session the server forgot). WebSocket pings catch a dead peer, not that. The watchdog ends a
session that has received nothing for ``silence`` seconds while traffic is expected — inside
market hours and only when the feed is subscribed to something that streams steadily — so the
supervisor reconnects and subscribes again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from alertbot.events import KST, now_kst


class SilentFeed(ConnectionError):
    """Nothing arrived for too long while traffic was expected."""


@dataclass(frozen=True, slots=True)
class MarketHours:
    """KRX's regular session on weekdays (holidays are not known here: see ``expects``)."""

    start: time = time(9, 0)
    end: time = time(15, 30)
    weekdays: frozenset[int] = frozenset(range(5))

    def open_at(self, moment: datetime) -> bool:
        local = moment.astimezone(KST)
        return local.weekday() in self.weekdays and self.start <= local.time() < self.end


ALWAYS = MarketHours(time(0, 0), time(23, 59, 59, 999999), frozenset(range(7)))
"""For tests and for feeds that stream around the clock."""


@dataclass(frozen=True, slots=True)
class Watchdog:
    silence: float = 180.0
    hours: MarketHours = field(default_factory=MarketHours)
    now: Callable[[], datetime] = now_kst

    async def wait_silent(
        self, last_frame: Callable[[], float | None], expects: Callable[[], bool]
    ) -> str:
        """Return a reason once nothing has arrived for ``silence`` s while traffic is expected.

        ``last_frame`` gives the loop time of the latest frame; ``expects`` says whether the
        feed's subscriptions should be streaming now. Quiet time outside that does not count.
        """
        loop = asyncio.get_running_loop()
        quiet_since = loop.time()
        while True:
            await asyncio.sleep(self.silence / 4)
            moment = loop.time()
            last = last_frame()
            if last is not None and last > quiet_since:
                quiet_since = last
            if not (expects() and self.hours.open_at(self.now())):
                quiet_since = moment
            elif moment - quiet_since >= self.silence:
                return f"no data for {round(moment - quiet_since, 1):g}s during market hours"

    async def guard(
        self,
        work: Coroutine[Any, Any, None],
        last_frame: Callable[[], float | None],
        expects: Callable[[], bool],
    ) -> None:
        """Run ``work`` (a session's read loop); raise ``SilentFeed`` if the feed goes quiet."""
        reader = asyncio.ensure_future(work)
        silent = asyncio.ensure_future(self.wait_silent(last_frame, expects))
        try:
            done, _ = await asyncio.wait({reader, silent}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (reader, silent):
                task.cancel()
            await asyncio.gather(reader, silent, return_exceptions=True)
        if silent in done:
            raise SilentFeed(silent.result())
        reader.result()
