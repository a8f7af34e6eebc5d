"""The running bot: wires feeds → engine → delivery and owns the lifecycle.

The composition root only: every part is built by its own package (``feeds.build``,
``delivery.channels``, ``engine.reloader``, ``ops.runtime``) and joined here. Data flows one
way: a feed calls ``on_event``, the engine turns the event into alerts, delivery takes them.
The rules flow back only as ``Subscriptions`` that each feed turns into its own wire requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from datetime import date, datetime
from pathlib import Path

from alertbot import __version__
from alertbot.delivery.channels import LIVE, Channels, check_reloadable
from alertbot.delivery.clock import WallClock
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.calendar import krx_calendar
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.engine import Engine
from alertbot.engine.index import RuleIndex
from alertbot.engine.reloader import Reloader
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.watcher import watch_rules
from alertbot.engine.yamlsource import RulesError
from alertbot.eventcount import EventCount
from alertbot.events import Event, now_kst
from alertbot.feeds.base import Backoff, Feed, FeedStatus
from alertbot.feeds.build import build_feeds, stock_loaders, unserved
from alertbot.feeds.dart.session import weekday
from alertbot.ha.store import PgState
from alertbot.ha.term import Term
from alertbot.i18n import t
from alertbot.ops.config import OpsConfig
from alertbot.ops.http import OpsServer
from alertbot.ops.logs import REDACTOR, option_secrets
from alertbot.ops.metrics import DeliveryMetrics, FeedView, Metrics
from alertbot.ops.monitor import ProgressWatch
from alertbot.ops.mutes import MuteStore
from alertbot.ops.readiness import no_feed, no_rules
from alertbot.ops.runtime import OpsRuntime, feed_problems, sample_alert
from alertbot.settings import Settings
from alertbot.stocks.book import StockBook
from alertbot.stocks.refresh import StockMaster
from alertbot.stores import SqliteState, open_state

log = logging.getLogger("alertbot")

FIRST_STOCKS_WAIT = 10.0
"""Seconds the feeds wait for a first stock master when none was kept from the last run."""
RuleWatcher = Callable[..., object]
"""``watch_rules``' shape: ``(path, on_change, stop, ready=…)`` → a coroutine."""


