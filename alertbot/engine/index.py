"""The rules compiled for lookup: an event meets only the rules that could fire on it.

Rules are bucketed by event kind and then by what the event names (stock code, condition,
market, keyword); rules that leave it out sit in an ``any`` bucket. Evaluating an event thus
costs a few dict lookups plus the rules that actually concern it, whether the files hold ten
rules or a hundred thousand for other stocks. A ``RuleIndex`` is built whole from a
``RuleSet`` and never changed after: a reload builds a new one and swaps it in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import TypeVar

from alertbot.engine import collector
from alertbot.engine.crossing import Crossings
from alertbot.engine.keywords import KeywordMatcher, normalize
from alertbot.engine.rules import RuleSet
from alertbot.engine.schema import (
    ConditionRule,
    DisclosureRule,
    FillRule,
    LimitRule,
    MarketRule,
    NewsRule,
    PriceRule,
    Rule,
    ViRule,
    VolumeRule,
)
from alertbot.engine.volume import Judge
from alertbot.subscriptions import Subscriptions

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True, eq=False)
class Compiled:
    """A rule with everything the hot path needs already resolved."""

    rule: Rule
    order: int
    """Position in the rule files: alerts for one event come out in this order."""
    fingerprint: str
    channels: tuple[str, ...]
    cooldown: timedelta
    symbols: frozenset[str] | None
    template: str | None
    """The rule's own ``message``; None: the catalog's default for the event."""

    @property
    def name(self) -> str:
        return self.rule.name


class Buckets:
    """Rules by key, plus the rules that take any key."""

    __slots__ = ("any", "by_key")

    def __init__(self) -> None:
        self.by_key: dict[str, list[Compiled]] = {}
        self.any: list[Compiled] = []

    def add(self, compiled: Compiled, keys: Iterable[str] | None) -> None:
        if keys is None:
            self.any.append(compiled)
            return
        for key in keys:
            self.by_key.setdefault(key, []).append(compiled)

    def get(self, *keys: str) -> list[Compiled]:
        """Rules for any of ``keys`` and the ``any`` bucket, each once, in file order."""
        found = [self.by_key[key] for key in keys if key in self.by_key]
        if not found:
            return self.any
        if len(found) == 1 and not self.any:
            return found[0]
        return unique_in_order([*self.any, *(c for bucket in found for c in bucket)])


def unique_in_order(rules: Iterable[Compiled]) -> list[Compiled]:
    return sorted({id(c): c for c in rules}.values(), key=lambda c: c.order)


def _add_keyword_rule(
    compiled: Compiled,
    rule: NewsRule | DisclosureRule,
    by_keyword: Buckets,
    plain: Buckets,
    words: set[str],
) -> None:
    """A rule with keywords waits for one of them; without, for its stocks (or any)."""
    if rule.keywords:
        by_keyword.add(compiled, [normalize(k) for k in rule.keywords])
    else:
        plain.add(compiled, compiled.symbols)
    words.update(rule.keywords or ())
    words.update(rule.exclude)


PriceEntry = tuple[Compiled, str]
"""A price-rule level's payload: the rule and which key (``above``, …) set it."""


@dataclass(frozen=True, slots=True)
class TickSignals:
    """What a stock's trades feed besides price levels: its limit and volume rules."""

    limit: tuple[Compiled, ...] = ()
    volume: tuple[Judge[Compiled], ...] = ()


