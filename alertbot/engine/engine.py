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
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from alertbot.alerts import Alert
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.index import Compiled, PriceEntry, RuleIndex, TickSignals, unique_in_order
from alertbot.engine.keywords import normalize
from alertbot.engine.limits import LimitStates
from alertbot.engine.messages import (
    Crossing,
    alert_fields,
    default_template,
    render,
    summary_template,
)
from alertbot.engine.rules import RuleSet
from alertbot.engine.schema import (
    ConditionRule,
    DisclosureRule,
    FillRule,
    LimitRule,
    MarketRule,
    NewsRule,
    ViRule,
)
from alertbot.engine.subjects import cooldown_subject
from alertbot.engine.volume import VolumeTrackers
from alertbot.events import (
    KST,
    ConditionHit,
    Disclosure,
    Event,
    Fill,
    MarketStatus,
    News,
    PriceLimit,
    Tick,
    Vi,
    now_kst,
)
from alertbot.i18n import t
from alertbot.stocks.book import StockBook
from alertbot.subscriptions import Subscriptions

Outcome = Literal["fired", "cooldown", "inactive"]


@dataclass(frozen=True, slots=True)
class Late:
    """A crossing held back by ``active`` hours, waiting for them on its KST day."""

    compiled: Compiled
    crossing: Crossing
    day: int


