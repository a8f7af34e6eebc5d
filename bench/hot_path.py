"""Benchmark 1: Kiwoom ``0B`` frames (bytes) → events → rule decisions, in process.

For 2,000 stocks and 10, 10,000 and 100,000 price rules that never fire, each frame goes
through what the feed does with it off the socket: ``protocol.parse`` with the receive time,
then ``Engine.evaluate`` for each event. The baseline, measured in the same run on the same
frames and rules, is the seed's approach (bench/naive.py: ``json.loads`` and a loop over
every rule).

    .venv/bin/python bench/hot_path.py

Targets: cost(100,000 rules) / cost(10 rules) ≤ 1.5; ≥ 50× faster than the baseline at
10,000 rules. Absolute times are context only: the machine is shared.
"""

from __future__ import annotations

import gc
import time

from naive import NaiveEvaluator
from workload import best_of, quiet_ruleset, symbols, trade_frames

from alertbot.engine.engine import Engine
from alertbot.events import now_kst
from alertbot.feeds.kiwoom import protocol

RULE_COUNTS = (10, 10_000, 100_000)
FRAMES = 50_000
ROUNDS = 4
NAIVE_FRAMES = {10: 20_000, 10_000: 400, 100_000: 40}
"""The baseline is slow with many rules: fewer frames keep the run under a minute."""


def hot_path(engine: Engine, frames: list[bytes]) -> float:
    """Seconds per frame through parse + evaluate, as the feed would run them."""
    parse, evaluate, clock = protocol.parse, engine.evaluate, now_kst
    started = time.perf_counter()
    for frame in frames:
        message = parse(frame, clock())
        for event in message.events:  # type: ignore[union-attr]
            evaluate(event)
    return (time.perf_counter() - started) / len(frames)


def naive_path(naive: NaiveEvaluator, frames: list[bytes]) -> float:
    started = time.perf_counter()
    for frame in frames:
        naive.frame(frame)
    return (time.perf_counter() - started) / len(frames)


def main() -> None:
    codes = symbols()
    frames = list(trade_frames(FRAMES, codes))
    print(f"{len(codes):,} stocks, {len(frames):,} 0B frames of ~{len(frames[0])} bytes")
    ours: dict[int, float] = {}
    naive: dict[int, float] = {}
    for count in RULE_COUNTS:
        built = time.perf_counter()
        ruleset = quiet_ruleset(count, codes)
        engine = Engine(ruleset)
        hot_path(engine, frames[: len(codes)])  # first prices: nothing to cross yet
        setup = time.perf_counter() - built
        gc.collect()
        ours[count] = best_of(ROUNDS, lambda engine=engine: hot_path(engine, frames))
        evaluator = NaiveEvaluator(ruleset)
        # Frames n and n + 2,000 are the same stock: warm up the stocks that are measured.
        sample = frames[len(codes) : len(codes) + NAIVE_FRAMES[count]]
        naive_path(evaluator, frames[: NAIVE_FRAMES[count]])
        naive[count] = best_of(2, lambda e=evaluator, s=sample: naive_path(e, s))
        fired = sum(count for (_, outcome), count in engine.stats.items() if outcome == "fired")
        print(
            f"{count:>7,} rules: {ours[count] * 1e6:7.2f} µs/frame "
            f"(baseline {naive[count] * 1e6:10.1f} µs/frame, "
            f"{naive[count] / ours[count]:8.1f}× faster; setup {setup:.1f}s, fired {fired})"
        )
    ratio = ours[100_000] / ours[10]
    speedup = naive[10_000] / ours[10_000]
    print(f"ratio cost(100,000 rules) / cost(10 rules): {ratio:.2f}  (target ≤ 1.5)")
    print(f"baseline / ours at 10,000 rules: {speedup:.0f}×  (target ≥ 50×)")
    print(f"frames/s at 10,000 rules: {1 / ours[10_000]:,.0f}")


if __name__ == "__main__":
    main()
