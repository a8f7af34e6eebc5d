"""What the two feeds' reconnect benchmarks share: run trials under two backoffs, print them.

The first line is what a trader sees (production backoff, whose first retry waits 0.25-0.5 s);
the second isolates the protocol work (log in, subscribe everything again) from that wait.
"""

from __future__ import annotations

import statistics
from collections.abc import Awaitable, Callable

from alertbot.feeds.base import Backoff

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
