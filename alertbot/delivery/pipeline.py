"""Delivery: from an ``Alert`` to messages on each of its channels, exactly once.

One chain of small stages, each with one job (after Alertmanager's notify pipeline):

    submit ─▶ mute ─▶ dedupe + outbox (``store``: durable before any send) ─▶ one worker per
    channel (``worker``): group (``grouping``) ─▶ rate limit (``ratelimit``) ─▶ send, retry

- **mute** (``submit``): a muted alert stops here and takes back the cooldown it started.
- **dedupe + outbox** (``flush``): alerts submitted in one turn of the event loop are stored
  just after it, in one transaction (one fsync for a burst), each alert atomically with its
  cooldown and dedupe keys; an alert that cannot be stored costs no other its place. Only
  then can a worker see them — nothing is sent that is not durable.
- The workers report what happens (sent, failed, stopped, set aside) to ``Observer`` (the
  metrics) and turn stops and dead letters into admin notices.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from alertbot.alerts import Alert, CooldownMark
from alertbot.delivery.clock import Clock
from alertbot.delivery.notifiers import Notifier
from alertbot.delivery.notifiers.base import PermanentError
from alertbot.delivery.ratelimit import Limiter
from alertbot.delivery.store import NOTICE, DeliveryStore, Entry, Submission
from alertbot.delivery.worker import ChannelWorker, Policy
from alertbot.i18n import t
from alertbot.state import STORE_ERRORS, StateDB

log = logging.getLogger("alertbot.delivery")

EXPIRE_EVERY = 3600.0
"""Seconds between sweeps of expired dedupe keys."""
RETRY_WRITE = 1.0
"""Seconds before writing to the outbox again after the database refused."""
HEADER = "🤖 alertbot\n"


class Observer(Protocol):
    """What delivery reports as it works (``alertbot/ops/metrics.py`` counts it)."""

    def muted(self, rule: str) -> None: ...

    def sent(self, channel: str, alerts: int) -> None: ...

    def failed(self, channel: str, error: BaseException) -> None: ...

    def set_aside(self, channel: str) -> None: ...


class NoObserver:
    def muted(self, rule: str) -> None:
        pass

    def sent(self, channel: str, alerts: int) -> None:
        pass

    def failed(self, channel: str, error: BaseException) -> None:
        pass

    def set_aside(self, channel: str) -> None:
        pass


class CooldownLedger(Protocol):
    """The engine's in-memory cooldowns: a muted or unstored alert takes its mark back."""

    def revert(self, mark: CooldownMark) -> None: ...


