"""Benchmark 2: 200,000 REAL frames through the socket, bot versus a bare receiver.

The Kiwoom simulator runs in a process of its own (bench/world.py) and sends 200,000 ``0B``
frames as fast as it can to whichever client registered. Three clients, timed from the
"go" to the last frame handled:

- bare: a plain ``websockets`` client that logs in, registers, and only receives (bytes,
  no decoding) and counts: the floor, the cost of reading the socket;
- feed: the real ``KiwoomFeed`` with an event sink that does nothing;
- bot: the real ``App`` (10,000 price rules over 2,000 stocks, none firing) with its
  ``KiwoomFeed``: every frame parsed, counted in metrics and evaluated by the engine.

Why a separate process for the server: on one event loop the sender's work would slow the
client it is measuring and slow the bare client and the bot by different amounts. With the
server apart, both cases face the same sender, and the bare figure says how fast frames can
arrive at all. Rounds alternate so that machine noise hits both.

    .venv/bin/python bench/socket_throughput.py

Target: bot ≤ 2.0 × bare.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from websockets.asyncio.client import connect
from workload import SYMBOLS, quiet_rules_yaml, symbols
from world import WorldProcess

from alertbot.feeds.kiwoom import protocol
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.sim.kiwoom import SIM_TOKEN

FRAMES = 200_000
RULES = 10_000
POOL = 20_000
"""Distinct frames the simulator cycles through (2,000 stocks × 10 trades)."""
ROUNDS = 2


class Stopwatch:
    """Wall time and this process's CPU time from creation to ``stop``.

    Wall time is bounded below by the sender; CPU time is what the client itself spent, so
    it compares the bot with the bare receiver even when the sender is the slower side.
    """

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def stop(self) -> Timing:
        return Timing(time.perf_counter() - self.wall, time.process_time() - self.cpu)


class Timing(NamedTuple):
    wall: float
    cpu: float


async def bare(world: WorldProcess, count: int) -> Timing:
    codes = symbols(SYMBOLS)
    async with connect(world.kiwoom_url, ping_interval=None, max_size=2**23) as ws:
        await ws.send(protocol.login(SIM_TOKEN))
        await ws.recv()
        for start in range(0, len(codes), 100):
            await ws.send(protocol.register(["0B"], codes[start : start + 100]))
        await world.expect("ready")
        clock = Stopwatch()
        await world.command(f"blast {count}")
        seen = 0
        while seen < count:
            frame = await ws.recv(decode=False)
            if frame.startswith(b'{"trnm":"REAL"'):
                seen += 1
        return clock.stop()


async def token() -> str:
    return SIM_TOKEN


async def feed_only(world: WorldProcess, count: int) -> Timing:
    from alertbot.subscriptions import Subscriptions

    done = asyncio.Event()
    seen = 0

    def sink(_event: object) -> None:
        nonlocal seen
        seen += 1
        if seen == count:
            done.set()

    feed = KiwoomFeed(world.kiwoom_url, token, on_event=sink)
    feed.set_subscriptions(Subscriptions(ticks=frozenset(symbols(SYMBOLS))))
    task = asyncio.create_task(feed.run())
    try:
        await world.expect("ready")
        clock = Stopwatch()
        await world.command(f"blast {count}")
        await asyncio.wait_for(done.wait(), 120)
        return clock.stop()
    finally:
        await feed.stop()
        await asyncio.wait_for(task, 10)


async def bot(world: WorldProcess, count: int, folder: Path) -> Timing:
    app = world.app(folder / "rules.yaml", folder / "state.db")
    await app.start()
    try:
        await world.expect("ready")
        base = app.events.seen
        clock = Stopwatch()
        await world.command(f"blast {count}")
        await app.events.wait(base + count, timeout=120)
        return clock.stop()
    finally:
        await app.stop()


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    codes = symbols(SYMBOLS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "rules.yaml").write_text(quiet_rules_yaml(RULES, codes), encoding="utf-8")
        world = await WorldProcess.start(SYMBOLS, POOL)
        try:
            results: dict[str, list[Timing]] = {"bare": [], "feed": [], "bot": []}
            for _ in range(ROUNDS):
                results["bare"].append(await bare(world, FRAMES))
                results["bot"].append(await bot(world, FRAMES, folder))
            results["feed"].append(await feed_only(world, FRAMES))
        finally:
            await world.close()
    wall = {name: min(t.wall for t in times) for name, times in results.items()}
    cpu = {name: min(t.cpu for t in times) for name, times in results.items()}
    print(f"{FRAMES:,} frames, {SYMBOLS:,} stocks, bot with {RULES:,} rules (none fire)")
    for name in results:
        print(
            f"{name:>5}: {wall[name]:6.2f}s wall ({FRAMES / wall[name]:>7,.0f} frames/s, "
            f"{wall[name] / wall['bare']:.2f}× bare), client CPU {cpu[name]:6.2f}s "
            f"({cpu[name] / FRAMES * 1e6:5.2f} µs/frame, {cpu[name] / cpu['bare']:.2f}× bare)"
        )
    print(
        f"bot / bare: {wall['bot'] / wall['bare']:.2f} wall (target ≤ 2.0), "
        f"{cpu['bot'] / cpu['bare']:.2f} client CPU"
    )


if __name__ == "__main__":
    asyncio.run(main())
