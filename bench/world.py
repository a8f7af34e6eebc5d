"""The outside world for the socket benchmarks, in a process of its own.

Runs the Kiwoom simulator (alertbot/sim/kiwoom.py) — and for the latency benchmark the fake
Telegram server — in a separate interpreter, so the sender's work never competes with the
bot's on one event loop and both cases of a comparison face the same sender. It is driven over
stdin/stdout, one line per command:

    → {"kiwoom": url, "telegram": base_url}      once started
    → ready                                       a session has registered every code
    ← blast N                                     send N REAL frames to it, as fast as it can
    ← pace N RATE                                 send N frames at RATE/s; stamp each send
    → done {...}                                  after pace: send and arrival times (JSON)

    .venv/bin/python bench/world.py CODES POOL     (started by the benchmarks, not by hand)

Frames are pre-encoded (bench/workload.py) and sent as text frames from bytes, so sending
costs the simulator no JSON encoding and no UTF-8 encoding per frame.
"""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

import orjson
from workload import symbols, trade_frames

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, SimSession
from alertbot.sim.telegram import FakeTelegram

TAG = re.compile(r"#(\d+)")
"""Latency frames carry their sequence number in ``13`` and the rule's message shows it."""


def registered_all(session: SimSession, codes: list[str]) -> bool:
    return (
        session.open
        and session.logged_in
        and all(("0B", c) in session.registrations for c in codes)
    )


async def blast(session: SimSession, pool: list[bytes], count: int) -> None:
    send = session.connection.send
    for n in range(count):
        await send(pool[n % len(pool)], text=True)


async def pace(session: SimSession, frames: list[bytes], rate: float) -> list[float]:
    """Send ``frames`` at ``rate`` per second on a fixed schedule; the monotonic send times."""
    sent: list[float] = []
    send = session.connection.send
    start = time.monotonic()
    for n, frame in enumerate(frames):
        delay = start + n / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(time.monotonic())
        await send(frame, text=True)
    return sent


async def commands() -> asyncio.StreamReader:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    return reader


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


async def main(code_count: int, pool_size: int) -> None:
    codes = symbols(code_count)
    pool = list(trade_frames(pool_size, codes)) if pool_size else []
    async with KiwoomSimulator() as sim, FakeTelegram() as telegram:
        say(orjson.dumps({"kiwoom": sim.url, "telegram": telegram.base_url}).decode())
        reader = await commands()
        while True:
            first = len(sim.sessions)
            await sim.wait_for(
                lambda f=first: any(registered_all(s, codes) for s in sim.sessions[f - 1 :]),
                timeout=120,
            )
            session = next(s for s in reversed(sim.sessions) if registered_all(s, codes))
            say("ready")
            line = (await reader.readline()).decode().split()
            if not line:
                return
            if line[0] == "blast":
                await blast(session, pool, int(line[1]))
            elif line[0] == "pace":
                await run_paced(session, telegram, codes, int(line[1]), float(line[2]))
            await sim.wait_for(lambda s=session: not s.open, timeout=120)


async def run_paced(
    session: SimSession, telegram: FakeTelegram, codes: list[str], count: int, rate: float
) -> None:
    """Send the latency workload; report when each frame left and each alert arrived."""
    from workload import latency_frames

    frames, firing = latency_frames(count, codes)
    telegram.messages.clear()
    sent = await pace(session, frames, rate)
    await telegram.wait_for(lambda: len(telegram.messages) >= len(firing), timeout=30)
    arrived = {}
    for message in telegram.messages:
        found = TAG.search(message.text)
        if found:
            arrived[int(found.group(1))] = message.arrived
    say(
        "done "
        + orjson.dumps(
            {
                "latency": [arrived[n] - sent[n] for n in firing if n in arrived],
                "missing": [n for n in firing if n not in arrived],
                "chats": len({m.chat_id for m in telegram.messages}),
            }
        ).decode()
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))


class WorldProcess:
    """The benchmarks' handle on a running ``world.py``: start it, wait for lines, command it."""

    def __init__(self, process: asyncio.subprocess.Process, urls: dict[str, str]) -> None:
        self.process = process
        self.kiwoom_url = urls["kiwoom"]
        self.telegram_url = urls["telegram"]

    @classmethod
    async def start(
        cls, codes: int, pool: int = 0, script: str = __file__, *extra: str
    ) -> WorldProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            script,
            str(codes),
            str(pool),
            *extra,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            limit=2**26,
        )
        assert process.stdout is not None
        first = await asyncio.wait_for(process.stdout.readline(), 120)
        return cls(process, orjson.loads(first))

    def app(self, rules: Path, state: Path) -> App:
        """The real bot, its Kiwoom feed pointed at this world (not started)."""
        settings = Settings.from_env(
            {
                "KIWOOM_TOKEN": SIM_TOKEN,
                "KIWOOM_WS_URL": self.kiwoom_url,
                "ALERTBOT_RULES": str(rules),
                "ALERTBOT_STATE": str(state),
                "ALERTBOT_HTTP": "127.0.0.1:0",  # any free port: benchmarks run side by side
            }
        )
        return App(settings, env={}, watcher=None)

    async def expect(self, word: str, timeout: float = 120) -> str:
        """The next line, which must start with ``word``; the rest of it."""
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), timeout)).decode()
        if not line.startswith(word):
            raise RuntimeError(f"world said {line!r}, expected {word}")
        return line[len(word) :].strip()

    async def command(self, line: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

    async def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 5)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
