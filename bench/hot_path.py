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
from workload import quiet_ruleset, symbols, trade_frames

from alertbot.engine.engine import Engine
from alertbot.events import now_kst
from alertbot.feeds.kiwoom import protocol

RULE_COUNTS = (10, 10_000, 100_000)
FRAMES = 50_000
ROUNDS = 5
NAIVE_FRAMES = {10: 10_000, 10_000: 300, 100_000: 30}
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
    engines: dict[int, Engine] = {}
    naives: dict[int, NaiveEvaluator] = {}
    samples: dict[int, list[bytes]] = {}
    for count in RULE_COUNTS:
        built = time.perf_counter()
        ruleset = quiet_ruleset(count, codes)
        engines[count] = Engine(ruleset)
        hot_path(engines[count], frames[: len(codes)])  # first prices: nothing to cross yet
        naives[count] = NaiveEvaluator(ruleset)
        # Frames n and n + 2,000 are the same stock: warm up the stocks that are measured.
        naive_path(naives[count], frames[: NAIVE_FRAMES[count]])
        samples[count] = frames[len(codes) : len(codes) + NAIVE_FRAMES[count]]
        print(f"{count:>7,} rules built and indexed in {time.perf_counter() - built:.1f}s")
    gc.collect()
    ours = dict.fromkeys(RULE_COUNTS, float("inf"))
    naive = dict.fromkeys(RULE_COUNTS, float("inf"))
    for _ in range(ROUNDS):  # rounds interleave the configurations: noise hits them all
        for count in RULE_COUNTS:
            ours[count] = min(ours[count], hot_path(engines[count], frames))
            naive[count] = min(naive[count], naive_path(naives[count], samples[count]))
    for count in RULE_COUNTS:
        fired = sum(n for (_, outcome), n in engines[count].stats.items() if outcome == "fired")
        print(
            f"{count:>7,} rules: {ours[count] * 1e6:7.2f} µs/frame "
            f"(baseline {naive[count] * 1e6:10.1f} µs/frame, "
            f"{naive[count] / ours[count]:8.1f}× faster; fired {fired})"
        )
    ratio = ours[100_000] / ours[10]
    speedup = naive[10_000] / ours[10_000]
    print(f"ratio cost(100,000 rules) / cost(10 rules): {ratio:.2f}  (target ≤ 1.5)")
    print(f"baseline / ours at 10,000 rules: {speedup:.0f}×  (target ≥ 50×)")
    print(f"frames/s at 10,000 rules: {1 / ours[10_000]:,.0f}")


if __name__ == "__main__":
    main()
