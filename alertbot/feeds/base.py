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
from datetime import time as clock_time

from alertbot.events import KST, Event, now_kst
from alertbot.feeds.session import FatalFeedError, FeedError, FeedSilent, RetryLater
from alertbot.i18n import duration, t
from alertbot.redaction import Redactor
from alertbot.subscriptions import Subscriptions

EventSink = Callable[[Event], None]
"""Receives each parsed event, synchronously, on the hot path."""
NoticeSink = Callable[[str], None]
"""Receives the feed's messages for the admin channel (kicked, credentials refused, …)."""
RawSink = Callable[[str, str | bytes, datetime], None]
"""Receives every raw frame with its receive time (``alertbot record``)."""

log = logging.getLogger("alertbot.feeds")

LOGGED_FRAME_CHARS = 120
"""An unreadable frame is logged this far, no further: it may be huge, and logs are shared."""
KRX_OPEN, KRX_CLOSE = clock_time(8, 0), clock_time(20, 0)
"""NXT pre-market opens at 08:00 and its after-market ends at 20:00; KRX sits inside."""


def krx_session_open(now: datetime) -> bool:
    """Weekdays 08:00–20:00 KST: when a feed that goes quiet is broken, not just idle."""
    local = now.astimezone(KST)
    return local.weekday() < 5 and KRX_OPEN <= local.time() < KRX_CLOSE