class RuleIndex:
    """Every enabled rule of a ``RuleSet``, bucketed for the engine."""

    def __init__(self, ruleset: RuleSet) -> None:
        with collector.building():
            self._build(ruleset)

    def _build(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self.vi = Buckets()
        self.fill = Buckets()
        self.market = Buckets()
        self.conditions = Buckets()
        """Keyed ``seq:4`` or ``name:급등주``; never ``any`` (a rule names its condition)."""
        self.news_by_keyword = Buckets()
        """Keyword rules by normalized keyword (never ``any``)."""
        self.news_plain = Buckets()
        """News rules without keywords, by stock code or ``any``."""
        self.disclosures_by_keyword = Buckets()
        """Disclosure rules by normalized keyword of the report name (never ``any``)."""
        self.disclosures_plain = Buckets()
        """Disclosure rules without keywords, by stock code or ``any``."""
        self.prices: Crossings[PriceEntry] = Crossings()
        self.rates: Crossings[PriceEntry] = Crossings()
        self.limit = Buckets()
        """Limit rules by stock code or ``any``: for the feeds' own limit reports."""
        self._volume: dict[str, list[Judge[Compiled]]] = {}
        self.signals: dict[str, TickSignals] = {}
        """Stock code → its limit and volume rules; only stocks that have some are here."""
        self.every_stock: TickSignals | None = None
        """The signals of a stock not in ``signals``: limit rules for every stock, if any."""
        self.fingerprints = {
            located.rule.name: located.rule.fingerprint for located in ruleset.rules
        }
        words: set[str] = set()
        self._shared: dict[object, object] = {}
        for order, located in enumerate(ruleset.rules):
            if located.rule.enabled:
                self._add(self._compile(located.rule, order), words)
        self.keywords = KeywordMatcher(words)
        self.prices.finish()
        self.rates.finish()
        self._tick_signals()
        self.subscriptions = self._subscriptions()
        del self._shared

    def _compile(self, rule: Rule, order: int) -> Compiled:
        return Compiled(
            rule=rule,
            order=order,
            fingerprint=rule.fingerprint,
            channels=self._share(self.ruleset.notify_for(rule)),
            cooldown=self.ruleset.cooldown_for(rule),
            symbols=self._share(rule.symbol_set),
            template=rule.message,
        )

    def retire(self) -> None:
        """Free this index (replaced by a reload) and its rules a batch at a time; call it
        from a worker thread (``collector``: dropping it at once stalls the event loop)."""
        collector.retire([self.ruleset.rules, *collector.containers_of(self, skip={"ruleset"})])

    def _share(self, value: _T) -> _T:
        """One object for equal values: 100,000 rules name the same few stocks and channels."""
        return self._shared.setdefault(value, value)  # type: ignore[return-value]

    def _add(self, compiled: Compiled, words: set[str]) -> None:
        rule = compiled.rule
        if isinstance(rule, ViRule):
            self.vi.add(compiled, compiled.symbols)
        elif isinstance(rule, FillRule):
            self.fill.add(compiled, compiled.symbols)
        elif isinstance(rule, MarketRule):
            self.market.add(compiled, rule.markets)
        elif isinstance(rule, ConditionRule):
            key = f"seq:{rule.seq}" if rule.seq is not None else f"name:{rule.condition}"
            self.conditions.add(compiled, [key])
        elif isinstance(rule, PriceRule):
            for symbol in sorted(compiled.symbols or ()):
                for key, level in rule.levels:
                    target = self.rates if key.startswith("change_pct") else self.prices
                    target.add(
                        symbol, key.endswith("above"), level, compiled.order, (compiled, key)
                    )
        elif isinstance(rule, NewsRule):
            _add_keyword_rule(compiled, rule, self.news_by_keyword, self.news_plain, words)
        elif isinstance(rule, DisclosureRule):
            # Report names are searched with the headlines' matcher: one normalization.
            by_keyword, plain = self.disclosures_by_keyword, self.disclosures_plain
            _add_keyword_rule(compiled, rule, by_keyword, plain, words)
        elif isinstance(rule, LimitRule):
            self.limit.add(compiled, compiled.symbols)
        elif isinstance(rule, VolumeRule):
            judge = Judge(rule.name, rule.ratio_above, rule.window_minutes, compiled)
            for symbol in sorted(compiled.symbols or ()):
                self._volume.setdefault(symbol, []).append(judge)

    def _tick_signals(self) -> None:
        """Each stock's limit rules (its own and every stock's) and volume rules, in file order."""
        every = tuple(self.limit.any)
        for symbol in {*self.limit.by_key, *self._volume}:
            limit = unique_in_order([*every, *self.limit.by_key.get(symbol, ())])
            self.signals[symbol] = TickSignals(tuple(limit), tuple(self._volume.get(symbol, ())))
        self.every_stock = TickSignals(every) if every else None

    def _subscriptions(self) -> Subscriptions:
        conditions = {
            located.rule.seq or located.rule.condition or ""
            for located in self.ruleset.rules
            if isinstance(located.rule, ConditionRule) and located.rule.enabled
        }
        has = {located.rule.event for located in self.ruleset.rules if located.rule.enabled}
        nxt = {
            symbol
            for located in self.ruleset.rules
            if isinstance(located.rule, PriceRule) and located.rule.enabled and located.rule.nxt
            for symbol in located.rule.symbol_set or ()
        }
        return Subscriptions(
            vi="vi" in has,
            ticks=frozenset(self.prices.levels) | frozenset(self.rates.levels) | set(self.signals),
            nxt_ticks=frozenset(nxt),
            conditions=frozenset(conditions),
            fills="fill" in has,
            market="market" in has,
            news="news" in has,
            limits="limit" in has,
            disclosures="disclosure" in has,
        )
