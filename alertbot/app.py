"""The running bot: wires feeds → engine → delivery and owns the lifecycle.

This is the only module (with ``cli``) that sees every layer. Data flows one way: a feed calls
``on_event``, the engine turns the event into alerts, delivery takes them. The rules flow back
only as ``Subscriptions`` that each feed turns into its own wire requests.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping
from pathlib import Path

from alertbot import __version__
from alertbot.delivery.notifiers import Notifier, build_notifier
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.engine import Engine
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.yamlsource import Problem, RulesError
from alertbot.events import Event
from alertbot.feeds.base import Feed
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.kiwoom.token import TokenIssuer, TokenSource
from alertbot.settings import BrokerCredentials, Settings

log = logging.getLogger("alertbot")


def static_token(credentials: BrokerCredentials):  # type: ignore[no-untyped-def]
    """A token source for a ready ``*_TOKEN``."""
    assert credentials.token is not None
    token = credentials.token.get_secret_value()

    async def get() -> str:
        return token

    return get


def kiwoom_token(credentials: BrokerCredentials) -> TokenSource | None:
    """App key and secret win over a ready token: the bot can renew what it issues itself."""
    if credentials.appkey is not None and credentials.secret is not None:
        return TokenIssuer(
            credentials.api_url,
            credentials.appkey.get_secret_value(),
            credentials.secret.get_secret_value(),
        )
    return static_token(credentials) if credentials.token is not None else None


def build_notifiers(ruleset: RuleSet, console_only: bool = False) -> dict[str, Notifier]:
    """One notifier per channel; ``console_only`` (the demo) prints every channel instead."""
    notifiers: dict[str, Notifier] = {}
    problems: list[Problem] = []
    for name, spec in ruleset.channels.items():
        type_, options = ("console", {}) if console_only else (spec.type, spec.options)
        try:
            notifiers[name] = build_notifier(name, type_, options)
        except (ValueError, KeyError) as exc:
            problems.append(Problem("channels", 0, f"channel {name!r}: {exc}"))
    if problems:
        raise RulesError(problems)
    return notifiers


class App:
    """One bot: ``await app.start()``, then events flow until ``await app.stop()``."""

    def __init__(
        self,
        settings: Settings,
        *,
        rules_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        console_only: bool = False,
    ) -> None:
        self.settings = settings
        self.rules_path = rules_path or settings.rules
        self.env = env
        self.console_only = console_only
        self.engine: Engine | None = None
        self.delivery: Delivery | None = None
        self.feeds: list[Feed] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.events_seen = 0
        self._event_waiters: list[tuple[int, asyncio.Event]] = []

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Load rules, open delivery, start feeds. Raises ``RulesError`` on bad rules."""
        ruleset = load_rules(self.rules_path, self.env)
        self.engine = Engine(ruleset)
        self.delivery = Delivery(build_notifiers(ruleset, self.console_only))
        await self.delivery.start()
        self.feeds = self._build_feeds()
        subscriptions = self.engine.subscriptions()
        for feed in self.feeds:
            feed.set_subscriptions(subscriptions)
            self._tasks.append(asyncio.create_task(feed.run(), name=f"feed-{feed.name}"))
        log.info(
            "alertbot %s started: %d rules, feeds: %s",
            __version__,
            len(ruleset.rules),
            ", ".join(f.name for f in self.feeds) or "none",
        )

    def _build_feeds(self) -> list[Feed]:
        feeds: list[Feed] = []
        kiwoom = self.settings.kiwoom
        token = kiwoom_token(kiwoom)
        if token is not None:
            feeds.append(
                KiwoomFeed(
                    kiwoom.ws_url, token, on_event=self.on_event, on_notice=self.admin_notice
                )
            )
        return feeds

    async def stop(self) -> None:
        """Stop feeds, let delivery finish what is queued (briefly), close everything."""
        for feed in self.feeds:
            await feed.stop()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.delivery is not None:
            try:
                await asyncio.wait_for(self.delivery.drain(), timeout=5)
            except TimeoutError:
                log.warning("delivery did not drain within 5s")
            await self.delivery.close()

    async def run_until_signalled(self) -> None:
        """``alertbot run``: start, then wait for SIGTERM or SIGINT and stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await self.start()
        try:
            await stop.wait()
        finally:
            log.info("stopping")
            await self.stop()

    # ------------------------------------------------------------------ the flow

    def on_event(self, event: Event) -> None:
        """Called by a feed for every event: evaluate, hand alerts to delivery."""
        assert self.engine is not None and self.delivery is not None
        for alert in self.engine.evaluate(event):
            self.delivery.submit(alert)
        self.events_seen += 1
        if self._event_waiters:
            self._wake_waiters()

    def admin_notice(self, text: str) -> None:
        """The bot's own message to ``defaults.admin``."""
        log.warning("admin notice: %s", text)
        if self.engine is not None and self.delivery is not None:
            self.delivery.notice(self.engine.ruleset.defaults.admin, f"🤖 alertbot\n{text}")

    async def wait_events(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` events in all have gone through the engine."""
        if self.events_seen >= count:
            return
        reached = asyncio.Event()
        self._event_waiters.append((count, reached))
        await asyncio.wait_for(reached.wait(), timeout)

    def _wake_waiters(self) -> None:
        remaining = []
        for count, reached in self._event_waiters:
            if self.events_seen >= count:
                reached.set()
            else:
                remaining.append((count, reached))
        self._event_waiters = remaining