class Engine:
    """Holds the current rules and turns events into alerts."""

    def __init__(
        self,
        ruleset: RuleSet,
        cooldowns: Cooldowns | None = None,
        clock: Callable[[], datetime] = now_kst,
        on_notice: Callable[[str], object] | None = None,
        stocks: StockBook | None = None,
    ) -> None:
        self.cooldowns = cooldowns or Cooldowns()
        self.on_notice = on_notice
        """Tells the admin what the trader must fix (a message that failed live)."""
        self._told: set[tuple[str, str]] = set()
        """(rule, fingerprint) whose broken message the admin has heard of: once each."""
        self.clock = clock
        """Read when ``evaluate`` is given no ``now`` and a rule may fire, never per event."""
        self.stats: Counter[tuple[str, Outcome]] = Counter()
        """``(rule name, outcome)`` → count, for ``replay`` and metrics."""
        self.stocks = stocks if stocks is not None else StockBook()
        """The stock master (handed in by the composition root): names for every message."""
        self.limits = LimitStates()
        """Each watched stock against its price limits: the market's state, kept on reload."""
        self.volumes = VolumeTrackers()
        """Each volume-watched stock's minutes today: the market's state, kept on reload."""
        self._index = RuleIndex(ruleset)
        self._pending: dict[str, dict[tuple[int, str, float], Late]] = {}
        """Stock code → crossings that happened outside their rule's ``active`` hours."""
        self.cooldowns.keep_only(self._index.fingerprints)
        self._handlers: dict[str, Callable[[Event, datetime], list[Alert]]] = {
            "vi": self._vi,
            "condition": self._condition,
            "fill": self._fill,
            "market": self._market,
            "news": self._news,
            "limit": self._limit,
            "disclosure": self._disclosure,
        }

    @property
    def ruleset(self) -> RuleSet:
        return self._index.ruleset

    def subscriptions(self) -> Subscriptions:
        return self._index.subscriptions

    def swap(self, rules: RuleSet | RuleIndex) -> RuleIndex:
        """Use ``rules`` from the next event on; unchanged rules keep their state. Returns the
        index replaced, for ``collector.retire`` (freeing it here would stall the loop).

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
        self._pending.clear()
        return old

    def evaluate(self, event: Event, now: datetime | None = None) -> list[Alert]:
        if event.name and event.symbol:
            self.stocks.learn(event.symbol, event.name)
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
            self._fire(alerts, compiled, event, now)
        return alerts

    def _price(self, event: Tick, now: datetime | None) -> list[Alert]:
        index = self._index
        crossed, opened = self._moves(event)
        signals = index.signals.get(event.symbol, index.every_stock)
        waiting = self._pending.pop(event.symbol, None) if self._pending else None
        if not crossed and not waiting and signals is None:
            return []
        alerts: list[Alert] = []
        if crossed or waiting:
            now = now or self.clock()
            self._crossings(alerts, event, now, crossed, opened, waiting or {})
        if signals is not None:
            self._tick_signals(alerts, event, now, signals)
        return alerts

    def _moves(self, event: Tick) -> tuple[list[tuple[float, int, PriceEntry]], bool]:
        """The levels this trade crossed, and whether it was compared with the previous
        close (the day's first trade on its venue: the crossing may have been sent before a
        restart)."""
        index = self._index
        prices = index.prices.get(event.symbol)
        rates = index.rates.get(event.symbol)
        if prices is None and rates is None:
            return [], False
        day = event.time.astimezone(KST).toordinal()
        crossed: list[tuple[float, int, PriceEntry]] = []
        opened = False
        if prices is not None:
            found, opened = prices.move(event.venue, event.price, event.previous_close, day)
            crossed.extend(found)
        if rates is not None:
            opening_rate = 0.0 if event.change else event.rate
            found, seeded = rates.move(event.venue, event.rate, opening_rate, day)
            crossed.extend(found)
            opened = opened or seeded
        return crossed, opened

    def _crossings(
        self,
        alerts: list[Alert],
        event: Tick,
        now: datetime,
        crossed: list[tuple[float, int, PriceEntry]],
        opened: bool,
        waiting: dict[tuple[int, str, float], Late],
    ) -> None:
        seen: set[int] = set()
        day = event.time.astimezone(KST).toordinal()
        for level, _, (compiled, key) in sorted(crossed, key=lambda entry: entry[1]):
            if id(compiled) in seen:  # one alert per rule and tick, even if two levels crossed
                continue
            seen.add(id(compiled))
            crossing = Crossing(key, level)
            if opened and self._sent_today(compiled, event, crossing, day):
                self.stats[(compiled.name, "cooldown")] += 1
                continue
            self._fire(alerts, compiled, event, now, crossing)
        for late in waiting.values():
            if id(late.compiled) not in seen:
                self._release(alerts, late, event, now, day)

    def _sent_today(self, compiled: Compiled, event: Tick, crossing: Crossing, day: int) -> bool:
        """Whether this crossing was alerted earlier today (before a restart)."""
        subject = cooldown_subject(event, crossing)
        fired = self.cooldowns.last_fired(compiled.name, compiled.fingerprint, subject)
        return fired is not None and datetime.fromtimestamp(fired, KST).toordinal() == day

    def _hold(self, symbol: str, late: Late) -> None:
        """Keep one waiting crossing per rule and level, however often it was crossed."""
        key = (id(late.compiled), late.crossing.key, late.crossing.level)
        self._pending.setdefault(symbol, {})[key] = late

    def _release(
        self, alerts: list[Alert], late: Late, event: Tick, now: datetime, day: int
    ) -> None:
        """A crossing held back by ``active``: alert it once the window is open, if the price
        is still past the level; keep waiting while the window is closed (same day only)."""
        rule = late.compiled.rule
        if late.day != day:
            return
        if rule.active is not None and not rule.active.contains(event.time):
            self._hold(event.symbol, late)
            return
        value = event.rate if late.crossing.key.startswith("change_pct") else event.price
        beyond = value >= late.crossing.level if late.crossing.up else value <= late.crossing.level
        if beyond:
            self._fire(alerts, late.compiled, event, now, replace(late.crossing, late=True))

    def _tick_signals(
        self, alerts: list[Alert], event: Tick, now: datetime | None, signals: TickSignals
    ) -> None:
        """A trade of a stock with limit or volume rules: its limit and volume."""
        change = self.limits.tick(event, self.stocks.get) if signals.limit else None
        if change is not None:
            now = now or self.clock()
            self._limit_rules(alerts, signals.limit, change, now)
        spikes = self.volumes.add(event, signals.volume) if signals.volume else None
        if spikes:
            now = now or self.clock()
            for spike in spikes:
                self._fire(alerts, spike.judge.rule, spike.event, now)

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
                self._fire(alerts, compiled, event, now)

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
                self._fire(alerts, compiled, event, now)
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
        self._fire(alerts, compiled, event, now, shown=shown, snapshot=True)

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
            self._fire(alerts, compiled, event, now)
        return alerts

    def _market(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, MarketStatus)
        alerts: list[Alert] = []
        for compiled in self._index.market.get(event.market, event.market_code):
            rule = compiled.rule
            assert isinstance(rule, MarketRule)
            wanted = rule.status
            if "any" in wanted or event.category in wanted or event.status_code in wanted:
                self._fire(alerts, compiled, event, now)
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
            self._fire(alerts, compiled, event, now)
        return alerts

    def _disclosure(self, event: Event, now: datetime) -> list[Alert]:
        assert isinstance(event, Disclosure)
        index = self._index
        found = index.keywords.find(event.report) if event.report else set()
        candidates = unique_in_order(
            [*index.disclosures_by_keyword.get(*found), *index.disclosures_plain.get(event.symbol)]
        )
        alerts: list[Alert] = []
        for compiled in candidates:
            rule = compiled.rule
            assert isinstance(rule, DisclosureRule)
            if not _has_symbol(compiled, event.symbol):
                continue
            if rule.markets is not None and event.market not in rule.markets:
                continue
            if rule.exclude and any(normalize(word) in found for word in rule.exclude):
                continue
            self._fire(alerts, compiled, event, now)
        return alerts

    # ------------------------------------------------------------------ firing

    def _fire(
        self,
        alerts: list[Alert],
        compiled: Compiled,
        event: Event,
        now: datetime,
        crossing: Crossing | None = None,
        *,
        shown: Event | None = None,
        snapshot: bool = False,
    ) -> None:
        """Check ``active`` and cooldown; append the alert if the rule fires.

        A crossing outside ``active`` waits for the window (see ``_release``); one during a
        cooldown is dropped: it repeats what was just sent.
        """
        rule = compiled.rule
        if rule.active is not None and not rule.active.contains(event.time):
            self.stats[(rule.name, "inactive")] += 1
            if crossing is not None and not crossing.late:
                day = event.time.astimezone(KST).toordinal()
                self._hold(event.symbol, Late(compiled, crossing, day))
            return
        subject = cooldown_subject(event, crossing)
        if compiled.cooldown and self.cooldowns.quiet(
            rule.name, compiled.fingerprint, subject, compiled.cooldown, now
        ):
            self.stats[(rule.name, "cooldown")] += 1
            return
        mark = None
        if compiled.cooldown or crossing is not None:  # a crossing is remembered for the day
            mark = self.cooldowns.fired(rule.name, compiled.fingerprint, subject, now)
        self.stats[(rule.name, "fired")] += 1
        fields = alert_fields(shown or event, rule.name, crossing, self.stocks)
        default = default_template(event, snapshot)
        template = (None if snapshot else compiled.template) or default
        text = render(template, fields)
        if text is None:  # passed ``check`` yet failed on live values: never send it raw
            text = render(default, fields) or ""
            self._message_failed(compiled, fields)
        alerts.append(
            Alert(
                rule=rule.name,
                event_key=event.key,
                channels=compiled.channels,
                text=text,
                kind=event.kind,
                symbol=event.symbol,
                summary=render(summary_template(event, snapshot), fields) or "",
                event_time=event.time,
                created_at=now,
                cooldown=mark,
            )
        )

    def _message_failed(self, compiled: Compiled, fields: dict[str, object]) -> None:
        told = (compiled.name, compiled.fingerprint)
        if told in self._told or self.on_notice is None:
            return
        self._told.add(told)
        subject = fields.get("display") or fields.get("kind")
        self.on_notice(
            t("rule.message_failed", rule=compiled.name, subject=subject, at=fields.get("hhmmss"))
        )


def _has_symbol(compiled: Compiled, symbol: str) -> bool:
    return compiled.symbols is None or symbol in compiled.symbols
