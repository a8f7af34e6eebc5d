"""What the two feeds' reconnect benchmarks share: run trials under two backoffs, print them.

The first line is what a trader sees (production backoff, whose first retry waits 0.25-0.5 s);
the second isolates the protocol work (log in, subscribe everything again) from that wait.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from alertbot.feeds.base import Backoff, Feed

BACKOFFS = (
    ("production backoff (first retry 0.25-0.5 s)", Backoff()),
    ("backoff zeroed (protocol work only)", Backoff(initial=0.0)),
)


async def report(
    one_trial: Callable[[Backoff], Awaitable[float]], trials: int, reached: str
) -> None:
    """Print median, min and max seconds from a drop until ``reached`` for each backoff."""
    for label, backoff in BACKOFFS:
        results = [await one_trial(backoff) for _ in range(trials)]
        print(
            f"drop -> {reached}, {label}: median {statistics.median(results):.3f}s, "
            f"min {min(results):.3f}s, max {max(results):.3f}s"
        )


async def time_reconnect(feed: Feed, sim: Any, ready: Callable[[int], bool]) -> float:
    """Run ``feed`` against ``sim``, drop its connection once, and time the way back.

    ``ready(since)``: a session opened after the first ``since`` holds every subscription.
    """
    first = len(sim.sessions)
    task = asyncio.create_task(feed.run())
    try:
        await sim.wait_for(lambda: ready(first), timeout=20)
        before = len(sim.sessions)
        started = time.perf_counter()
        await sim.drop()
        await sim.wait_for(lambda: ready(before), timeout=20)
        return time.perf_counter() - started
    finally:
        await feed.stop()
        await asyncio.wait_for(task, 5)
