"""Benchmark 3: from a frame leaving the simulator to the Telegram request arriving.

The simulator and the fake Telegram server run together in a process of their own
(bench/world.py), so one clock stamps both ends: when each frame was handed to the socket
and when each ``sendMessage`` arrived. 500 ``0B`` frames a second, one in 20 crossing a price
rule's level (5%: 25 alerts a second), the alerts spread over 50 chats so that no chat sees
more than one message every two seconds and no rate limit applies.

- bare (the baseline of this run): a plain ``websockets`` client that decodes each frame and,
  for the firing ones, sends the message with python-telegram-bot at once: the floor of
  "read a frame, make one HTTP request";
- bot: the real ``App`` with 2,000 price rules and 50 Telegram channels.

    .venv/bin/python bench/latency.py

Target: bot p99 ≤ 20 ms.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import tempfile
from pathlib import Path

import orjson
from telegram import Bot
from websockets.asyncio.client import connect
from workload import CHATS, SYMBOLS, latency_rules_yaml, symbols
from world import WorldProcess

from alertbot.feeds.kiwoom import protocol
from alertbot.sim.kiwoom import SIM_TOKEN

FRAMES = 8_000
RATE = 500.0


async def paced(world: WorldProcess) -> dict:
    await world.expect("ready")
    await world.command(f"pace {FRAMES} {RATE}")
    return orjson.loads(await world.expect("done"))


async def bare(world: WorldProcess) -> dict:
    codes = symbols(SYMBOLS)
    firing = {code: n for n, code in enumerate(codes[len(codes) // 2 :])}
    bot = Bot("123:bench-token", base_url=world.telegram_url)
    await bot.initialize()
    tasks: set[asyncio.Task] = set()

    async def read(ws) -> None:  # type: ignore[no-untyped-def]
        async for frame in ws:
            body = orjson.loads(frame)
            if body.get("trnm") != "REAL":
                continue
            for entry in body["data"]:
                values = entry["values"]
                code = entry["item"]
                if code in firing and int(values["10"]) > 50_500:
                    chat = 100_000 + firing[code] % CHATS
                    text = f"bench #{values['13']} {code}"
                    task = asyncio.create_task(bot.send_message(chat_id=chat, text=text))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)

    try:
        async with connect(world.kiwoom_url, ping_interval=None, max_size=2**23) as ws:
            await ws.send(protocol.login(SIM_TOKEN))
            await ws.recv()
            for start in range(0, len(codes), 100):
                await ws.send(protocol.register(["0B"], codes[start : start + 100]))
            reader = asyncio.create_task(read(ws))
            result = await paced(world)
            reader.cancel()
    finally:
        await bot.shutdown()
    return result


async def run_bot(world: WorldProcess, folder: Path) -> dict:
    rules = latency_rules_yaml(symbols(SYMBOLS), world.telegram_url)
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    app = world.app(folder / "rules.yaml", folder / "state.db")
    await app.start()
    try:
        return await paced(world)
    finally:
        await app.stop()


def report(name: str, result: dict) -> float:
    latencies = sorted(result["latency"])
    p50 = statistics.median(latencies) * 1e3
    p99 = latencies[max(0, round(len(latencies) * 0.99) - 1)] * 1e3
    print(
        f"{name:>4}: {len(latencies)} alerts over {result['chats']} chats, "
        f"{len(result['missing'])} missing; p50 {p50:6.2f} ms, p99 {p99:6.2f} ms, "
        f"max {latencies[-1] * 1e3:6.2f} ms"
    )
    return p99


async def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        world = await WorldProcess.start(SYMBOLS)
        try:
            base = await bare(world)
            ours = await run_bot(world, Path(tmp))
        finally:
            await world.close()
    print(f"{FRAMES:,} frames at {RATE:.0f}/s, one in 20 fires, {CHATS} chats")
    base_p99 = report("bare", base)
    bot_p99 = report("bot", ours)
    print(
        f"bot p99 / bare p99: {bot_p99 / base_p99:.2f}; bot p99 {bot_p99:.2f} ms (target ≤ 20 ms)"
    )


if __name__ == "__main__":
    asyncio.run(main())