class App:
    """One bot: ``await app.start()``, then events flow until ``await app.stop()``."""

    def __init__(
        self,
        settings: Settings,
        *,
        rules_path: Path | None = None,
        env: Mapping[str, str] | None = None,
        channels: Channels = LIVE,
        ops: OpsConfig | None = None,
        backoff: Backoff | None = None,
        watcher: RuleWatcher | None = watch_rules,
        clock: Callable[[], datetime] = now_kst,
        term: Term | None = None,
    ) -> None:
        """``channels``: served for real, or all printed (the demo); ``watcher``: what
        reloads the rules when their files change (None: they are read once);
        ``backoff``: the feeds' reconnect pacing (tests make it quick); ``clock``: the
        engine's and the feeds' now (the demo runs it on the played day's time); ``term``:
        in an HA group (``alertbot.ha.node``), this term of leadership (None when alone)."""
        self.settings, self.clock, self.env = settings, clock, env
        self.rules_path = rules_path or settings.rules
        self.channels, self.watcher, self.backoff, self.term = channels, watcher, backoff, term
        self.ops = ops or OpsConfig(feed_down_after=settings.feed_down_after)
        self.metrics = Metrics()
        self.progress = ProgressWatch(self.outbox_depth, stuck_after=self.ops.delivery_stuck_after)
        self.runtime = OpsRuntime(self.ops, self.metrics, self.progress)
        self.engine: Engine | None = None
        self.delivery: Delivery | None = None
        self.state: SqliteState | PgState | None = None
        self.mutes: MuteStore | None = None
        self.feeds: list[Feed] = []
        self.stocks = StockBook()
        """The stock master every message reads names from (restored, then loaded)."""
        self.stock_master: StockMaster | None = None
        self.events = EventCount()
        self.accepting = False
        """False before start and from the moment a stop begins: events are no longer taken."""
        self.rules_watched = asyncio.Event()
        """Set once the rule files are watched: a change from then on is seen."""
        self.reloader = Reloader(
            self.rules_path,
            load=lambda: self._load_rules(require_rules=True),
            check=self._check_reloadable,
            apply=self._apply,
            notice=lambda text, level: self.admin_notice(text, level),
            counted=self.metrics.reloaded,
        )
        self._tasks: list[asyncio.Task[object]] = []
        self._stopping = asyncio.Event()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Load rules, open delivery, start feeds. Raises ``RulesError`` on bad rules."""
        try:
            ruleset = self._load_rules()
        except RulesError:
            self.metrics.reloaded(False)
            raise
        self.metrics.reloaded(True, len(ruleset.rules))
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
        notifiers = self.channels.notifiers(ruleset)
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
        self.feeds = build_feeds(
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
        await self._start_stocks()
        subscriptions = self.engine.subscriptions()
        for feed in self.feeds:
            feed.set_subscriptions(subscriptions)
            self._tasks.append(asyncio.create_task(feed.run(), name=f"feed-{feed.name}"))
        if self.watcher is not None:
            watching = self.watcher(
                self.rules_path, self.reload, self._stopping, ready=self.rules_watched
            )
            self._tasks.append(asyncio.create_task(watching, name="rules-watcher"))  # type: ignore[arg-type]
        self.metrics.watch_feeds(self.feed_views)
        self.metrics.watch_outbox(self.outbox_depth)
        self.metrics.watch_channels(self.channels_stopped)
        await self.runtime.start(
            self.settings.http if self.term is None else None,  # HA: the node serves HTTP
            control=self,
            ready=self.readiness,
            feeds=self.feed_statuses,
            notice=self.admin_notice,
            commands=notifiers if self.channels.commands else None,
        )
        feeds = ", ".join(f.name for f in self.feeds) or t("app.no_feeds")
        started = t("app.started", version=__version__, rules=len(ruleset.rules), feeds=feeds)
        self.admin_notice(started, level=logging.INFO if self.feeds else logging.WARNING)
        for line in self.unserved():
            self.admin_notice(line)

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

    async def stop(self, drain: bool = True) -> None:
        """Stop taking events, close feeds politely, give delivery a moment, close everything.

        What delivery has not sent by ``drain_timeout`` stays in the outbox for the next start.
        ``drain=False``: a leader that lost its lease sends nothing more; the next leader will.
        """
        self.accepting = False
        self._stopping.set()
        await self.runtime.stop()
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

    # ------------------------------------------------------------------ rules

    async def reload(self) -> bool:
        """Read the rules again; apply them whole if valid, else keep the running ones."""
        assert self.engine is not None and self.delivery is not None
        return await self.reloader.reload()

    def _load_rules(self, require_rules: bool = False) -> RuleSet:
        """Rules with channel keys checked as they will be served; their secrets join the
        redactor. A reload requires rules: an emptied folder keeps the last good ones."""
        check, env = self.channels.check, self.env
        ruleset = load_rules(self.rules_path, env, check_channel=check, require_rules=require_rules)
        for spec in ruleset.channels.values():
            REDACTOR.add(option_secrets(spec.options))
        return ruleset

    def _check_reloadable(self, ruleset: RuleSet) -> None:
        assert self.engine is not None and self.delivery is not None
        check_reloadable(ruleset, self.engine.ruleset, self.delivery.notifiers)

    def _apply(self, ruleset: RuleSet, index: RuleIndex) -> RuleIndex:
        """Swap the rules in; the replaced index is returned for the reloader to free."""
        assert self.engine is not None and self.delivery is not None
        replaced = self.engine.swap(index)
        self.delivery.admin = tuple(ruleset.defaults.admin)
        subscriptions = self.engine.subscriptions()
        for feed in self.feeds:
            feed.set_subscriptions(subscriptions)
        return replaced

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
        self.events.count()

    def admin_notice(self, text: str, level: int = logging.WARNING) -> None:
        """The bot's own message to ``defaults.admin`` (redacted: it may quote an error)."""
        text = REDACTOR(text)
        log.log(level, "admin notice: %s", text)
        if self.engine is not None and self.delivery is not None:
            self.delivery.notice(self.engine.ruleset.defaults.admin, f"🤖 alertbot\n{text}")

    @property
    def events_seen(self) -> int:
        return self.events.seen

    async def wait_events(self, count: int, timeout: float = 10.0) -> None:
        """Wait until ``count`` events in all have gone through the engine."""
        await self.events.wait(count, timeout)

    # ------------------------------------------------------------------ what ops reads

    @property
    def ruleset(self) -> RuleSet | None:
        return self.engine.ruleset if self.engine is not None else None

    @property
    def http(self) -> OpsServer | None:
        return self.runtime.http

    def feed_statuses(self) -> list[tuple[str, FeedStatus]]:
        return [(feed.name, feed.status) for feed in self.feeds]

    def feed_views(self) -> list[FeedView]:
        return [FeedView(f.name, f.status, f.status.last_event_monotonic) for f in self.feeds]

    def unserved(self) -> list[str]:
        """Rules no running feed can serve: told at start, shown in ``/status``."""
        rules = self.ruleset.rules if self.ruleset is not None else ()
        kinds = [(r.rule.name, r.rule.event) for r in rules if r.rule.enabled]
        return unserved(kinds, self.feeds)

    def leadership(self) -> str | None:
        """``/status``: who leads the HA group and under which epoch (None: no group)."""
        return self.term.describe() if self.term is not None else None

    def outbox_depth(self) -> int:
        return self.delivery.pending() if self.delivery is not None else 0

    def channels_stopped(self) -> dict[str, bool]:
        workers = self.delivery.workers if self.delivery is not None else {}
        return {name: worker.stopped is not None for name, worker in workers.items()}

    def dead_letters(self) -> int:
        return self.delivery.dead_letters() if self.delivery is not None else 0

    def readiness(self) -> list[str]:
        """``/readyz``: what keeps the bot from doing its job right now (empty: ready)."""
        if not self.accepting:
            return ["not running (starting or stopping)"]
        problems = [] if self.engine is not None else ["rules not loaded"]
        problems += no_rules(self.ruleset, self.rules_path)
        problems += no_feed(self.ruleset, len(self.feeds), self.channels.printed)
        problems += feed_problems(self.feed_statuses())
        if self.delivery is not None:
            problems += self.delivery.problems()
        return problems + self.runtime.stuck(self.outbox_depth())

    def send_test(self, channels: tuple[str, ...]) -> None:
        """``/test``: a sample alert through the real delivery path."""
        assert self.delivery is not None
        self.delivery.submit(sample_alert(channels))