class Delivery:
    """``await start()``, then ``submit``/``notice`` from the event loop; ``drain``, ``close``."""

    def __init__(
        self,
        notifiers: Mapping[str, Notifier],
        state: StateDB | None,
        *,
        store: DeliveryStore | None = None,
        admin: Iterable[str] = (),
        clock: Clock | None = None,
        policy: Policy | None = None,
        dedupe_ttl: float | None = None,
        muted: Callable[[str, str], bool] | None = None,
        cooldowns: CooldownLedger | None = None,
        observer: Observer | None = None,
    ) -> None:
        self.notifiers = dict(notifiers)
        self.admin = tuple(admin)
        self.clock = clock or Clock()
        if store is None:  # the embedded SQLite file; an HA group passes its PostgreSQL store
            assert state is not None
            store = DeliveryStore(state) if dedupe_ttl is None else DeliveryStore(state, dedupe_ttl)
        self.store = store
        self.muted = muted or (lambda _rule, _symbol: False)
        self.cooldowns = cooldowns
        self.observer = observer or NoObserver()
        limiter = Limiter(self.clock)
        self.workers = {
            name: ChannelWorker(notifier, self.store, limiter, self.clock, policy or Policy(), self)
            for name, notifier in self.notifiers.items()
        }
        self._incoming: list[Alert | Entry] = []
        self._flush_scheduled = False
        self._retry: asyncio.TimerHandle | None = None
        """The next try to store what the database refused (None: nothing waits)."""
        self._last_expiry = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start a worker per channel; they send what a previous run left in the outbox.
        Rows owed to a channel that no longer exists are set aside and reported, once."""
        now = self.clock.now().timestamp()
        for channel, count in self.store.counts().items():
            if channel in self.workers:
                log.info("outbox: %d pending for %s", count, channel)
                continue
            moved = self.store.set_aside_channel(channel, "channel removed", now)
            log.error("outbox: %d pending for %s, a channel no longer configured", moved, channel)
            self.notice(
                self.admin,
                HEADER + t("channel.gone", channel=channel, count=moved),
            )
        self._expire()
        for name, worker in self.workers.items():
            self._tasks.append(asyncio.create_task(worker.run(), name=f"deliver-{name}"))

    # ------------------------------------------------------------------ the stages

    def submit(self, alert: Alert) -> None:
        """Mute stage, then queue for the outbox; never blocks the hot path."""
        if self.muted(alert.rule, alert.symbol):
            self._take_back(alert)
            self.observer.muted(alert.rule)
            log.info("alert %s muted: %s", alert.rule, alert.summary)
            return
        log.info("alert %s: %s → %s", alert.rule, alert.summary, ", ".join(alert.channels))
        self._incoming.append(alert)
        self._schedule_flush()

    def notice(self, channels: Iterable[str], text: str) -> None:
        """The bot's own message (feed down, rules rejected) to the admin channels, durable."""
        created = self.clock.now().timestamp()
        for channel in channels:
            worker = self.workers.get(channel)
            if worker is None or worker.stopped is not None:
                log.warning("notice not sent to %s (unknown or stopped): %s", channel, text)
                continue
            self._incoming.append(Entry(channel, NOTICE, _clean(text), created))
        self._schedule_flush()

    def _schedule_flush(self) -> None:
        if self._incoming and not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Store everything submitted so far (dedupe + outbox, one transaction), then wake
        the workers. Repeats (a dedupe key already claimed) are dropped here."""
        self._flush_scheduled = False
        incoming, self._incoming = self._incoming, []
        if not incoming:
            return
        now = self.clock.now().timestamp()
        submissions = [self._submission(item) for item in incoming]
        try:
            results = self.store.commit(submissions, now)
        except STORE_ERRORS as exc:
            # Disk full, file locked: keep the alerts in memory and try again shortly.
            log.error("outbox write failed (%s); retrying in %gs", exc, RETRY_WRITE)
            self._incoming[:0] = incoming
            if self._retry is None:
                self._retry = asyncio.get_running_loop().call_later(RETRY_WRITE, self._flush_again)
            return
        woken: set[str] = set()
        repeats = 0
        for item, result in zip(incoming, results, strict=True):
            repeats += result.repeats
            woken.update(result.channels)
            if result.error is not None:
                what = item.rule if isinstance(item, Alert) else "notice"
                log.error("%s could not be stored and is lost: %r", what, result.error)
                if isinstance(item, Alert):
                    self._take_back(item)
        if repeats:
            log.info("dropped %d repeated alert(s) already delivered or queued", repeats)
        for channel in woken:
            self.workers[channel].notify()
        if now - self._last_expiry > EXPIRE_EVERY:
            self._expire()

    def _flush_again(self) -> None:
        self._retry = None
        self.flush()

    def _submission(self, item: Alert | Entry) -> Submission:
        if isinstance(item, Entry):
            return Submission([(item, None)])
        entries = []
        for channel in item.channels:
            if channel in self.workers:
                entries.append((_entry(item, channel), item.dedupe_key(channel)))
            else:
                log.error("alert %s names unknown channel %s", item.rule, channel)
        return Submission(entries, item.cooldown)

    def _take_back(self, alert: Alert) -> None:
        if alert.cooldown is not None and self.cooldowns is not None:
            self.cooldowns.revert(alert.cooldown)

    def _expire(self) -> None:
        now = self.clock.now().timestamp()
        self._last_expiry = now
        self.store.expire_keys(now)

    # ------------------------------------------------------------------ what workers report

    def stopped(self, channel: str, error: PermanentError) -> None:
        """A channel is refused: tell every admin channel that still works, once."""
        self.observer.failed(channel, error)
        working = [name for name in self.admin if name != channel]
        self.notice(
            working,
            HEADER + t("channel.stopped", channel=channel, error=error),
        )

    def resumed(self, channel: str) -> None:
        self.notice(self.admin, HEADER + t("channel.resumed", channel=channel))

    def set_aside(self, channel: str, entries: list[Entry], reason: str) -> None:
        """A message was refused for itself: say which, where everyone admin can read it
        (not to the refusing channel when the refused message was itself a notice)."""
        for entry in entries:
            self.observer.set_aside(channel)
            what = (
                t("channel.set_aside.notice")
                if entry.notice
                else t("channel.set_aside.alert", rule=entry.rule, symbol=entry.symbol or "-")
            )
            targets = [n for n in self.admin if not (entry.notice and n == channel)]
            self.notice(
                targets,
                HEADER + t("channel.set_aside", channel=channel, what=what, reason=reason),
            )

    def sent(self, channel: str, alerts: int) -> None:
        self.observer.sent(channel, alerts)

    def failed(self, channel: str, error: BaseException) -> None:
        if not isinstance(error, PermanentError):  # counted once, when the channel stops
            self.observer.failed(channel, error)

    # ------------------------------------------------------------------ what ops reads

    def pending(self) -> int:
        """Messages owed and not yet accepted, on every channel (``/metrics``, ``/status``)."""
        return sum(self.store.counts().values()) + len(self._incoming)

    def dead_letters(self) -> int:
        return self.store.dead_letters()

    def problems(self) -> list[str]:
        """Channels that are stopped, and why (``/readyz``)."""
        return [
            t("ready.channel_stopped", channel=name, error=worker.stopped)
            for name, worker in self.workers.items()
            if worker.stopped is not None
        ]

    # ------------------------------------------------------------------ lifecycle

    async def drain(self) -> None:
        """Wait until every working channel has sent everything it owes (stopped ones owe
        nothing they can send: they are idle)."""
        self.flush()
        while not all(w.idle.is_set() for w in self.workers.values()):
            await asyncio.gather(*(w.idle.wait() for w in self.workers.values()))
            await asyncio.sleep(0)  # a notice made by the last send gets flushed

    async def drain_for(self, seconds: float) -> bool:
        """``drain``, giving up after ``seconds`` (False): what is left stays in the outbox
        for the next start."""
        try:
            await asyncio.wait_for(self.drain(), seconds)
        except TimeoutError:
            log.warning("delivery: %d messages not sent in %.0fs", self.pending(), seconds)
            return False
        return True

    async def close(self) -> None:
        """Commit what was submitted, stop the workers, release the clients."""
        self.flush()
        if self._retry is not None:
            self._retry.cancel()
            log.error("%d alert(s) could not be stored before stopping", len(self._incoming))
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for notifier in self.notifiers.values():
            await notifier.close()


def _clean(text: str) -> str:
    """Text every database and service takes: a lone surrogate becomes "?"."""
    return text.encode("utf-8", "replace").decode("utf-8")


def _entry(alert: Alert, channel: str) -> Entry:
    """The outbox row; an empty text (a template that rendered to nothing) would be refused
    by every service, so the summary stands in."""
    text = alert.text if alert.text.strip() else alert.summary or alert.rule
    return Entry(
        channel=channel,
        kind=alert.kind,
        text=_clean(text),
        created=alert.created_at.timestamp(),
        summary=_clean(alert.summary),
        symbol=alert.symbol,
        rule=alert.rule,
    )
