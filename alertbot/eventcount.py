"""How many events have gone through the engine, and a way to wait for a count.

The demo plays a frame only once the previous one was taken, and tests wait for "three events"
instead of sleeping. Counting costs one addition and one comparison per event on the hot path.
"""

from __future__ import annotations

import asyncio
import math


class EventCount:
    """``count()`` on every event; ``await wait(n)`` until ``n`` events in all were counted."""

    def __init__(self) -> None:
        self.seen = 0
        self._waiters: list[tuple[int, asyncio.Event]] = []
        self._next_wake = math.inf
        """The smallest count a waiter waits for: one comparison per event."""

    def count(self) -> None:
        self.seen += 1
        if self.seen >= self._next_wake:
            self._wake()

    async def wait(self, count: int, timeout: float = 10.0) -> None:
        if self.seen >= count:
            return
        reached = asyncio.Event()
        self._waiters.append((count, reached))
        self._next_wake = min(self._next_wake, count)
        await asyncio.wait_for(reached.wait(), timeout)

    def _wake(self) -> None:
        remaining = []
        for count, reached in self._waiters:
            if self.seen >= count:
                reached.set()
            else:
                remaining.append((count, reached))
        self._waiters = remaining
        self._next_wake = min((count for count, _ in remaining), default=math.inf)
