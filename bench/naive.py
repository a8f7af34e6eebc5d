"""The baseline: how the seed evaluated (``json.loads``, then every rule of the kind in turn).

Written here only to be measured against. It is deliberately generous to itself: each rule's
symbols and levels are read out of the model once, up front, and it builds no event object,
so what it pays per frame is the decoder plus one pass over the rules.
"""

from __future__ import annotations

import json

from alertbot.engine.rules import RuleSet
from alertbot.engine.schema import PriceRule


class NaiveEvaluator:
    """Same decisions as the engine for price rules, by looking at every rule."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.rules = [
            (rule.name, rule.symbol_set or frozenset(), rule.levels)
            for rule in (located.rule for located in ruleset.rules)
            if isinstance(rule, PriceRule) and rule.enabled
        ]
        self.last: dict[str, tuple[float, float]] = {}

    def frame(self, frame: bytes) -> list[str]:
        """Decode one REAL frame; the names of the rules that fire."""
        fired: list[str] = []
        for entry in json.loads(frame)["data"]:
            values = entry["values"]
            symbol = entry["item"]
            price, rate = abs(int(values["10"])), float(values["12"])
            previous = self.last.get(symbol)
            self.last[symbol] = (price, rate)
            for name, codes, levels in self.rules:
                if symbol not in codes or previous is None:
                    continue
                for key, level in levels:
                    before, now = (
                        (previous[1], rate)
                        if key.startswith("change")
                        else (
                            previous[0],
                            price,
                        )
                    )
                    up = key.endswith("above")
                    if (up and before < level <= now) or (not up and now <= level < before):
                        fired.append(name)
                        break
        return fired
