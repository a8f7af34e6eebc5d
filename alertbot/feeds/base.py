"""What every feed offers the app, and the supervision loop that keeps it connected.

A feed owns one broker connection. The app gives it three callbacks and the subscriptions the
rules need; the feed never sees rules, chat services or the outbox (DESIGN.md: feeds import
neither engine nor delivery).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from alertbot.events import Event
from alertbot.subscriptions import Subscriptions

EventSink = Callable[[Event], None]
"""Receives each parsed event, synchronously, on the hot path."""
NoticeSink = Callable[[str], None]
"""Receives the feed's messages for the admin channel (kicked, credentials refused, …)."""
RawSink = Callable[[str, str | bytes, datetime], None]
"""Receives every raw frame with its receive time (``alertbot record``)."""

log = logging.getLogger("alertbot.feeds")


class FatalFeedError(Exception):
    """The feed cannot go on without a person (wrong app key): stop retrying, tell the admin."""


class RetryLater(Exception):
    """The connection ended in a way that asks for a long pause before the next attempt."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


@dataclass(slots=True)
class FeedStatus:
    """What health checks, metrics and ``/status`` read about a feed."""

    connected: bool = False
    logged_in: bool = False
    last_frame_monotonic: float | None = None
    last_event_at: datetime | None = None
    connects: int = 0
    reconnects: int = 0
    unparsed: int = 0
    events: int = 0
    last_error: str = ""
    stopped: str = ""
    """Non-empty when the feed gave up for good; says why."""
    down_since: float | None = field(default=None)

    @property
    def ready(self) -> bool:
        return self.connected and self.logged_in


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter, capped; reset after a connection that lasted."""

    initial: float = 0.5
    maximum: float = 60.0
    factor: float = 2.0
    healthy_after: float = 30.0
    """A connection that stayed up this long resets the delay to ``initial``."""

    def delay(self, attempt: int) -> float:
        ceiling = min(self.maximum, self.initial * self.factor**attempt)
        return random.uniform(ceiling / 2, ceiling)


class Feed(ABC):
    """A broker connection kept alive by ``run``; subclasses implement ``session``."""

    name: str = "feed"

    def __init__(
        self,
        on_event: EventSink,
        on_notice: NoticeSink | None = None,
        on_raw: RawSink | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        self.on_event = on_event
        self.on_notice = on_notice or (lambda _text: None)
        self.on_raw = on_raw
        self.backoff = backoff or Backoff()
        self.status = FeedStatus()
        self.subscriptions = Subscriptions()
        self._stopping = asyncio.Event()

    def set_subscriptions(self, subscriptions: Subscriptions) -> None:
        """Called by the app whenever the rules change; a live session sends the difference."""
        self.subscriptions = subscriptions
        self.subscriptions_changed()

    def subscriptions_changed(self) -> None:  # noqa: B027 - optional hook
        """Hook for a live session to send the difference now."""

    @abstractmethod
    async def session(self) -> None:
        """Connect, log in, subscribe, and read until the connection ends (return or raise)."""

    async def run(self) -> None:
        """Keep ``session`` running until ``stop``; never gives up on a transient failure."""
        attempt = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            delay: float | None = None
            try:
                await self.session()
                reason = "connection closed"
            except asyncio.CancelledError:
                raise
            except FatalFeedError as exc:
                self._mark_down(str(exc))
                self.status.stopped = str(exc)
                log.error("%s feed stopped: %s", self.name, exc)
                self.on_notice(f"{self.name} feed stopped: {exc}")
                return
            except RetryLater as exc:
                reason, delay = str(exc), exc.delay
            except Exception as exc:  # any failure of one session is a reason to reconnect
                reason = f"{type(exc).__name__}: {exc}"
            self._mark_down(reason)
            if self._stopping.is_set():
                return
            if time.monotonic() - started >= self.backoff.healthy_after:
                attempt = 0
            if delay is None:
                delay = self.backoff.delay(attempt)
                attempt += 1
            self.status.reconnects += 1
            log.warning(
                "%s feed disconnected (%s); reconnecting in %.1fs", self.name, reason, delay
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)

    def _mark_down(self, reason: str) -> None:
        self.status.connected = False
        self.status.logged_in = False
        self.status.last_error = reason
        if self.status.down_since is None:
            self.status.down_since = time.monotonic()

    def mark_up(self) -> None:
        """Sessions call this once logged in and subscribed."""
        self.status.connected = True
        self.status.logged_in = True
        self.status.connects += 1
        self.status.down_since = None
        self.status.last_error = ""

    def emit(self, event: Event) -> None:
        self.status.events += 1
        self.status.last_event_at = event.time
        self.on_event(event)

    async def stop(self) -> None:
        """Ask ``run`` to end after the current session; subclasses close politely."""
        self._stopping.set()
