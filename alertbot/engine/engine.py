"""Evaluating events against the rules: the hot path after parsing.

``evaluate`` looks the event up in the current ``RuleIndex`` (see ``index``), checks the
matching rules' own conditions, then the rule's ``active`` hours and cooldown, and renders an
``Alert`` for each rule that fires. ``swap`` replaces the rules in one assignment, carrying
over the state that belongs to the market rather than to a rule file: last prices (so
crossings stay crossings) and cooldowns of rules whose definition did not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Literal

from alertbot.alerts import Alert
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.index import Compiled, RuleIndex, unique_in_order
from alertbot.engine.keywords import normalize
from alertbot.engine.messages import (
    DEFAULT_MESSAGES,
    SNAPSHOT,
    SUMMARIES,
    Crossing,
    alert_fields,
    render,
)
from alertbot.engine.rules import RuleSet
from alertbot.engine.schema import ConditionRule, FillRule, MarketRule, NewsRule, ViRule
from alertbot.events import ConditionHit, Event, Fill, MarketStatus, News, Tick, Vi, now_kst
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
        self._index = RuleIndex(ruleset)
        self.cooldowns.keep_only(self._index.fingerprints)
        self._handlers: dict[str, Callable[[Event, datetime], list[Alert]]] = {
            "vi": self._vi,
            "condition": self._condition,
            "fill": self._fill,
            "market": self._market,
            "news": self._news,
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
        if not prices and not rates:
            return []
        crossed = [*prices, *rates]
        now = now or self.clock()
        alerts: list[Alert] = []
        seen: set[int] = set()
        for level, _, (compiled, key) in sorted(crossed, key=lambda entry: entry[1]):
            if id(compiled) in seen:  # one alert per rule and tick, even if two levels crossed
                continue
            seen.add(id(compiled))
            self._fire(alerts, compiled, event, now, event.symbol, Crossing(key, level))
        return alerts

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
