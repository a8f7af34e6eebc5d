"""The running bot: wires feeds → engine → delivery and owns the lifecycle.

This is the only module (with ``cli``) that sees every layer. Data flows one way: a feed calls
``on_event``, the engine turns the event into alerts, delivery takes them. The rules flow back
only as ``Subscriptions`` that each feed turns into its own wire requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import signal
import time
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from alertbot import __version__
from alertbot.alerts import Alert
from alertbot.delivery.clock import WallClock
from alertbot.delivery.notifiers import Notifier, build_notifier
from alertbot.delivery.notifiers.base import validate_options
from alertbot.delivery.notifiers.telegram import TelegramNotifier
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.calendar import krx_calendar
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.engine import Engine
from alertbot.engine.index import RuleIndex
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.watcher import watch_rules
from alertbot.engine.yamlsource import Problem, RulesError
from alertbot.events import Event, now_kst
from alertbot.feeds.base import Backoff, Feed
from alertbot.feeds.build import build_feeds, stock_loaders
from alertbot.feeds.dart.session import weekday
from alertbot.ha.store import PgState
from alertbot.ha.term import Term
from alertbot.ops.commands import TelegramChannel, command_bots
from alertbot.ops.config import OpsConfig
from alertbot.ops.http import OpsServer
from alertbot.ops.logs import REDACTOR, option_secrets
from alertbot.ops.metrics import DeliveryMetrics, FeedView, Metrics
from alertbot.ops.monitor import FeedMonitor, ProgressWatch, format_duration, run_every
from alertbot.ops.mutes import MuteStore
from alertbot.ops.readiness import no_feed, no_rules
from alertbot.settings import Settings
from alertbot.stocks.book import StockBook
from alertbot.stocks.refresh import StockMaster
from alertbot.stores import SqliteState, open_state

log = logging.getLogger("alertbot")

NO_FEEDS = (
    "none — set KIWOOM_APPKEY and KIWOOM_SECRETKEY (or KIWOOM_TOKEN), "
    "or LS_APPKEY and LS_APPSECRET (or LS_TOKEN), or DART_API_KEY"
)


FIRST_STOCKS_WAIT = 10.0
"""Seconds the feeds wait for a first stock master when none was kept from the last run."""


def build_notifiers(ruleset: RuleSet, console_only: bool = False) -> dict[str, Notifier]:
    """One notifier per channel; ``console_only`` (the demo) prints every channel instead."""
    return {
        name: build_notifier(name, "console", {})
        if console_only
        else build_notifier(name, spec.type, spec.options)
        for name, spec in ruleset.channels.items()
    }


class App:
    """One bot: ``await app.start()``, then events flow until ``await app.stop()``."""

    def __init__(
        self,
        settings: Settings,
        *,
        rules_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        console_only: bool = False,
        ops: OpsConfig | None = None,
        backoff: Backoff | None = None,
        watch: bool = True,
        clock: Callable[[], datetime] = now_kst,
        term: Term | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        """The engine's and the feeds' now: the demo runs it on the played day's time."""
        self.rules_path = rules_path or settings.rules
        self.env = env
        self.console_only = console_only
        self.engine: Engine | None = None
        self.stocks = StockBook()
        """The stock master every message reads names from (restored, then loaded)."""
        self.stock_master: StockMaster | None = None
        self.delivery: Delivery | None = None
        self.feeds: list[Feed] = []
        self._tasks: list[asyncio.Task[None]] = []
        self.events_seen = 0
        self._event_waiters: list[tuple[int, asyncio.Event]] = []
        self._next_wake = math.inf
        """The smallest count a ``wait_events`` waits for: one comparison per event."""
        self.backoff = backoff
        """Reconnect pacing for every feed (None: the feeds' default); tests make it quick."""
        self.ops = ops or OpsConfig(feed_down_after=settings.feed_down_after)
        self.metrics = Metrics()
        self.state: SqliteState | PgState | None = None
        self.mutes: MuteStore | None = None
        self.http: OpsServer | None = None
        self.progress = ProgressWatch(self.outbox_depth, stuck_after=self.ops.delivery_stuck_after)
        self.accepting = False
        """False before start and from the moment a stop begins: events are no longer taken."""
        self._ops_tasks: list[asyncio.Task[None]] = []
        self.watch = watch
        """Reload when a rule file changes (the demo does not)."""
        self.rules_watched = asyncio.Event()
        """Set once the rule files are watched: a change from then on is seen."""
        self._stopping = asyncio.Event()
        self._reload_lock = asyncio.Lock()
        self._reload_failure: str | None = None
        self.term = term
        """In an HA group (``alertbot.ha.node``): this term of leadership; None when alone."""

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Load rules, open delivery, start feeds. Raises ``RulesError`` on bad rules."""
        try:
            ruleset = self._load_rules()
        except RulesError:
            self.metrics.reloaded(False)
            raise
        self.metrics.reloaded(True, len(ruleset.rules))
        for spec in ruleset.channels.values():
            REDACTOR.add(option_secrets(spec.options))
        self.state = open_state(self.settings, self.term.epoch if self.term else None)
        self.mutes = MuteStore(self.state.mutes)
        cooldowns = Cooldowns(table=self.state.cooldowns, delivery_commits=True)
        self.stock_master = StockMaster(
            self.stocks, self.state.stocks, [], warn=self.admin_notice, clock=self.clock
        )
        self.stock_master.restore()
        self.engine = Engine(
            ruleset, cooldowns, clock=self.clock, on_notice=self.admin_notice, stocks=self.stocks
        )
        notifiers = build_notifiers(ruleset, self.console_only)
        if self.term is not None:
            for notifier in notifiers.values():
                self.term.fence_sends(notifier)
        self.delivery = Delivery(
            notifiers,
            None,
            store=self.state.delivery,
            admin=ruleset.defaults.admin,
            clock=WallClock(self.clock),
            muted=self.mutes.muted,
            cooldowns=cooldowns,
            observer=DeliveryMetrics(self.metrics, self.progress.progressed),
        )
        await self.delivery.start()
        self.accepting = True
        self.feeds = self._build_feeds()
        await self._start_stocks()
        subscriptions = self.engine.subscriptions()
        for feed in self.feeds:
            feed.set_subscriptions(subscriptions)
            self._tasks.append(asyncio.create_task(feed.run(), name=f"feed-{feed.name}"))
        if self.watch:
            watcher = watch_rules(
                self.rules_path, self.reload, self._stopping, ready=self.rules_watched
            )
            self._tasks.append(asyncio.create_task(watcher, name="rules-watcher"))
        await self._start_ops(notifiers)
        feeds = ", ".join(f.name for f in self.feeds) or NO_FEEDS
        started = f"alertbot {__version__} started: {len(ruleset.rules)} rules, feeds: {feeds}"
        self.admin_notice(started, level=logging.INFO if self.feeds else logging.WARNING)

    async def _start_stocks(self) -> None:
        """Load the stock master in the background; with no names restored, give the first
        load a moment before the feeds start, so the first alerts already carry names."""
        assert self.stock_master is not None
        self.stock_master.loaders = stock_loaders(self.settings, self.feeds, self.backoff)
        if not self.stock_master.loaders:
            self.stock_master.loaded.set()
            return
        self._tasks.append(asyncio.create_task(self._keep_stocks(), name="stock-master"))
        if not len(self.stocks):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stock_master.loaded.wait(), FIRST_STOCKS_WAIT)

    async def _keep_stocks(self) -> None:
        """Load the stock master now and every morning; a failure is only a warning."""
        assert self.stock_master is not None
        await self.stock_master.refresh()
        await self.stock_master.run_daily()

    async def _start_ops(self, notifiers: Mapping[str, Notifier]) -> None:
        """Health and metrics over HTTP, the feed monitor, and the chat command pollers."""
        self.metrics.watch_feeds(self.feed_views)
        self.metrics.watch_outbox(self.outbox_depth)
        self.metrics.watch_channels(self.channels_stopped)
        if self.term is None:  # in an HA group, the node serves HTTP across terms
            await self._serve_http()
        monitor = FeedMonitor(
            lambda: [(feed.name, feed.status) for feed in self.feeds],
            self.admin_notice,
            threshold=self.ops.feed_down_after,
        )
        self._start_task(run_every(self.ops.check_interval, monitor.check, self.progress.stuck_for))
        if self.console_only:
            return
        channels = [
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
        for bot in command_bots(
            channels,
            self,
            self.metrics,
            poll_timeout=self.ops.command_poll_timeout,
            retry_delay=self.ops.command_retry_delay,
        ):
            self._start_task(bot.run())

    async def _serve_http(self) -> None:
        http = OpsServer(
            self.settings.http, metrics=self.metrics, alive=lambda: [], ready=self.readiness
        )
        try:
            await http.start()
            self.http = http
        except OSError as exc:  # the bot matters more than its metrics
            log.error("cannot serve health and metrics on %s: %s", self.settings.http, exc)

    def _start_task(self, coroutine) -> None:  # type: ignore[no-untyped-def]
        self._ops_tasks.append(asyncio.create_task(coroutine))

    def _build_feeds(self) -> list[Feed]:
        return build_feeds(
            self.settings,
            on_event=self.on_event,
            on_notice=self.admin_notice,
            backoff=self.backoff,
            clock=self.clock,
            # DART's seen filings stay in the SQLite file; a group's leader starts each term
            # with a fresh first pass (dedupe keys still stop a resend).
            state=self.state.db if isinstance(self.state, SqliteState) else None,
            business_day=self._business_day(),
        )

    def _business_day(self) -> Callable[[date], bool]:
        """KRX trading days for the disclosure feed's pacing, loaded now (not at a poll);
        weekdays if the exchange calendar cannot be had."""
        if self.settings.dart.api_key is None:
            return weekday
        try:
            calendar = krx_calendar()
        except Exception as exc:  # pacing on weekdays is a fine fallback
            log.warning("exchange calendar unavailable (%s): DART paces on weekdays", exc)
            return weekday
        return lambda day: calendar.trades(day.toordinal())

    async def stop(self, drain: bool = True) -> None:
        """Stop taking events, close feeds politely, give delivery a moment, close everything.

        What delivery has not sent by ``drain_timeout`` stays in the outbox for the next start.
        ``drain=False``: a leader that lost its lease sends nothing more; the next leader will.
        """
        self.accepting = False
        self._stopping.set()
        for task in self._ops_tasks:
            task.cancel()
        await asyncio.gather(*self._ops_tasks, return_exceptions=True)
        await asyncio.gather(*(feed.stop() for feed in self.feeds), return_exceptions=True)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.delivery is not None:
            try:
                timeout = self.ops.drain_timeout if drain else 0
                await asyncio.wait_for(self.delivery.drain(), timeout=timeout)
            except TimeoutError:
                log.warning(
                    "delivery: %d messages left for the next start", self.delivery.pending()
                )
            await self.delivery.close()
        if self.http is not None:
            await self.http.stop()
            self.http = None
        if self.state is not None:
            if self.engine is not None:
                self.engine.cooldowns.flush()
            self.state.close()
            self.state = None

    async def run_until_signalled(self) -> None:
        """``alertbot run``: start, then wait for SIGTERM or SIGINT and stop cleanly."""
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        loop.add_signal_handler(
            signal.SIGHUP, lambda: self._tasks.append(loop.create_task(self.reload()))
        )
        await self.start()
        try:
            await stop.wait()
        finally:
            log.info("stopping")
            await self.stop()

    async def reload(self) -> bool:
        """Read the rules again; apply them whole if valid, else keep the running ones.

        Called by the file watcher and on SIGHUP. A rejected change sends one admin notice
        naming the file, line and error (not again for the same error), and the bot goes on
        with the last good rules; the next valid save applies. Parsing and indexing run off
        the event loop; only the swap happens on it.
        """
        assert self.engine is not None and self.delivery is not None
        async with self._reload_lock:
            try:
                ruleset = await asyncio.to_thread(self._load_rules, True)
                for spec in ruleset.channels.values():
                    REDACTOR.add(option_secrets(spec.options))
                self._check_reloadable(ruleset)
                index = await asyncio.to_thread(RuleIndex, ruleset)
            except RulesError as exc:
                self._reload_rejected(exc.problems)
                return False
            except Exception as exc:  # a reload must never take the running rules down
                log.exception("reloading rules failed")
                problem = Problem(str(self.rules_path), 0, f"{type(exc).__name__}: {exc}")
                self._reload_rejected([problem])
                return False
            replaced = self.engine.swap(index)
            self.delivery.admin = tuple(ruleset.defaults.admin)
            self.metrics.reloaded(True, len(ruleset.rules))
            subscriptions = self.engine.subscriptions()
            for feed in self.feeds:
                feed.set_subscriptions(subscriptions)
            log.info("rules reloaded: %d rules", len(ruleset.rules))
            if self._reload_failure is not None:
                self._reload_failure = None
                self.admin_notice(
                    f"✅ rules fixed and applied: {len(ruleset.rules)} rules", level=logging.INFO
                )
            await asyncio.to_thread(replaced.retire)
            return True

    def _load_rules(self, require_rules: bool = False) -> RuleSet:
        """Rules with every channel's keys checked for its type (the demo prints them all).

        A reload requires rules: an emptied file or folder keeps the last good ones.
        """
        check = None if self.console_only else validate_options
        return load_rules(
            self.rules_path, self.env, check_channel=check, require_rules=require_rules
        )

    def _check_reloadable(self, ruleset: RuleSet) -> None:
        """Notifiers start with the bot: a new channel needs a restart."""
        assert self.engine is not None and self.delivery is not None
        problems: list[Problem] = []
        running = self.engine.ruleset.channels
        for name, source in ruleset.channel_sources.items():
            if name not in self.delivery.notifiers:
                message = f"channel {name!r} is new: restart alertbot to add a channel"
                problems.append(Problem(source.file, source.line, message))
            elif source.spec != running.get(name):
                log.warning("channel %r changed: the change applies at the next restart", name)
        if problems:
            raise RulesError(problems)

    def _reload_rejected(self, problems: list[Problem]) -> None:
        self.metrics.reloaded(False)
        shown = [str(p) for p in problems[:10]]
        if len(problems) > len(shown):
            shown.append(f"… and {len(problems) - len(shown)} more")
        text = "\n".join(shown)
        if text == self._reload_failure:
            log.error("rules not reloaded, still running the last good rules:\n%s", text)
            return
        self._reload_failure = text
        self.admin_notice(f"⚠️ rules not reloaded: still running the last good rules\n{text}")

    # ------------------------------------------------------------------ the flow

    def on_event(self, event: Event) -> None:
        """Called by a feed for every event: evaluate, hand alerts to delivery (whose first
        stage holds back muted ones)."""
        if not self.accepting:
            return
        assert self.engine is not None and self.delivery is not None
        self.metrics.event(event.kind, event.source)
        for alert in self.engine.evaluate(event):
            self.metrics.alert(alert.rule)
            self.delivery.submit(alert)
        self.events_seen += 1
        if self.events_seen >= self._next_wake:
            self._wake_waiters()

    def admin_notice(self, text: str, level: int = logging.WARNING) -> None:
        """The bot's own message to ``defaults.admin`` (redacted: it may quote an error)."""
        text = REDACTOR(text)
        log.log(level, "admin notice: %s", text)
        if self.engine is not None and self.delivery is not None:
            self.delivery.notice(self.engine.ruleset.defaults.admin, f"🤖 alertbot\n{text}")

    # ------------------------------------------------------------------ what ops reads

    @property
    def ruleset(self) -> RuleSet | None:
        return self.engine.ruleset if self.engine is not None else None

    def feed_views(self) -> list[FeedView]:
        return [FeedView(f.name, f.status, f.status.last_event_monotonic) for f in self.feeds]

    def leadership(self) -> str | None:
        """``/status``: who leads the HA group and under which epoch (None: no group)."""
        return self.term.describe() if self.term is not None else None

    def channels_stopped(self) -> dict[str, bool]:
        workers = self.delivery.workers if self.delivery is not None else {}
        return {name: worker.stopped is not None for name, worker in workers.items()}

    def outbox_depth(self) -> int:
        return self.delivery.pending() if self.delivery is not None else 0

    def dead_letters(self) -> int:
        return self.delivery.dead_letters() if self.delivery is not None else 0

    def readiness(self) -> list[str]:
        """``/readyz``: what keeps the bot from doing its job right now (empty: ready)."""
        if not self.accepting:
            return ["not running (starting or stopping)"]
        problems = [] if self.engine is not None else ["rules not loaded"]
        problems += no_rules(self.ruleset, self.rules_path)
        problems += no_feed(self.ruleset, len(self.feeds), self.console_only)
        for feed in self.feeds:
            if not feed.status.ready:
                why = feed.status.stopped or feed.status.last_error or "not connected"
                problems.append(f"feed {feed.name}: {why}")
        if self.delivery is not None:
            problems.extend(self.delivery.problems())
        stuck = self.progress.stuck_for()
        if stuck is not None:
            waiting = self.outbox_depth()
            problems.append(f"delivery: {waiting} waiting, none sent for {format_duration(stuck)}")
        return problems

    def send_test(self, channels: tuple[str, ...]) -> None:
        """``/test``: a sample alert through the real delivery path."""
        assert self.delivery is not None
        now = now_kst()
        self.delivery.submit(
            Alert(
                rule="test",
                event_key=f"test:{time.time_ns()}",
                channels=channels,
                text="🧪 alertbot test alert\n삼성전자(005930) VI 78,400 — alerts look like this",
                kind="vi",
                symbol="005930",
                summary="삼성전자(005930) 78,400",
                event_time=now,
                created_at=now,
            )
        )

    async def wait_events(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` events in all have gone through the engine."""
        if self.events_seen >= count:
            return
        reached = asyncio.Event()
        self._event_waiters.append((count, reached))
        self._next_wake = min(self._next_wake, count)
        await asyncio.wait_for(reached.wait(), timeout)

    def _wake_waiters(self) -> None:
        remaining = []
        for count, reached in self._event_waiters:
            if self.events_seen >= count:
                reached.set()
            else:
                remaining.append((count, reached))
        self._event_waiters = remaining
        self._next_wake = min((count for count, _ in remaining), default=math.inf)
