"""The sessions fuzzed at scale: 10⁵ lives (and more) of random and mutated frames, timer
ticks, rule changes and reconnects through every session; any exception is a finding. Also the
cost of the two inputs that once stalled the parsers, against a normal frame of the same kind.

    .venv/bin/python bench/fuzz_sessions.py [lives per session, default 50000]

The normal suite runs a few thousand of the same lives (tests/test_sessions_fuzz.py); this is
the long run, not part of ``pytest`` (issue 13).
"""

from __future__ import annotations

import sys
import time
from datetime import datetime
from pathlib import Path

import orjson
from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from alertbot.events import KST
from alertbot.feeds.ls import protocol as ls
from tests.fuzzing import GOLDEN, SESSIONS, drive, examples, steps

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=KST)


def fuzz(source: str, lives: int) -> float:
    @settings(
        max_examples=lives,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(steps(examples(source)))
    def run(life: list[tuple[str, object]]) -> None:
        drive(SESSIONS[source], life)

    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def best_of(frame: bytes, rounds: int = 5, repeat: int = 20) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeat):
            ls.parse(frame, NOW)
        best = min(best, (time.perf_counter() - started) / repeat)
    return best


def news_cost() -> None:
    example = orjson.loads((GOLDEN / "ls" / "nws_response.json").read_bytes())
    normal = orjson.dumps(example)
    example["body"]["code"] = "000000011810" * 20_000  # 240 KB
    huge = orjson.dumps(example)
    base, big = best_of(normal), best_of(huge)
    print(f"NWS, 240 KB code field: {big * 1e6:,.0f} µs vs {base * 1e6:,.1f} µs normal")
    print(f"  ratio {big / base:,.1f}× for a frame {len(huge) / len(normal):,.0f}× longer")


def main() -> None:
    lives = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    total = 0
    for source in sorted(SESSIONS):
        seconds = fuzz(source, lives)
        total += lives
        print(f"{source}: {lives:,} lives in {seconds:,.0f} s, no exception")
    print(f"{total:,} lives in all")
    news_cost()


if __name__ == "__main__":
    main()
