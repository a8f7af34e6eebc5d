"""The rate limiter and dedupe expiry on a virtual clock."""

from __future__ import annotations

import itertools
from pathlib import Path

from alertbot.delivery.notifiers.base import Window
from alertbot.delivery.ratelimit import Limiter
from alertbot.delivery.store import DeliveryStore, Entry, Submission
from alertbot.state import StateDB
from tests.delivery.conftest import VirtualClock


async def test_group_gets_20_a_minute_and_one_a_second(clock: VirtualClock) -> None:
    limiter = Limiter(clock)
    windows = [Window("chat", 1, 1.0), Window("chat:minute", 20, 60.0), Window("bot", 30, 1.0)]
    times = []
    for _ in range(45):
        await limiter.acquire(windows)
        times.append(clock.monotonic())
    assert all(b - a >= 1.0 for a, b in itertools.pairwise(times))
    assert all(times[i + 20] - times[i] >= 60.0 for i in range(len(times) - 20))


async def test_a_429_blocks_only_its_destination(clock: VirtualClock) -> None:
    limiter = Limiter(clock)
    limiter.block("chat-a", 5.0)
    assert limiter.delay([Window("chat-a", 1, 1.0)]) == 5.0
    assert limiter.delay([Window("chat-b", 1, 1.0)]) == 0.0
    await limiter.acquire([Window("chat-a", 1, 1.0)])
    assert clock.sleeps == [5.0]


def test_dedupe_keys_expire(tmp_path: Path) -> None:
    state = StateDB(tmp_path / "s.db")
    store = DeliveryStore(state, key_ttl=100.0)

    def stored(now: float) -> bool:
        entry = Entry("phone", "vi", "⚡ VI", now)
        [result] = store.commit([Submission([(entry, "k")])], now)
        return result.channels == ["phone"]

    assert stored(now=1000.0)
    assert not stored(now=1050.0)
    assert store.expire_keys(now=1101.0) == 1
    assert stored(now=1102.0)
    state.close()
