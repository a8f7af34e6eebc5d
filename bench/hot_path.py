"""Benchmark 1: Kiwoom ``0B`` frames (bytes) → events → rule decisions, in process.

For 2,000 stocks and 10, 10,000 and 100,000 price rules that never fire, each frame goes
through what the feed does with it off the socket: ``protocol.parse`` with the receive time,
then ``Engine.evaluate`` for each event. The baseline, measured in the same run on the same
frames and rules, is the seed's approach (bench/naive.py: ``json.loads`` and a loop over
every rule); beside it a tuned scan (the same loop with each rule's fields read out once), the
stricter yardstick.

    .venv/bin/python bench/hot_path.py

Targets: cost(100,000 rules) / cost(10 rules) ≤ 1.5; ≥ 50× faster than the baseline at
10,000 rules. Absolute times are context only: the machine is shared. Then bench/signals.py:
the extra cost per trade of a volume (target ≤ ~1 µs) or limit rule on the stock.
"""

from __future__ import annotations

import gc
import time

import signals
from naive import Scan, SeedEvaluator, TunedNaiveEvaluator
from workload import quiet_ruleset, symbols, trade_frames

from alertbot.engine.engine import Engine
from alertbot.events import now_kst
from alertbot.feeds.kiwoom import protocol

RULE_COUNTS = (10, 10_000, 100_000)
FRAMES = 50_000
ROUNDS = 5
SCAN_FRAMES = {10: 10_000, 10_000: 200, 100_000: 20}
"""The baselines are slow with many rules: fewer frames keep the run under a minute."""


def hot_path(engine: Engine, frames: list[bytes]) -> float:
    """Seconds per frame through parse + evaluate, as the feed would run them."""
    parse, evaluate, clock = protocol.parse, engine.evaluate, now_kst
    started = time.perf_counter()
    for frame in frames:
        message = parse(frame, clock())
        for event in message.events:  # type: ignore[union-attr]
            evaluate(event)
    return (time.perf_counter() - started) / len(frames)


def scan_path(scan: Scan, frames: list[bytes]) -> float:
    started = time.perf_counter()
    for frame in frames:
        scan.frame(frame)
    return (time.perf_counter() - started) / len(frames)


def main() -> None:
    codes = symbols()
    frames = list(trade_frames(FRAMES, codes))
    print(f"{len(codes):,} stocks, {len(frames):,} 0B frames of ~{len(frames[0])} bytes")
    engines: dict[int, Engine] = {}
    scans: dict[tuple[str, int], Scan] = {}
    samples: dict[int, list[bytes]] = {}
    for count in RULE_COUNTS:
        built = time.perf_counter()
        ruleset = quiet_ruleset(count, codes)
        engines[count] = Engine(ruleset)
        hot_path(engines[count], frames[: len(codes)])  # first prices: nothing to cross yet
        # Frames n and n + 2,000 are the same stock: warm up the stocks that are measured.
        samples[count] = frames[len(codes) : len(codes) + SCAN_FRAMES[count]]
        for name, kind in (("seed", SeedEvaluator), ("tuned", TunedNaiveEvaluator)):
            scans[(name, count)] = kind(ruleset)
            scan_path(scans[(name, count)], frames[: SCAN_FRAMES[count]])
        print(f"{count:>7,} rules built and indexed in {time.perf_counter() - built:.1f}s")
    gc.collect()
    ours = dict.fromkeys(RULE_COUNTS, float("inf"))
    base = dict.fromkeys(scans, float("inf"))
    for _ in range(ROUNDS):  # rounds interleave the configurations: noise hits them all
        for count in RULE_COUNTS:
            ours[count] = min(ours[count], hot_path(engines[count], frames))
        for key, scan in scans.items():
            base[key] = min(base[key], scan_path(scan, samples[key[1]]))
    for count in RULE_COUNTS:
        fired = sum(n for (_, outcome), n in engines[count].stats.items() if outcome == "fired")
        seed, tuned = base[("seed", count)], base[("tuned", count)]
        print(
            f"{count:>7,} rules: {ours[count] * 1e6:6.2f} µs/frame; seed baseline "
            f"{seed * 1e6:9.1f} µs ({seed / ours[count]:7.1f}× ours), tuned scan "
            f"{tuned * 1e6:8.1f} µs ({tuned / ours[count]:6.1f}× ours); fired {fired}"
        )
    ratio = ours[100_000] / ours[10]
    print(f"ratio cost(100,000 rules) / cost(10 rules): {ratio:.2f}  (target ≤ 1.5)")
    print(
        f"at 10,000 rules: seed baseline / ours {base[('seed', 10_000)] / ours[10_000]:.0f}× "
        f"(target ≥ 50×); tuned scan / ours {base[('tuned', 10_000)] / ours[10_000]:.0f}×"
    )
    print(f"frames/s at 10,000 rules: {1 / ours[10_000]:,.0f}")
    print()
    signals.main()  # what volume and limit rules add to their stocks' trades


if __name__ == "__main__":
    main()
