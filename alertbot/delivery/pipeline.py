"""Delivery: from an ``Alert`` to messages on each of its channels, exactly once.

The stages, each a module with one job (after Alertmanager's notify pipeline):

    submit ─▶ dedupe (``dedupe``) ─▶ durable outbox (``outbox``) ─▶ one worker per channel
           (``worker``: plan a message or a storm digest (``grouping``), wait for the rate
           limits (``ratelimit``), send through the notifier, retry)

``submit`` never blocks the hot path: alerts submitted in one turn of the event loop are
written to the outbox in one transaction just after it (one fsync for a burst, not one per
alert), and only then can a worker see them — so nothing is ever sent that is not durable.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable, Mapping

from alertbot.alerts import Alert
from alertbot.delivery.clock import Clock
from alertbot.delivery.dedupe import DedupeLog
from alertbot.delivery.notifiers import Notifier
from alertbot.delivery.notifiers.base import PermanentError
from alertbot.delivery.outbox import NOTICE, Entry, Outbox, transaction
from alertbot.delivery.ratelimit import Limiter
from alertbot.delivery.worker import ChannelWorker, Policy
from alertbot.state import StateDB

log = logging.getLogger("alertbot.delivery")

EXPIRE_EVERY = 3600.0
"""Seconds between sweeps of expired dedupe keys."""
RETRY_WRITE = 1.0
"""Seconds before writing to the outbox again after the database refused."""


class Delivery:
    """``await start()``, then ``submit``/``notice`` from the event loop; ``drain``, ``close``."""

    def __init__(
        self,
        notifiers: Mapping[str, Notifier],
        state: StateDB,
        *,
        admin: Iterable[str] = (),
        clock: Clock | None = None,
        policy: Policy | None = None,
        dedupe_ttl: float | None = None,
    ) -> None:
        self.notifiers = dict(notifiers)
        self.admin = tuple(admin)
        self.clock = clock or Clock()
        self.outbox = Outbox(state)
        self.dedupe = DedupeLog(state) if dedupe_ttl is None else DedupeLog(state, dedupe_ttl)
        self._conn = state.conn
        limiter = Limiter(self.clock)
        self.workers = {
            name: ChannelWorker(
                notifier, self.outbox, limiter, self.clock, policy or Policy(), self._stopped
            )
            for name, notifier in self.notifiers.items()
        }
        self._incoming: list[Entry | tuple[Alert, str]] = []
        self._flush_scheduled = False
        self._last_expiry = 0.0
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Start a worker per channel; they send what a previous run left in the outbox."""
        for channel, count in self.outbox.counts().items():
            known = "" if channel in self.workers else " (no such channel now: kept)"
            log.info("outbox: %d pending for %s%s", count, channel, known)
        self._expire()
        for name, worker in self.workers.items():
            self._tasks.append(asyncio.create_task(worker.run(), name=f"deliver-{name}"))

    def submit(self, alert: Alert) -> None:
        """Queue the alert for each of its channels; never blocks the hot path."""
        for channel in alert.channels:
            if channel not in self.workers:
                log.error("alert %s names unknown channel %s", alert.rule, channel)
                continue
            self._incoming.append((alert, channel))
        self._schedule_flush()

    def notice(self, channels: Iterable[str], text: str) -> None:
        """The bot's own message (feed down, rules rejected) to the admin channels, durable."""
        created = self.clock.now().timestamp()
        for channel in channels:
            worker = self.workers.get(channel)
            if worker is None or worker.stopped is not None:
                log.warning("notice not sent to %s (unknown or stopped): %s", channel, text)
                continue
            self._incoming.append(Entry(channel, NOTICE, text, created))
        self._schedule_flush()

    def pending(self) -> int:
        """Messages owed and not yet accepted, on every channel (``/metrics``, ``/status``)."""
        return sum(self.outbox.counts().values()) + len(self._incoming)

    def _schedule_flush(self) -> None:
        if self._incoming and not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self.flush)

    def flush(self) -> None:
        """Write everything submitted so far to the outbox in one transaction, then wake
        the workers. Repeats (a dedupe key already claimed) are dropped here."""
        self._flush_scheduled = False
        incoming, self._incoming = self._incoming, []
        if not incoming:
            return
        now = self.clock.now().timestamp()
        woken: set[str] = set()
        dropped = 0
        try:
            with transaction(self._conn):
                for item in incoming:
                    if isinstance(item, Entry):
                        entry = item
                    else:
                        alert, channel = item
                        if not self.dedupe.claim(alert.dedupe_key(channel), now):
                            dropped += 1
                            continue
                        entry = _entry(alert, channel)
                    self.outbox.add(entry)
                    woken.add(entry.channel)
        except sqlite3.Error as exc:
            # Disk full, file locked: keep the alerts in memory and try again shortly.
            log.error("outbox write failed (%s); retrying in %gs", exc, RETRY_WRITE)
            self._incoming[:0] = incoming
            asyncio.get_running_loop().call_later(RETRY_WRITE, self.flush)
            return
        if dropped:
            log.info("dropped %d repeated alert(s) already delivered or queued", dropped)
        for channel in woken:
            self.workers[channel].notify()
        if now - self._last_expiry > EXPIRE_EVERY:
            self._expire()

    def _expire(self) -> None:
        now = self.clock.now().timestamp()
        self._last_expiry = now
        self.dedupe.expire(now)

    def _stopped(self, channel: str, error: PermanentError) -> None:
        """A channel failed for good: tell the admin channels that still work, once."""
        working = [
            name
            for name in self.admin
            if name != channel and (w := self.workers.get(name)) is not None and w.stopped is None
        ]
        if not working:
            log.error("no working admin channel to report that %s stopped", channel)
        self.notice(
            working,
            f"🤖 alertbot\n⛔ 채널 {channel} 전송 중지: {error}\n"
            "설정(토큰, chat_id, 봇 차단 여부)을 확인한 뒤 재시작하세요. "
            "보내지 못한 알림은 보관되어 재시작 후 전송됩니다.",
        )

    async def drain(self) -> None:
        """Wait until every working channel has sent everything it owes."""
        self.flush()
        await asyncio.gather(*(w.idle.wait() for w in self.workers.values()))

    async def close(self) -> None:
        """Commit what was submitted, stop the workers, release the clients."""
        self.flush()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for notifier in self.notifiers.values():
            await notifier.close()


def _entry(alert: Alert, channel: str) -> Entry:
    """The outbox row; an empty text (a template that rendered to nothing) would be refused
    by every service, so the summary stands in."""
    return Entry(
        channel=channel,
        kind=alert.kind,
        text=alert.text if alert.text.strip() else alert.summary or alert.rule,
        created=alert.created_at.timestamp(),
        summary=alert.summary,
        symbol=alert.symbol,
        rule=alert.rule,
    )
