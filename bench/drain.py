"""Drain benchmark: a backlog of 20,000 alerts owed to one Telegram chat (the bot was down,
or the chat was), sent after a start — how long it takes at the service's limits, what it
costs in CPU, and the worst stall of the event loop (which also reads the feeds) meanwhile.

Real ``Delivery`` over a state file, real python-telegram-bot against the fake Bot API on
loopback. Rate-limit waits run on a virtual clock (a wait advances it at once), so "at the
service's limits" is the virtual time — compared with its floor, one message per 1.05 s,
the per-chat window — while wall time is delivery's own work. Baseline in the same run: a
1,000-alert backlog; per-alert cost at 20,000 ÷ at 1,000 ≈ 1 means no send grows with the
backlog.

A stall is one step of the event loop (a callback or a task's run until its next ``await``)
holding the loop: each step is timed in wall time (what the feeds wait: fsyncs included)
and in thread CPU time (delivery's own work, without the time another process on a shared
machine took the core). A 5 ms ticker on the same loop reports the gaps it saw too. Rounds
alternate between the two sizes and the best of three is kept (noise only adds). Run:
``.venv/bin/python bench/drain.py``. Target: worst stall ≤ 50 ms.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from alertbot.delivery.clock import Clock
from alertbot.delivery.notifiers import build_notifier
from alertbot.delivery.pipeline import Delivery
from alertbot.delivery.store import DeliveryStore, Entry, Submission
from alertbot.events import KST
from alertbot.sim.telegram import FakeTelegram
from alertbot.state import StateDB

SIZES = (1_000, 20_000)
ROUNDS = 3
TICK = 0.005
WINDOW = 1.05
"""Delivery's per-chat window for Telegram (about one message a second)."""


class VirtualClock(Clock):
    """Waits advance time at once; everything else runs for real."""

    def __init__(self) -> None:
        self.t = 0.0
        self.start = datetime(2026, 3, 9, 9, 0, tzinfo=KST)

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t)

    async def sleep(self, seconds: float) -> None:
        self.t += seconds
        await asyncio.sleep(0)


@dataclass
class Result:
    alerts: int
    messages: int
    virtual: float
    wall: float
    cpu: float
    stall: float
    """The longest loop step, wall seconds."""
    stall_cpu: float
    """The longest loop step, in thread CPU seconds."""
    gap: float
    """The longest wall-clock gap the ticker saw beyond its 5 ms."""


def backlog(path: Path, count: int, created: float) -> None:
    """``count`` VIs owed to ``phone``, stored as the bot stores them."""
    state = StateDB(path)
    store = DeliveryStore(state)
    submissions = []
    for i in range(count):
        display = f"종목{i}({100000 + i:06d})"
        entry = Entry(
            "phone", "vi", f"⚡ VI 발동 {display}\n정적 VI · 상승 · 발동가 78,400원 (+10.02%)",
            created, f"{display} 78,400 (+10.02%)", f"{100000 + i:06d}", "vi-all",
        )  # fmt: skip
        submissions.append(Submission([(entry, f"vi-all|{i}|phone")]))
    store.commit(submissions, created)
    state.close()


class StepTimer:
    """Thread CPU time of every event-loop step, while installed (``asyncio.Handle._run``
    is what the loop calls for each callback and each task step)."""

    def __init__(self) -> None:
        self.worst = self.worst_cpu = 0.0
        self._run = asyncio.Handle._run

    def __enter__(self) -> StepTimer:
        run = self._run

        def timed(handle: asyncio.Handle) -> None:
            wall, cpu = time.perf_counter(), time.thread_time()
            run(handle)
            self.worst = max(self.worst, time.perf_counter() - wall)
            self.worst_cpu = max(self.worst_cpu, time.thread_time() - cpu)

        asyncio.Handle._run = timed  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.Handle._run = self._run  # type: ignore[method-assign]


async def ticker(worst: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        started = time.perf_counter()
        await asyncio.sleep(TICK)
        worst[0] = max(worst[0], time.perf_counter() - started - TICK)


async def drain(count: int) -> Result:
    clock = VirtualClock()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "state.db"
        backlog(path, count, clock.now().timestamp())
        async with FakeTelegram() as telegram:
            spec = {"token": "123:bench", "chat_id": "424242", "base_url": telegram.base_url}
            state = StateDB(path)
            delivery = Delivery(
                {"phone": build_notifier("phone", "telegram", spec)}, state, clock=clock
            )
            worst, stop = [0.0], asyncio.Event()
            watch = asyncio.create_task(ticker(worst, stop))
            wall, cpu = time.perf_counter(), time.process_time()
            with StepTimer() as steps:
                await delivery.start()
                await delivery.drain()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            stop.set()
            await watch
            await delivery.close()
            assert DeliveryStore(state).counts() == {}, "everything sent"
            state.close()
            seen = {s for m in telegram.messages for s in re.findall(r"\((\d{6})\)", m.text)}
            assert len(seen) == count, "every alert, once"
            messages = len(telegram.messages)
    return Result(count, messages, clock.t, wall, cpu, steps.worst, steps.worst_cpu, worst[0])


async def main() -> None:
    best: dict[int, Result] = {}
    for _ in range(ROUNDS):
        for size in SIZES:
            result = await drain(size)
            kept = best.get(size)
            best[size] = result if kept is None or result.cpu < kept.cpu else kept
    for r in best.values():
        floor = (r.messages - 1) * WINDOW
        print(
            f"{r.alerts:>6} alerts: {r.messages} messages; at the service's limits "
            f"{r.virtual:.1f} s (floor {floor:.1f} s, ×{r.virtual / max(floor, 1e-9):.2f}); "
            f"wall {r.wall:.2f} s, CPU {r.cpu:.2f} s ({r.cpu / r.alerts * 1e6:.0f} µs/alert); "
            f"longest loop step {r.stall * 1000:.1f} ms ({r.stall_cpu * 1000:.1f} ms CPU; "
            f"ticker gap {r.gap * 1000:.1f} ms)"
        )
    small, large = best[SIZES[0]], best[SIZES[1]]
    ratio = (large.cpu / large.alerts) / (small.cpu / small.alerts)
    print(f"CPU per alert, {large.alerts} vs {small.alerts} backlog: ×{ratio:.2f} (target ≈ 1)")
    worst = max(r.stall for r in best.values()) * 1000
    print(f"worst event-loop stall: {worst:.1f} ms (target ≤ 50 ms)")


if __name__ == "__main__":
    asyncio.run(main())
