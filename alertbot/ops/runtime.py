"""The bot's self-watching, started beside it: health and metrics over HTTP, the feed monitor,
and the Telegram command pollers.

It sees the running bot only through the ``Control`` hooks (what ``/status`` reads, ``/test``
does) and the callables it is given, so the app wires it in a few lines.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, Protocol

from alertbot.alerts import Alert
from alertbot.delivery.notifiers import Notifier
from alertbot.delivery.notifiers.telegram import TelegramNotifier
from alertbot.events import now_kst
from alertbot.feeds.base import FeedStatus
from alertbot.i18n import duration, t
from alertbot.ops.commands import Control, TelegramChannel, command_bots
from alertbot.ops.config import OpsConfig
from alertbot.ops.http import OpsServer
from alertbot.ops.metrics import Metrics
from alertbot.ops.monitor import FeedMonitor, ProgressWatch, run_every
from alertbot.settings import HostPort

log = logging.getLogger("alertbot")


def telegram_channels(notifiers: Mapping[str, Notifier]) -> list[TelegramChannel]:
    """The parts of every Telegram channel that the command pollers need."""
    return [
        TelegramChannel(
            name,
            n.options.token.get_secret_value(),
            n.options.base_url,
            n.options.chat_id,
            tuple(n.options.allowed_chats) if n.options.allowed_chats is not None else None,
            n.options.commands,
        )
        for name, n in notifiers.items()
        if isinstance(n, TelegramNotifier)
    ]


def sample_alert(channels: tuple[str, ...]) -> Alert:
    """What ``/test`` sends through the real delivery path."""
    now = now_kst()
    return Alert(
        rule="test",
        event_key=f"test:{time.time_ns()}",
        channels=channels,
        text=t("test.text"),
        kind="vi",
        symbol="005930",
        summary=t("test.summary"),
        event_time=now,
        created_at=now,
    )


def feed_problems(feeds: Iterable[tuple[str, FeedStatus]]) -> list[str]:
    """``/readyz`` lines for the feeds that are not logged in and subscribed."""
    return [
        t(
            "ready.feed",
            feed=name,
            reason=status.stopped or status.last_error or t("ready.not_connected"),
        )
        for name, status in feeds
        if not status.ready
    ]


class Watched(Control, Protocol):
    """The running bot as ops sees it (``alertbot.ops.view.BotView``)."""

    def readiness(self) -> list[str]: ...

    def feed_statuses(self) -> list[tuple[str, FeedStatus]]: ...

    def channels_stopped(self) -> dict[str, bool]: ...


class OpsRuntime:
    """``await runtime.start(…)`` once the bot runs; ``await runtime.stop()`` before it stops."""

    def __init__(self, config: OpsConfig, metrics: Metrics, progress: ProgressWatch) -> None:
        self.config = config
        self.metrics = metrics
        self.progress = progress
        self.http: OpsServer | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(
        self,
        address: HostPort | None,
        bot: Watched,
        *,
        notice: Callable[[str], None],
        commands: Mapping[str, Notifier] | None,
    ) -> None:
        """``address``: where to serve HTTP (None: not here); ``bot``: what is watched and
        commanded; ``commands``: the notifiers whose chats are polled for commands (None:
        none)."""
        self.metrics.watch_feeds(bot.feed_views)
        self.metrics.watch_outbox(bot.outbox_depth)
        self.metrics.watch_channels(bot.channels_stopped)
        if address is not None:
            await self._serve(address, bot.readiness)
        monitor = FeedMonitor(bot.feed_statuses, notice, threshold=self.config.feed_down_after)
        self._start(run_every(self.config.check_interval, monitor.check, self.progress.stuck_for))
        if commands is None:
            return
        for poller in command_bots(
            telegram_channels(commands),
            bot,
            self.metrics,
            poll_timeout=self.config.command_poll_timeout,
            retry_delay=self.config.command_retry_delay,
        ):
            self._start(poller.run())

    async def _serve(self, address: HostPort, ready: Callable[[], list[str]]) -> None:
        http = OpsServer(address, metrics=self.metrics, alive=lambda: [], ready=ready)
        try:
            await http.start()
            self.http = http
        except OSError as exc:  # the bot matters more than its metrics
            log.error("cannot serve health and metrics on %s: %s", address, exc)

    def stuck(self, waiting: int) -> list[str]:
        """``/readyz``: messages wait and none went out for too long."""
        stuck = self.progress.stuck_for()
        if stuck is None:
            return []
        return [t("ready.delivery_stuck", count=waiting, duration=duration(stuck))]

    def _start(self, coroutine: Coroutine[Any, Any, None]) -> None:
        self._tasks.append(asyncio.create_task(coroutine))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.stop()
            self.http = None
