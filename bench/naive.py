"""The baselines: evaluating by looking at every rule, as the seed did.

Written here only to be measured against; both make the same decisions as the engine for
price rules and build no event object.

- ``SeedEvaluator`` is the seed's approach as it stood (alertbot/engine/engine.py in the
  first commit): ``json.loads``, then for every rule of the kind a match function that reads
  the rule model (``symbol_set``, ``levels``).
- ``TunedNaiveEvaluator`` is the same loop made as cheap as a loop can be: each rule's
  symbols and levels read out of the model once, up front, so a rule for another stock costs
  one set lookup. It is the stricter yardstick: it shows what indexing buys over the best
  possible scan, not over a slow one.
"""

from __future__ import annotations

import json

from alertbot.engine.rules import RuleSet
from alertbot.engine.schema import PriceRule


def crossed(key: str, level: float, previous: tuple[int, float], price: int, rate: float) -> bool:
    before, now = (previous[1], rate) if key.startswith("change") else (previous[0], price)
    if key.endswith("above"):
        return before < level <= now
    return now <= level < before


class Scan:
    """Decode a frame with ``json.loads``; ask ``fired`` about every trade in it."""

    def __init__(self) -> None:
        self.last: dict[str, tuple[int, float]] = {}

    def frame(self, frame: bytes) -> list[str]:
        """The names of the rules that fire on this REAL frame."""
        fired: list[str] = []
        for entry in json.loads(frame)["data"]:
            values = entry["values"]
            symbol = entry["item"]
            price, rate = abs(int(values["10"])), float(values["12"])
            previous = self.last.get(symbol)
            self.last[symbol] = (price, rate)
            if previous is not None:
                fired += self.fired(symbol, previous, price, rate)
        return fired

    def fired(self, symbol: str, previous: tuple[int, float], price: int, rate: float) -> list[str]:
        raise NotImplementedError


class SeedEvaluator(Scan):
    """Every rule's match function in turn, reading the rule model each time."""

    def __init__(self, ruleset: RuleSet) -> None:
        super().__init__()
        self.rules = ruleset.rules

    def fired(self, symbol: str, previous: tuple[int, float], price: int, rate: float) -> list[str]:
        return [
            located.rule.name
            for located in self.rules
            if isinstance(located.rule, PriceRule)
            and _matches(located.rule, symbol, previous, price, rate)
        ]


def _matches(
    rule: PriceRule, symbol: str, previous: tuple[int, float], price: int, rate: float
) -> bool:
    symbols = rule.symbol_set
    if not rule.enabled or (symbols is not None and symbol not in symbols):
        return False
    return any(crossed(key, level, previous, price, rate) for key, level in rule.levels)


class TunedNaiveEvaluator(Scan):
    """The same scan with each rule's symbols and levels extracted once."""

    def __init__(self, ruleset: RuleSet) -> None:
        super().__init__()
        self.rules = [
            (rule.name, rule.symbol_set or frozenset(), rule.levels)
            for rule in (located.rule for located in ruleset.rules)
            if isinstance(rule, PriceRule) and rule.enabled
        ]

    def fired(self, symbol: str, previous: tuple[int, float], price: int, rate: float) -> list[str]:
        return [
            name
            for name, codes, levels in self.rules
            if symbol in codes
            and any(crossed(key, level, previous, price, rate) for key, level in levels)
        ]
