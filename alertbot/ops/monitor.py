"""Watching the bot's own health: feeds that stay down, delivery that stops moving.

A dropped broker connection is normal (the supervisor reconnects within seconds), so a feed
is only reported to the admin channel once it has been down longer than a threshold, and
then again when it is back. Delivery counts as stuck when messages wait and none has gone
out for a while.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable

from alertbot.feeds.base import FeedStatus
from alertbot.i18n import duration, t

log = logging.getLogger("alertbot.ops")

Clock = Callable[[], float]


class FeedMonitor:
    """Sends "feed down" once a feed has been down ``threshold`` seconds, "back up" when it is.

    "Down" is the feed's own ``FeedStatus.down_since`` (set when a session ends or fails, on
    the ``time.monotonic`` clock), so the first connection at start is not an outage.
    """

    def __init__(
        self,
        feeds: Callable[[], Iterable[tuple[str, FeedStatus]]],
        notice: Callable[[str], None],
        *,
        threshold: float = 60.0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.feeds = feeds
        self.notice = notice
        self.threshold = threshold
        self.clock = clock
        self._reported: dict[str, float] = {}
        """Feeds announced as down, with when they went down."""

    def check(self) -> None:
        """Look at every feed once; called every few seconds."""
        now = self.clock()
        for name, status in self.feeds():
            if status.ready:
                since = self._reported.pop(name, None)
                if since is not None:
                    self.notice(t("feed.up", feed=name, duration=duration(now - since)))
                continue
            since = status.down_since
            if status.stopped or since is None or name in self._reported:
                continue  # a stopped feed has told the admin itself, with the reason
            if now - since >= self.threshold:
                self._reported[name] = since
                why = t("feed.why", error=status.last_error) if status.last_error else ""
                self.notice(t("feed.down", feed=name, duration=duration(now - since), why=why))


class ProgressWatch:
    """Delivery is stuck when messages wait and nothing has gone out for ``stuck_after``."""

    def __init__(
        self, depth: Callable[[], int], *, stuck_after: float = 300.0, clock: Clock = time.monotonic
    ) -> None:
        self.depth = depth
        self.stuck_after = stuck_after
        self.clock = clock
        self._last_progress = clock()

    def progressed(self) -> None:
        """A message went out (or nothing was waiting)."""
        self._last_progress = self.clock()

    def stuck_for(self) -> float | None:
        """Seconds without progress while messages wait, once past ``stuck_after``; else None."""
        now = self.clock()
        if self.depth() == 0:
            self._last_progress = now
            return None
        idle = now - self._last_progress
        return idle if idle >= self.stuck_after else None


async def run_every(interval: float, *checks: Callable[[], object]) -> None:
    """Call each check every ``interval`` seconds until cancelled; a failing check is logged."""
    while True:
        for check in checks:
            try:
                check()
            except Exception:  # a monitor must never take the bot down
                log.exception("periodic check %s failed", getattr(check, "__qualname__", check))
        await asyncio.sleep(interval)
