"""One channel's sender: plan the next message from the outbox, wait for the rate limits,
mark it "sending", send, and retry with tenacity until the service takes it.

What each answer does:

- Transient errors back off exponentially with jitter, capped; the outbox keeps the message
  meanwhile, so an hour-long outage loses nothing. A 429 waits exactly the ``retry_after``
  the service gave, and blocks that destination only.
- ``MessageRejected`` (the service refuses this message): a digest falls back to its alerts
  one by one; a single message is sent once more in the safe form (plain text, no markup, no
  button, split anew), and if that is refused too it is set aside as a dead letter and
  reported — the rest of the channel keeps flowing.
- ``PermanentError`` (the service refuses the channel): the channel stops and says so; its
  messages stay in the outbox. Every ``probe_every`` seconds the next message is tried
  again, and the first one the service takes resumes the channel.

Rows are marked "sending" durably before each request goes out, and unmarked when the
failure proves nothing was shown; a marked row is resent with "🔁 재전송".
"""

from __future__ import annotations

import asyncio
import logging
import math
from dataclasses import dataclass, replace
from typing import Protocol

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    wait_exponential_jitter,
)

from alertbot.delivery.clock import Clock
from alertbot.delivery.grouping import READ_AT_MOST, Batch, plan
from alertbot.delivery.notifiers.base import (
    DeliveryError,
    Message,
    MessageRejected,
    Notifier,
    PermanentError,
    RateLimited,
    TransientError,
)
from alertbot.delivery.ratelimit import Limiter
from alertbot.delivery.store import DeliveryStore, Entry
from alertbot.state import STORE_ERRORS

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
    probe_every: float = 300.0
    """A stopped channel tries its next message this often (``inf``: never)."""


class WorkerEvents(Protocol):
    """What a worker reports to the pipeline (notices) and to whoever observes delivery."""

    def stopped(self, channel: str, error: PermanentError) -> None: ...

    def resumed(self, channel: str) -> None: ...

    def set_aside(self, channel: str, entries: list[Entry], reason: str) -> None: ...

    def sent(self, channel: str, alerts: int) -> None: ...

    def failed(self, channel: str, error: BaseException) -> None: ...


