"""The per-trade cost of ``volume`` and ``limit`` rules, against the same trades without them.

50 stocks trade twice a second each for ten minutes from 09:00 (120 trades per stock and
minute: the running-minute path, with a new minute every 120th trade), decoded once from
Kiwoom ``0B`` frames. Each configuration evaluates the same trades on a fresh engine:

- ``price``: 10 price rules that never fire (the baseline, measured in the same run);
- ``+volume``: the same plus one volume rule on every traded stock (never reaching its ratio);
- ``+limit``: the same plus one limit rule on every traded stock (no trade at a limit);
- ``+volume elsewhere``: a volume rule on 50 other stocks only — what it costs the rest.

    .venv/bin/python bench/signals.py       (also run at the end of bench/hot_path.py)

Target: ``+volume`` costs ≤ ~1 µs more per trade than ``price``; ``+volume elsewhere`` ~0.
"""

from __future__ import annotations

import gc
import time
from dataclasses import replace
from typing import Any

from workload import quiet_ruleset, symbols, trade_frames

from alertbot.engine.engine import Engine
from alertbot.engine.rules import LocatedRule, RuleSet
from alertbot.engine.schema import RULE
from alertbot.events import KST, Event, now_kst
from alertbot.feeds.kiwoom import protocol

STOCKS = 50
TRADES = 60_000
"""100 trades a second over 50 stocks (``trade_frames`` moves its clock every 100 frames)."""
ROUNDS = 7


def trades(codes: list[str]) -> list[Event]:
    received = now_kst().replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=KST)
    events: list[Event] = []
    for frame in trade_frames(TRADES, codes):
        message = protocol.parse(frame, received)
        events.extend(message.events)  # type: ignore[union-attr]
    return events


def with_rules(ruleset: RuleSet, *bodies: dict[str, Any]) -> RuleSet:
    extra = [
        LocatedRule(RULE.validate_python(body), "bench", len(ruleset.rules) + n + 1)
        for n, body in enumerate(bodies)
    ]
    return replace(ruleset, rules=[*ruleset.rules, *extra])


def per_trade(ruleset: RuleSet, events: list[Event]) -> float:
    """Seconds per trade through ``Engine.evaluate`` on a fresh engine (fresh market state)."""
    engine = Engine(ruleset)
    evaluate = engine.evaluate
    started = time.perf_counter()
    for event in events:
        evaluate(event)
    elapsed = time.perf_counter() - started
    assert not any(outcome == "fired" for (_, outcome) in engine.stats), engine.stats
    return elapsed / len(events)


def main() -> None:
    codes = symbols(STOCKS * 2)
    traded, others = codes[:STOCKS], codes[STOCKS:]
    events = trades(traded)
    base = quiet_ruleset(10, traded)
    volume = {"name": "vol", "event": "volume", "ratio_above": 1_000}
    configs = {
        "price": base,
        "+volume": with_rules(base, {**volume, "symbols": traded}),
        "+limit": with_rules(base, {"name": "lim", "event": "limit", "symbols": traded}),
        "+volume elsewhere": with_rules(base, {**volume, "symbols": others}),
    }
    print(f"{STOCKS} stocks, {len(events):,} trades (~120 per stock and minute), 10 price rules")
    best = dict.fromkeys(configs, float("inf"))
    gc.collect()
    for _ in range(ROUNDS):  # interleaved: noise hits every configuration alike
        for name, ruleset in configs.items():
            best[name] = min(best[name], per_trade(ruleset, events))
    baseline = best["price"]
    for name, cost in best.items():
        extra = (cost - baseline) * 1e9
        print(
            f"{name:>18}: {cost * 1e9:7.0f} ns/trade  ({cost / baseline:4.2f}× price only, "
            f"{extra:+5.0f} ns)"
        )
    print(
        f"a volume rule costs its stock's trades {(best['+volume'] - baseline) * 1e9:.0f} ns "
        "each (target ≤ ~1,000 ns); other stocks' trades "
        f"{(best['+volume elsewhere'] - baseline) * 1e9:+.0f} ns"
    )


if __name__ == "__main__":
    main()
