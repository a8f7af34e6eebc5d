"""The running bot: wires feeds → engine → delivery and owns the lifecycle.

The composition root only: every part is built by its own package (``feeds.build``,
``delivery.channels``, ``engine.reloader``, ``ops.view``) and joined here. Data flows one way:
a feed calls ``on_event``, the engine turns the event into alerts, delivery takes them.
The rules flow back only as ``Subscriptions`` that each feed turns into its own wire requests.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from alertbot import __version__
from alertbot.delivery.channels import LIVE, Channels, check_reloadable
from alertbot.delivery.clock import WallClock
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.engine import Engine
from alertbot.engine.index import RuleIndex
from alertbot.engine.reloader import Reloader
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.watcher import watch_rules
from alertbot.engine.yamlsource import RulesError
from alertbot.eventcount import EventCount
from alertbot.events import Event, now_kst
from alertbot.feeds.base import Backoff, Feed
from alertbot.feeds.build import build_feeds, stock_loaders
from alertbot.ha.store import PgState
from alertbot.ha.term import Term
from alertbot.i18n import t
from alertbot.lifecycle import run_until_signalled
from alertbot.ops.config import OpsConfig
from alertbot.ops.logs import REDACTOR, option_secrets
from alertbot.ops.metrics import DeliveryMetrics, Metrics
from alertbot.ops.monitor import ProgressWatch
from alertbot.ops.mutes import MuteStore
from alertbot.ops.runtime import OpsRuntime
from alertbot.ops.view import BotView
from alertbot.settings import Settings
from alertbot.stocks.book import StockBook
from alertbot.stocks.refresh import StockMaster
from alertbot.stores import SqliteState, open_state

log = logging.getLogger("alertbot")

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
        self.view = BotView(self)
        """What ``/readyz``, ``/status``, ``/test`` and the metrics read of this bot."""
        self.progress = ProgressWatch(
            self.view.outbox_depth, stuck_after=self.ops.delivery_stuck_after
        )
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
            self.term.fence_sends(notifiers.values())
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
            state=self.state.feeds_db,
        )
        loaders = stock_loaders(self.settings, self.feeds, self.backoff)
        if keeping := await self.stock_master.start(loaders):
            self._tasks.append(keeping)
        subscriptions = self.engine.subscriptions()
        for feed in self.feeds:
            feed.set_subscriptions(subscriptions)
            self._tasks.append(asyncio.create_task(feed.run(), name=f"feed-{feed.name}"))
        if self.watcher is not None:
            watching = self.watcher(
                self.rules_path, self.reload, self._stopping, ready=self.rules_watched
            )
            self._tasks.append(asyncio.create_task(watching, name="rules-watcher"))  # type: ignore[arg-type]
        await self.runtime.start(
            self.settings.http if self.term is None else None,  # HA: the node serves HTTP
            self.view,
            notice=self.admin_notice,
            commands=notifiers if self.channels.commands else None,
        )
        feeds = ", ".join(f.name for f in self.feeds) or t("app.no_feeds", fix=t("feeds.keys_fix"))
        started = t("app.started", version=__version__, rules=len(ruleset.rules), feeds=feeds)
        self.admin_notice(started, level=logging.INFO if self.feeds else logging.WARNING)
        for line in self.view.unserved():
            self.admin_notice(line)

    async def __aenter__(self) -> App:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

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
            await self.delivery.drain_for(self.ops.drain_timeout if drain else 0)
            await self.delivery.close()
        if self.state is not None:
            if self.engine is not None:
                self.engine.cooldowns.flush()
            self.state.close()
            self.state = None

    async def run_until_signalled(self) -> None:
        """``alertbot run``: start, reload on SIGHUP, stop cleanly on SIGTERM or SIGINT."""
        await run_until_signalled(self, reload=self.reload)

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