class ChannelWorker:
    def __init__(
        self,
        notifier: Notifier,
        store: DeliveryStore,
        limiter: Limiter,
        clock: Clock,
        policy: Policy,
        events: WorkerEvents,
    ) -> None:
        self.name = notifier.name
        self.notifier = notifier
        self.store = store
        self.limiter = limiter
        self.clock = clock
        self.policy = policy
        self.events = events
        self.stopped: PermanentError | None = None
        self.wake = asyncio.Event()
        self.idle = asyncio.Event()
        """Set while the channel owes nothing it can send (empty, or stopped)."""
        self._partial: tuple[Batch, int] | None = None
        """A message some of whose parts the service already took, and how many."""
        self._singles_through = 0
        """Rows up to this id go one by one: a digest holding them was refused."""
        self._unremoved: tuple[int, ...] = ()
        """Rows the service took whose delete failed: deleted again, never sent again."""
        self._backoff = wait_exponential_jitter(
            multiplier=policy.backoff_first, max=policy.backoff_max, jitter=policy.jitter
        )

    async def run(self) -> None:
        """Check the credentials, then send whatever the outbox holds, forever."""
        await self._check()
        while True:
            if self.stopped is not None:
                await self._probe_due()
            try:
                if self._unremoved:
                    self._forget_sent()
                if self._partial is None and not self.store.oldest(self.name, 1):
                    self.idle.set()
                    await self.wake.wait()
                    self.wake.clear()
                    continue
                if self.stopped is None:
                    self.idle.clear()
                await self._deliver()
            except PermanentError as exc:
                self._stop(exc)
            except STORE_ERRORS as exc:
                log.error("%s: outbox unavailable (%s); trying again", self.name, exc)
                await self.clock.sleep(self.policy.backoff_max)

    def notify(self) -> None:
        """New entries were committed for this channel."""
        if self.stopped is None:
            self.idle.clear()
        self.wake.set()

    async def _check(self) -> None:
        try:
            await self.notifier.check()
        except PermanentError as exc:
            self._stop(exc)
        except DeliveryError as exc:
            log.warning("%s: credentials check failed, will try when sending: %s", self.name, exc)
        except Exception as exc:  # a notifier bug must not stop delivery
            detail = self.notifier.redact(repr(exc))
            log.warning("%s: credentials check failed unexpectedly: %s", self.name, detail)

    async def _probe_due(self) -> None:
        if math.isinf(self.policy.probe_every):
            await asyncio.Event().wait()  # until cancelled
        await self.clock.sleep(self.policy.probe_every)

    # ------------------------------------------------------------------ planning

    def _plan(self) -> Batch | None:
        """The next message from the oldest rows: bounded reads, whatever the backlog."""
        if self._partial is not None:
            return self._partial[0]
        entries = self.store.oldest(self.name, READ_AT_MOST)
        if not entries:
            return None
        # A destination without rate limits (the console) is never behind: no digests.
        digests = self.notifier.limits() and entries[0].id > self._singles_through
        storm_at = self.policy.storm_at if digests else READ_AT_MOST + 1
        alerts = sum(1 for e in entries if not e.notice)
        return plan(
            entries,
            max_text=self.notifier.max_text,
            storm_at=storm_at,
            now=self.clock.now(),
            late_after=self.policy.late_after,
            totals=self.store.alert_kinds(self.name) if alerts >= storm_at else None,
            measure=lambda text: self.notifier.measure(text, False),
        )

    # ------------------------------------------------------------------ sending

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
        """Plan afresh (alerts that arrived during a wait join the digest), then send."""
        batch = self._plan()
        if batch is None:
            return
        try:
            await self._send_batch(batch)
        except MessageRejected as exc:
            await self._refused(batch, exc)
            return
        self._sent(batch)

    async def _send_batch(self, batch: Batch) -> None:
        """Every part not yet taken; rows marked "sending" before the first request."""
        done = self._partial[1] if self._partial is not None else 0
        parts = self.notifier.split(batch.message)
        for index in range(done, len(parts)):
            self._partial = (batch, index) if index else None
            windows = self.notifier.limits()
            await self.limiter.acquire(windows)
            if index == 0:
                self.store.mark_sending(batch.ids)
            try:
                await self._send(parts[index])
            except (RateLimited, TransientError, MessageRejected, PermanentError) as exc:
                self.events.failed(self.name, exc)
                if isinstance(exc, RateLimited) and windows:
                    self.limiter.block(windows[0].key, exc.retry_after)
                shown = isinstance(exc, TransientError) and exc.maybe_delivered
                if index == 0 and not shown:
                    self.store.mark_sending(batch.ids, False)
                raise
        self._partial = None

    async def _send(self, part: Message) -> str | None:
        """The notifier's send, with any unexpected exception turned into a transient one
        that may have shown the message (a resend is marked, never silent)."""
        try:
            return await self.notifier.send(part)
        except DeliveryError:
            raise
        except Exception as exc:
            # No traceback: a library's message may quote a URL with the token in it.
            detail = self.notifier.redact(repr(exc))
            log.error("%s: notifier failed unexpectedly: %s", self.name, detail)
            raise TransientError(
                f"{self.name}: unexpected {type(exc).__name__}", maybe_delivered=True
            ) from None

    def _sent(self, batch: Batch) -> None:
        """The service took every part: the rows leave the outbox."""
        self.events.sent(self.name, len(batch.ids))
        if self.stopped is not None:
            log.warning("%s: sending again", self.name)
            self.stopped = None
            self.events.resumed(self.name)
        self._unremoved = batch.ids
        self._forget_sent()

    def _forget_sent(self) -> None:
        self.store.sent(self._unremoved)
        self._unremoved = ()

    async def _refused(self, batch: Batch, error: MessageRejected) -> None:
        """Digest → one by one; single → the safe form once; refused again → set aside."""
        self._partial = None
        if len(batch.ids) > 1:
            log.warning("%s: digest refused (%s); sending its alerts one by one", self.name, error)
            self._singles_through = max(batch.ids)
            return
        if not batch.message.safe:
            log.warning("%s: message refused (%s); trying it as plain text", self.name, error)
            safe = replace(batch, message=replace(batch.message, safe=True, mute=None))
            try:
                await self._send_batch(safe)
            except MessageRejected as again:
                error = again
            else:
                self._sent(safe)
                return
        reason = str(error)
        entries = self.store.set_aside(batch.ids, reason, self.clock.now().timestamp())
        log.error("%s: message set aside as a dead letter: %s", self.name, reason)
        self.events.set_aside(self.name, entries, reason)

    def _wait(self, state: RetryCallState) -> float:
        """Exactly ``retry_after`` for a 429; capped exponential backoff with jitter else."""
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RateLimited):
            return error.retry_after
        return float(self._backoff(state))

    def _log_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pending = self.store.counts().get(self.name, 0)
        wait = state.next_action.sleep if state.next_action else 0.0
        log.warning(
            "%s: send failed (%s); %d pending, retry in %.1fs", self.name, error, pending, wait
        )

    def _stop(self, error: PermanentError) -> None:
        self._partial = None
        first = self.stopped is None
        self.stopped = error
        self.idle.set()
        if first:
            log.error("%s: stopped: %s (its messages stay in the outbox)", self.name, error)
            self.events.stopped(self.name, error)
