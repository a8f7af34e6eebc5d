"""Evaluating events against the rules: the hot path after parsing.

``evaluate`` looks the event up in the current ``RuleIndex`` (see ``index``), checks the
matching rules' own conditions, then the rule's ``active`` hours and cooldown, and renders an
``Alert`` for each rule that fires. ``swap`` replaces the rules in one assignment, carrying
over the state that belongs to the market rather than to a rule file: last prices (so
crossings stay crossings) and cooldowns of rules whose definition did not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Literal

from alertbot.alerts import Alert
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.index import Compiled, RuleIndex, TickSignals, unique_in_order
from alertbot.engine.keywords import normalize
from alertbot.engine.limits import LimitStates
from alertbot.engine.messages import (
    DEFAULT_MESSAGES,
    SNAPSHOT,
    SUMMARIES,
    Crossing,
    alert_fields,
    render,
)
from alertbot.engine.rules import RuleSet
from alertbot.engine.schema import (
    ConditionRule,
    FillRule,
    LimitRule,
    MarketRule,
    NewsRule,
    ViRule,
)
from alertbot.engine.volume import VolumeTrackers
from alertbot.events import (
    ConditionHit,
    Event,
    Fill,
    MarketStatus,
    News,
    PriceLimit,
    Tick,
    Vi,
    now_kst,
)
from alertbot.subscriptions import Subscriptions

Outcome = Literal["fired", "cooldown", "inactive"]


class Engine:
    """Holds the current rules and turns events into alerts."""

    def __init__(
        self,
        ruleset: RuleSet,
        cooldowns: Cooldowns | None = None,
        clock: Callable[[], datetime] = now_kst,
    ) -> None:
        self.cooldowns = cooldowns or Cooldowns()
        self.clock = clock
        """Read when ``evaluate`` is given no ``now`` and a rule may fire, never per event."""
        self.stats: Counter[tuple[str, Outcome]] = Counter()
        """``(rule name, outcome)`` → count, for ``replay`` and metrics."""
        self.names: dict[str, str] = {}
        """Stock code → name as some feed last sent it, for messages from feeds that do not."""
        self.limits = LimitStates()
        """Each watched stock against its price limits: the market's state, kept on reload."""
        self.volumes = VolumeTrackers()
        """Each volume-watched stock's minutes today: the market's state, kept on reload."""
        self._index = RuleIndex(ruleset)
        self.cooldowns.keep_only(self._index.fingerprints)
        self._handlers: dict[str, Callable[[Event, datetime], list[Alert]]] = {
            "vi": self._vi,
            "condition": self._condition,
            "fill": self._fill,
            "market": self._market,
            "news": self._news,
            "limit": self._limit,
        }

    @property
    def ruleset(self) -> RuleSet:
        return self._index.ruleset

    def subscriptions(self) -> Subscriptions:
        return self._index.subscriptions

    def swap(self, rules: RuleSet | RuleIndex) -> None:
        """Use ``rules`` from the next event on; unchanged rules keep their state.

        Pass a ``RuleIndex`` built off the event loop (a big rule set takes seconds to index)
        and the swap itself is a few dict copies.
        """
        index = rules if isinstance(rules, RuleIndex) else RuleIndex(rules)
        old = self._index
        index.prices.keep_last(old.prices)
        index.rates.keep_last(old.rates)
        self.cooldowns.keep_only(index.fingerprints)
        self.volumes.refresh()
        self._index = index

    def evaluate(self, event: Event, now: datetime | None = None) -> list[Alert]:
        if event.name and event.symbol:
            self.names[event.symbol] = event.name
        if isinstance(event, Tick):  # most events, and most cross nothing: no clock for those
            return self._price(event, now)
        handler = self._handlers.get(event.kind)
        return handler(event, now or self.clock()) if handler else []

    # ------------------------------------------------------------------ per kind

    def _vi(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, Vi)
        alerts: list[Alert] = []
        for compiled in self._index.vi.get(event.symbol):
            rule = compiled.rule
            assert isinstance(rule, ViRule)
            if rule.state not in ("any", event.state):
                continue
            if rule.kind != "any" and rule.kind not in event.vi_kind:
                continue
            self._fire(alerts, compiled, event, now, event.symbol)
        return alerts

    def _price(self, event: Tick, now: datetime | None) -> list[Alert]:
        index = self._index
        prices = index.prices.update(event.symbol, event.venue, event.price)
        rates = index.rates.update(event.symbol, event.venue, event.rate)
        signals = index.signals.get(event.symbol, index.every_stock)
        if signals is not None:
            return self._tick_signals(event, now, signals, prices, rates)
        if not prices and not rates:
            return []
        alerts: list[Alert] = []
        self._crossings(alerts, event, now or self.clock(), [*prices, *rates])
        return alerts

    def _crossings(
        self, alerts: list[Alert], event: Tick, now: datetime, crossed: list[Any]
    ) -> None:
        seen: set[int] = set()
        for level, _, (compiled, key) in sorted(crossed, key=lambda entry: entry[1]):
            if id(compiled) in seen:  # one alert per rule and tick, even if two levels crossed
                continue
            seen.add(id(compiled))
            self._fire(alerts, compiled, event, now, event.symbol, Crossing(key, level))

    def _tick_signals(
        self,
        event: Tick,
        now: datetime | None,
        signals: TickSignals,
        prices: Sequence[Any],
        rates: Sequence[Any],
    ) -> list[Alert]:
        """A trade of a stock with limit or volume rules: its crossings, limit, volume."""
        alerts: list[Alert] = []
        if prices or rates:
            now = now or self.clock()
            self._crossings(alerts, event, now, [*prices, *rates])
        change = self.limits.tick(event) if signals.limit else None
        if change is not None:
            self._limit_rules(alerts, signals.limit, change, now or self.clock())
        spikes = self.volumes.add(event, signals.volume) if signals.volume else None
        if spikes:
            now = now or self.clock()
            for spike in spikes:
                self._fire(alerts, spike.judge.rule, spike.event, now, event.symbol)
        return alerts

    def _limit(self, event: Event, now: datetime) -> list[Alert]:
        """A feed's own limit report (LS SHI/SHO): news only if the stock was not known there."""
        assert isinstance(event, PriceLimit)
        if not self.limits.report(event):
            return []
        alerts: list[Alert] = []
        self._limit_rules(alerts, self._index.limit.get(event.symbol), event, now)
        return alerts

    def _limit_rules(
        self, alerts: list[Alert], rules: Sequence[Compiled], event: PriceLimit, now: datetime
    ) -> None:
        for compiled in rules:
            rule = compiled.rule
            assert isinstance(rule, LimitRule)
            if rule.direction in ("any", event.direction) and rule.state in ("any", event.state):
                # Direction and state in the subject: a release never waits on the reach's
                # cooldown, nor a lower limit on the upper's.
                subject = f"{event.symbol}:{event.direction}:{event.state}"
                self._fire(alerts, compiled, event, now, subject)

    def _condition(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, ConditionHit)
        keys = [f"seq:{event.seq.strip()}"] + (
            [f"name:{event.condition}"] if event.condition else []
        )
        alerts: list[Alert] = []
        for compiled in self._index.conditions.get(*keys):
            rule = compiled.rule
            assert isinstance(rule, ConditionRule)
            if event.action == "snapshot":
                self._snapshot(alerts, compiled, event, now)
            elif rule.action in ("any", event.action) and _has_symbol(compiled, event.symbol):
                self._fire(alerts, compiled, event, now, event.symbol)
        return alerts

    def _snapshot(
        self, alerts: list[Alert], compiled: Compiled, event: ConditionHit, now: datetime
    ) -> None:
        """A condition's current matches: one summary per rule, never one alert per stock."""
        rule = compiled.rule
        assert isinstance(rule, ConditionRule)
        if rule.action == "exit":
            return
        matches = event.matches
        if compiled.symbols is not None:
            matches = tuple(code for code in matches if code in compiled.symbols)
        if not matches:
            return
        shown = replace(event, matches=matches) if matches != event.matches else event
        self._fire(alerts, compiled, event, now, "", shown=shown, snapshot=True)

    def _fill(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, Fill)
        alerts: list[Alert] = []
        for compiled in self._index.fill.get(event.symbol):
            rule = compiled.rule
            assert isinstance(rule, FillRule)
            if rule.side not in ("any", event.side):
                continue
            if "any" not in rule.status and event.status not in rule.status:
                continue
            self._fire(alerts, compiled, event, now, event.symbol)
        return alerts

    def _market(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, MarketStatus)
        alerts: list[Alert] = []
        for compiled in self._index.market.get(event.market, event.market_code):
            rule = compiled.rule
            assert isinstance(rule, MarketRule)
            wanted = rule.status
            if "any" in wanted or event.category in wanted or event.status_code in wanted:
                subject = f"{event.market or event.market_code}:{event.status_code}"
                self._fire(alerts, compiled, event, now, subject)
        return alerts

    def _news(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, News)
        index = self._index
        found = index.keywords.find(event.title) if event.title else set()
        symbols = event.symbols or ((event.symbol,) if event.symbol else ())
        candidates = unique_in_order(
            [*index.news_by_keyword.get(*found), *index.news_plain.get(*symbols)]
        )
        alerts: list[Alert] = []
        for compiled in candidates:
            rule = compiled.rule
            assert isinstance(rule, NewsRule)
            if compiled.symbols is not None and compiled.symbols.isdisjoint(symbols):
                continue
            if rule.exclude and any(normalize(word) in found for word in rule.exclude):
                continue
            self._fire(alerts, compiled, event, now, event.symbol or event.title)
        return alerts

    # ------------------------------------------------------------------ firing

    def _fire(
        self,
        alerts: list[Alert],
        compiled: Compiled,
        event: Event,
        now: datetime,
        subject: str,
        crossing: Crossing | None = None,
        *,
        shown: Event | None = None,
        snapshot: bool = False,
    ) -> None:
        """Check ``active`` and cooldown; append the alert if the rule fires."""
        rule = compiled.rule
        if rule.active is not None and not rule.active.contains(event.time):
            self.stats[(rule.name, "inactive")] += 1
            return
        if compiled.cooldown and self.cooldowns.quiet(
            rule.name, compiled.fingerprint, subject, compiled.cooldown, now
        ):
            self.stats[(rule.name, "cooldown")] += 1
            return
        mark = None
        if compiled.cooldown:
            mark = self.cooldowns.fired(rule.name, compiled.fingerprint, subject, now)
        self.stats[(rule.name, "fired")] += 1
        fields = alert_fields(shown or event, rule.name, crossing, self.names)
        key = SNAPSHOT if snapshot else event.kind
        template = DEFAULT_MESSAGES[SNAPSHOT] if snapshot else compiled.template
        alerts.append(
            Alert(
                rule=rule.name,
                event_key=event.key,
                channels=compiled.channels,
                text=render(template, fields),
                kind=event.kind,
                symbol=event.symbol,
                summary=render(SUMMARIES[key], fields),
                event_time=event.time,
                created_at=now,
                cooldown=mark,
            )
        )


def _has_symbol(compiled: Compiled, symbol: str) -> bool:
    return compiled.symbols is None or symbol in compiled.symbols
