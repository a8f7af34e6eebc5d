"""Benchmark 5: the whole bot from outside, as a user runs it, against a bare receiver.

The Kiwoom simulator and the fake Telegram server run in one process (bench/bot_world.py);
the bot is ``python -m alertbot run`` in another (bench/botproc.py) with 10,000 price rules
over 2,000 stocks (none fire) and one VI rule that sends to Telegram. One round: the simulator
sends 200,000 ``0B`` frames of the vendor's shape cut to 16 fields (every field the bot
reads; the sender is faster than with all 45), then one VI; the figure is the time from the
first frame leaving the simulator to that VI's ``sendMessage`` arriving at Telegram.

Baseline in the same run: a bare ``websockets`` client in this benchmark's process (not the
simulator's) that only receives the same 200,000 frames and the VI from the same simulator.
Rounds alternate (bare, bot, bare, bot …) and the best of each is kept. Also printed: the
bot's peak RSS after the run (``VmHWM``).

    .venv/bin/python bench/end_to_end.py [FRAMES]

Targets (issue 19): bot ≤ 1.3 × bare; peak RSS ≤ 100 MB.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

import orjson
from botproc import BotProcess, quiet_rules
from websockets.asyncio.client import connect
from workload import SYMBOLS, symbols
from world import WorldProcess

from alertbot.feeds.kiwoom import protocol
from alertbot.sim.kiwoom import SIM_TOKEN

FRAMES = 200_000
RULES = 10_000
POOL = 20_000
FIDS = 16
ROUNDS = 3
VI_CODE = "100007"
WORLD = str(Path(__file__).with_name("bot_world.py"))


def rules_yaml(base_url: str, codes: list[str]) -> str:
    """``RULES`` quiet price rules over ``codes`` and one VI rule on ``VI_CODE`` to Telegram."""
    lines = quiet_rules(base_url, RULES, codes)
    lines.append(f'  - {{name: vi, event: vi, symbols: ["{VI_CODE}"], message: "VI {{symbol}}"}}')
    return "\n".join(lines) + "\n"


async def bare(world: WorldProcess, count: int) -> float:
    codes = symbols(SYMBOLS)
    async with connect(world.kiwoom_url, ping_interval=None, max_size=2**23) as ws:
        await ws.send(protocol.login(SIM_TOKEN))
        await ws.recv()
        for start in range(0, len(codes), 100):
            await ws.send(protocol.register(["0B"], codes[start : start + 100]))
        await world.command("ready")
        await world.expect("ready")
        await world.command(f"blast {count} {VI_CODE} none")
        seen = 0
        while seen <= count:
            frame = await ws.recv(decode=False)
            if frame.startswith(b'{"trnm":"REAL"'):
                seen += 1
        last = time.monotonic()
        stamps = orjson.loads(await world.expect("done"))
    return last - stamps["start"]


async def bot(world: WorldProcess, count: int, folder: Path) -> tuple[float, dict[str, float]]:
    process = await BotProcess.start(world.kiwoom_url, folder / "rules.yaml", folder / "state.db")
    try:
        await world.command("ready")
        await world.expect("ready", timeout=300)
        await world.command(f"blast {count} {VI_CODE} alert")
        stamps = orjson.loads(await world.expect("done", timeout=300))
        return stamps["alert"] - stamps["start"], process.memory_mb()
    finally:
        await process.stop()
        (folder / "state.db").unlink(missing_ok=True)


async def main(frames: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        world = await WorldProcess.start(SYMBOLS, POOL, WORLD, str(FIDS))
        (folder / "rules.yaml").write_text(
            rules_yaml(world.telegram_url, symbols(SYMBOLS)), encoding="utf-8"
        )
        try:
            bares, bots, peaks = [], [], []
            for _ in range(ROUNDS):
                bares.append(await bare(world, frames))
                seconds, memory = await bot(world, frames, folder)
                bots.append(seconds)
                peaks.append(memory["peak"])
        finally:
            await world.close()
    best_bare, best_bot = min(bares), min(bots)
    print(
        f"{frames:,} frames of {FIDS} fields + 1 VI, {SYMBOLS:,} stocks, "
        f"{RULES:,} quiet rules, {ROUNDS} rounds"
    )
    print(f" bare: {best_bare:6.2f}s  ({frames / best_bare:,.0f} frames/s)  rounds {_list(bares)}")
    print(f"  bot: {best_bot:6.2f}s  ({frames / best_bot:,.0f} frames/s)  rounds {_list(bots)}")
    print(f"bot / bare: {best_bot / best_bare:.2f}× (target ≤ 1.3)")
    print(f"bot peak RSS: {min(peaks):.0f} MB (target ≤ 100), rounds {_list(peaks, '.0f')}")


def _list(values: list[float], spec: str = ".2f") -> str:
    return " ".join(format(v, spec) for v in values)


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else FRAMES))
