"""One channel's sender: plan the next message from the outbox, wait for the rate limits,
send, and retry with tenacity until the service takes it.

- Transient errors back off exponentially with jitter, capped; the outbox keeps the message
  meanwhile, so an hour-long outage loses nothing.
- A 429 waits exactly the ``retry_after`` the service gave, and blocks that destination only.
- A permanent error stops this channel (its messages stay in the outbox for the next start)
  and is reported once through ``on_stopped``.

Each attempt plans afresh, so alerts that arrived during a wait join the next digest; only a
message already partly sent (split into several parts) is finished as it was.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from alertbot.delivery.clock import Clock
from alertbot.delivery.grouping import Batch, plan
from alertbot.delivery.notifiers.base import (
    DeliveryError,
    Message,
    Notifier,
    PermanentError,
    RateLimited,
    TransientError,
)
from alertbot.delivery.outbox import Outbox
from alertbot.delivery.ratelimit import Limiter

log = logging.getLogger("alertbot.delivery")


@dataclass(frozen=True, slots=True)
class Policy:
    """How delivery behaves; every time is in seconds."""

    backoff_first: float = 0.5
    backoff_max: float = 30.0
    jitter: float = 0.5
    storm_at: int = 4
    """A backlog of this many alerts for one channel is sent as digests."""
    late_after: float = 60.0
    """An alert sent this long after it was made is marked "⏰ 지연"."""


class ChannelWorker:
    def __init__(
        self,
        notifier: Notifier,
        outbox: Outbox,
        limiter: Limiter,
        clock: Clock,
        policy: Policy,
        on_stopped: Callable[[str, PermanentError], None],
    ) -> None:
        self.name = notifier.name
        self.notifier = notifier
        self.outbox = outbox
        self.limiter = limiter
        self.clock = clock
        self.policy = policy
        self.on_stopped = on_stopped
        self.stopped: PermanentError | None = None
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        self._partial: tuple[Batch, int] | None = None
        """A message some of whose parts the service already took, and how many."""
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_first, max=policy.backoff_max, jitter=policy.jitter
        )

    async def run(self) -> None:
        """Check the credentials, then send whatever the outbox holds, forever."""
        try:
            await self.notifier.check()
        except PermanentError as exc:
            self._stop(exc)
        except DeliveryError as exc:
            log.warning("%s: credentials check failed, will try when sending: %s", self.name, exc)
        except Exception as exc:  # a notifier bug must not stop delivery
            detail = self.notifier.redact(repr(exc))
            log.warning("%s: credentials check failed unexpectedly: %s", self.name, detail)
        while self.stopped is None:
            try:
                if self.outbox.pending(self.name):
                    self.idle.clear()
                    await self._deliver()
                    continue
            except PermanentError as exc:
                self._stop(exc)
                break
            except sqlite3.Error as exc:
                log.error("%s: outbox unavailable (%s); trying again", self.name, exc)
                await self.clock.sleep(self.policy.backoff_max)
                continue
            self.idle.set()
            await self.wake.wait()
            self.wake.clear()
        self.idle.set()

    def notify(self) -> None:
        """New entries were committed for this channel."""
        self.idle.clear()
        self.wake.set()

    async def _deliver(self) -> None:
        retrying = AsyncRetrying(
            retry=retry_if_exception_type((TransientError, RateLimited)),
            wait=self._wait,
            sleep=self.clock.sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                await self._attempt()

    async def _attempt(self) -> None:
        entries = self.outbox.pending(self.name)
        if not entries:
            return
        # A destination without rate limits (the console) is never behind: no digests.
        storm_at = self.policy.storm_at if self.notifier.limits() else len(entries) + 1
        batch, done = self._partial or (
            plan(
                entries,
                max_text=self.notifier.max_text,
                storm_at=storm_at,
                now=self.clock.now(),
                late_after=self.policy.late_after,
            ),
            0,
        )
        parts = self.notifier.split(batch.message)
        for index in range(done, len(parts)):
            self._partial = (batch, index) if index else None
            windows = self.notifier.limits()
            await self.limiter.acquire(windows)
            try:
                await self._send(parts[index])
            except RateLimited as exc:
                if windows:
                    self.limiter.block(windows[0].key, exc.retry_after)
                raise
            except TransientError as exc:
                if exc.maybe_delivered:
                    self.outbox.mark_uncertain(batch.ids)
                raise
            except asyncio.CancelledError:
                # Shutting down mid-request: the service may have taken it.
                self.outbox.mark_uncertain(batch.ids)
                raise
        self._partial = None
        self.outbox.remove(batch.ids)

    async def _send(self, part: Message) -> None:
        """The notifier's send, with any unexpected exception turned into a transient one."""
        try:
            await self.notifier.send(part)
        except DeliveryError:
            raise
        except Exception as exc:
            # No traceback: a library's message may quote a URL with the token in it.
            detail = self.notifier.redact(repr(exc))
            log.error("%s: notifier failed unexpectedly: %s", self.name, detail)
            raise TransientError(f"{self.name}: unexpected {type(exc).__name__}") from None

    def _wait(self, state: RetryCallState) -> float:
        """Exactly ``retry_after`` for a 429; capped exponential backoff with jitter else."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            return error.retry_after
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pending = len(self.outbox.pending(self.name))
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: send failed (%s); %d pending, retry in %.1fs", self.name, error, pending, wait
        )

    def _stop(self, error: PermanentError) -> None:
        self.stopped = error
        self._partial = None
        log.error("%s: stopped: %s (its messages stay in the outbox)", self.name, error)
        self.on_stopped(self.name, error)
