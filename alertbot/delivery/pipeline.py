"""Delivery: from an ``Alert`` to messages on each of its channels.

One queue and one worker per channel, so a slow or rate-limited service never holds up
another. (Durable outbox, dedupe, retry and storm grouping build on this: see the delivery
issue.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from alertbot.alerts import Alert
from alertbot.delivery.notifiers import Notifier
from alertbot.delivery.notifiers.base import DeliveryError

log = logging.getLogger("alertbot.delivery")


class Delivery:
    def __init__(self, notifiers: Mapping[str, Notifier]) -> None:
        self.notifiers = dict(notifiers)
        self._queues: dict[str, asyncio.Queue[tuple[str, tuple[str, str] | None]]] = {
            n: asyncio.Queue() for n in self.notifiers
        }
        self._workers: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        for name, notifier in self.notifiers.items():
            await notifier.start()
            self._workers.append(asyncio.create_task(self._work(name), name=f"deliver-{name}"))

    def submit(self, alert: Alert) -> None:
        """Queue the alert for each of its channels; never blocks the hot path."""
        for channel in alert.channels:
            queue = self._queues.get(channel)
            if queue is None:
                log.error("alert %s names unknown channel %s", alert.rule, channel)
                continue
            queue.put_nowait((alert.text, (alert.rule, alert.symbol)))

    def notice(self, channels: tuple[str, ...] | list[str], text: str) -> None:
        """The bot's own message (feed down, rules rejected) to the admin channels."""
        for channel in channels:
            if channel in self._queues:
                self._queues[channel].put_nowait((text, None))

    def pending(self) -> int:
        """Messages queued and not yet tried (``/metrics``, ``/status``)."""
        return sum(queue.qsize() for queue in self._queues.values())

    async def _work(self, name: str) -> None:
        queue, notifier = self._queues[name], self.notifiers[name]
        while True:
            text, mute = await queue.get()
            try:
                await notifier.send(text, mute=mute)
            except DeliveryError as exc:
                log.error("send to %s failed: %s", name, exc)
            finally:
                queue.task_done()

    async def drain(self) -> None:
        """Wait until every queued message has been tried."""
        await asyncio.gather(*(q.join() for q in self._queues.values()))

    async def close(self) -> None:
        for worker in self._workers:
            worker.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for notifier in self.notifiers.values():
            await notifier.close()