@dataclass(slots=True)
class FeedStatus:
    """What health checks, metrics and ``/status`` read about a feed."""

    connected: bool = False
    logged_in: bool = False
    last_frame_monotonic: float | None = None
    last_event_monotonic: float | None = None
    """When the frame that carried the last event arrived (no clock read of its own)."""
    last_event_at: datetime | None = None
    connects: int = 0
    reconnects: int = 0
    unparsed: int = 0
    events: int = 0
    last_error: str = ""
    stopped: str = ""
    """Non-empty when the feed gave up for good; says why."""
    down_since: float | None = field(default=None)
    retry_in: float = 0.0
    """The pause chosen before the next connection attempt (0 while connected)."""
    silences: int = 0
    """Times the watchdog found the feed silent during market hours and reconnected."""

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
    """A broker connection kept alive by ``run``; subclasses implement ``connection``."""

    name: str = "feed"
    serves: frozenset[str] = frozenset()
    """The event kinds (rule ``event``) this feed can deliver."""

    def __init__(
        self,
        on_event: EventSink,
        on_notice: NoticeSink | None = None,
        on_raw: RawSink | None = None,
        backoff: Backoff | None = None,
        silence_timeout: float | None = None,
        market_hours: Callable[[datetime], bool] = krx_session_open,
        clock: Callable[[], datetime] = now_kst,
    ) -> None:
        """``silence_timeout``: seconds without a frame, in ``market_hours``, that mean dead."""
        self.on_event = on_event
        self.on_notice = on_notice or (lambda _text: None)
        self.on_raw = on_raw
        self.backoff = backoff or Backoff()
        self.silence_timeout = silence_timeout
        self.market_hours = market_hours
        self.clock = clock
        self.status = FeedStatus()
        self.subscriptions = Subscriptions()
        self.redact = Redactor()
        """Hides the feed's tokens (``redact.add``) from its log lines and notices."""
        self._stopping = asyncio.Event()
        self._silence_reported = False
        self._up_at: float | None = None

    def set_subscriptions(self, subscriptions: Subscriptions) -> None:
        """Called by the app whenever the rules change; a live session sends the difference."""
        self.subscriptions = subscriptions
        self.subscriptions_changed()

    def subscriptions_changed(self) -> None:  # noqa: B027 - optional hook
        """Hook for a live session to send the difference now."""

    @abstractmethod
    async def connection(self) -> None:
        """Connect, log in, subscribe, and read until the connection ends (return or raise)."""

    async def run(self) -> None:
        """Keep ``connection`` running until ``stop``; never gives up on a transient failure."""
        attempt = 0
        while not self._stopping.is_set():
            started = time.monotonic()
            delay: float | None = None
            try:
                await self._watched_session()
                reason = t("feed.closed")
            except asyncio.CancelledError:
                raise
            except FatalFeedError as exc:
                self._mark_down(str(exc))
                self.status.stopped = str(exc)
                log.error("%s feed stopped: %s", self.name, exc)
                self.on_notice(t("feed.stopped", feed=self.name, error=exc))
                return
            except RetryLater as exc:
                reason, delay = str(exc), exc.delay
            except FeedError as exc:
                reason = str(exc)
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
            self.status.retry_in = delay
            log.warning(
                "%s feed disconnected (%s); reconnecting in %.1fs", self.name, reason, delay
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay)
            self.status.retry_in = 0.0

    async def _watched_session(self) -> None:
        """``connection``, ended by the silence watchdog when the feed goes quiet in hours."""
        if self.silence_timeout is None:
            await self.connection()
            return
        session = asyncio.create_task(self.connection(), name=f"{self.name}-connection")
        watchdog = asyncio.create_task(self._watch_silence(self.silence_timeout))
        try:
            await asyncio.wait({session, watchdog}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (session, watchdog):
                task.cancel()
            await asyncio.gather(session, watchdog, return_exceptions=True)
        if session.done() and not session.cancelled():
            session.result()  # the session's own ending wins: its error or a plain close
            return
        watchdog.result()  # raises FeedSilent

    async def _watch_silence(self, timeout: float) -> None:
        """Raise ``FeedSilent`` once no frame came for ``timeout`` seconds in market hours."""
        started = since = time.monotonic()
        while True:
            last = max(self.status.last_frame_monotonic or since, since)
            if last - started >= timeout:
                self._silence_reported = False  # frames kept coming: this link is alive
            remaining = last + timeout - time.monotonic()
            if remaining > 0:
                await asyncio.sleep(remaining)
                continue
            if not self.market_hours(self.clock()):
                since = time.monotonic()  # quiet outside hours is normal: look again later
                continue
            self.silent(FeedSilent(t("feed.no_frame", duration=duration(timeout))))

    def silent(self, silence: FeedSilent) -> None:
        """Counted and raised; told once per outage: again only after data flowed between."""
        self.status.silences += 1
        if not self._silence_reported:
            self._silence_reported = True
            self.on_notice(t("feed.silent", feed=self.name, why=silence))
        raise silence

    def _mark_down(self, reason: str) -> None:
        """The outage starts now, unless the last connection did not last: a server that
        logs in and closes again and again is one long outage, not many short ones."""
        status = self.status
        now = time.monotonic()
        lasted = self._up_at is not None and now - self._up_at >= self.backoff.healthy_after
        status.connected = status.logged_in = False
        status.last_error = reason
        if status.down_since is None or lasted:
            status.down_since = now
        self._up_at = None

    def mark_up(self) -> None:
        """Called once logged in and subscribed; ``down_since`` stays until it lasts."""
        self.status.connected = True
        self.status.logged_in = True
        self.status.connects += 1
        self.status.last_error = ""
        self._up_at = time.monotonic()

    @property
    def stopping(self) -> bool:
        """``stop`` was called: a session that is just starting should not go on."""
        return self._stopping.is_set()

    def frame_received(self) -> None:
        """Sessions call this for every frame: the silence watchdog reads it."""
        self.status.last_frame_monotonic = time.monotonic()

    def count_unparsed(self, reason: str, frame: str | bytes) -> None:
        """A frame the protocol could not read: counted, logged short and without secrets."""
        self.status.unparsed += 1
        count = self.status.unparsed
        if count <= 10 or count % 1000 == 0:  # a stream of garbage must not flood the log
            text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
            log.warning(
                "%s: unreadable frame #%d (%s): %s",
                self.name,
                count,
                reason,
                self.redact(text)[:LOGGED_FRAME_CHARS],
            )

    def emit(self, event: Event) -> None:
        status = self.status
        status.events += 1
        status.last_event_at = event.time
        status.last_event_monotonic = status.last_frame_monotonic
        self.on_event(event)

    async def stop(self) -> None:
        """Ask ``run`` to end after the current session; subclasses close politely."""
        self._stopping.set()
