"""Time for delivery, injectable: rate limits, backoff and "late" marks all read it.

Tests pass a virtual clock whose ``sleep`` advances time at once, so a 429 with
``retry_after=1`` or a storm drained at one message per second runs in milliseconds while
the order and spacing of sends stay exactly what they would be in real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime

from alertbot.events import now_kst


class Clock:
    """The real clock."""

    def monotonic(self) -> float:
        """Seconds for measuring intervals (rate limits); never jumps with NTP."""
        return time.monotonic()

    def now(self) -> datetime:
        """Wall time in KST, for how late an alert is."""
        return now_kst()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class WallClock(Clock):
    """Real intervals and sleeps, with another wall time for how late an alert is: the app's
    clock, which ``alertbot demo`` runs on the played day's time."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now()
