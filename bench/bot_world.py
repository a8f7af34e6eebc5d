"""The world for the whole-bot benchmarks: the Kiwoom simulator and the fake Telegram server in
a process of their own, driven over stdin/stdout, one line per command.

Unlike ``world.py`` (one round per client session), the bot here is a real ``alertbot run``
subprocess that stays connected for a whole benchmark, so every command works on the latest
session and answers with ``time.monotonic()`` stamps (one clock for every process on Linux):

    → {"kiwoom": url, "telegram": base_url}       once started
    ← ready [TYPE]                                 → ready T   a session registered every code for
                                                    trades (0B); with TYPE, anything of that type
    ← blast N CODE WAIT                            send N trades, then a VI on CODE → done {start,
                                                    sent, alert}; with WAIT=alert once its alert
                                                    reached Telegram, with WAIT=none at once
    ← vis N                                        N VIs on N codes; when every code was named
                                                    on Telegram → done {start, sent, alert}
    ← watch CODE                                   → registered T   once a session registers CODE

    .venv/bin/python bench/bot_world.py CODES POOL [FIDS]     (started by the benchmarks)
"""

from __future__ import annotations

import asyncio
import sys
import time

import orjson
from workload import symbols, trade_frames
from world import blast, commands, registered_all, say

from alertbot.sim.kiwoom import KiwoomSimulator, SimSession, real_frame, vi_entry
from alertbot.sim.telegram import FakeTelegram

TIMEOUT = 300


def latest(sim: KiwoomSimulator) -> SimSession:
    return next(s for s in reversed(sim.sessions) if s.open and s.logged_in)


def vi_frame(code: str) -> bytes:
    return orjson.dumps(real_frame([vi_entry(code, "벤치", price=10_000, hhmmss="100000")]))


async def main(code_count: int, pool_size: int, fids: int) -> None:
    codes = symbols(code_count)
    pool = list(trade_frames(pool_size, codes, fids=fids)) if pool_size else []
    async with KiwoomSimulator() as sim, FakeTelegram() as telegram:
        say(orjson.dumps({"kiwoom": sim.url, "telegram": telegram.base_url}).decode())
        reader = await commands()
        while line := (await reader.readline()).decode().split():
            if line[0] == "ready":
                wanted = line[1] if len(line) > 1 else ""
                await sim.wait_for(lambda w=wanted: ready(sim, codes, w), timeout=TIMEOUT)
                say(f"ready {time.monotonic()}")
            elif line[0] == "watch":
                await sim.wait_for(lambda c=line[1]: watching(sim, c), timeout=TIMEOUT)
                say(f"registered {time.monotonic()}")
            elif line[0] == "blast":
                count, code, wait = int(line[1]), line[2], line[3] == "alert"
                session, before = latest(sim), len(telegram.messages)
                start = time.monotonic()
                await blast(session, pool, count)
                await session.connection.send(vi_frame(code), text=True)
                sent = time.monotonic()
                if not wait:
                    report(start, sent, sent)
                    continue
                await telegram.wait_for(lambda b=before: len(telegram.messages) > b, TIMEOUT)
                report(start, sent, telegram.messages[before].arrived)
            elif line[0] == "vis":
                targets = codes[: int(line[1])]
                session, before = latest(sim), len(telegram.messages)
                start = time.monotonic()
                for code in targets:
                    await session.connection.send(vi_frame(code), text=True)
                sent = time.monotonic()
                await telegram.wait_for(lambda b=before, t=targets: named(telegram, b, t), TIMEOUT)
                report(start, sent, telegram.messages[-1].arrived)


def ready(sim: KiwoomSimulator, codes: list[str], type_: str) -> bool:
    if not type_:
        return any(registered_all(s, codes) for s in sim.sessions)
    return any(s.open and any(t == type_ for t, _ in s.registrations) for s in sim.sessions)


def watching(sim: KiwoomSimulator, code: str) -> bool:
    return any(("0B", code) in s.registrations for s in sim.sessions if s.open)


def named(telegram: FakeTelegram, before: int, codes: list[str]) -> bool:
    text = "\n".join(m.text for m in telegram.messages[before:])
    return all(code in text for code in codes)


def report(start: float, sent: float, alert: float) -> None:
    say("done " + orjson.dumps({"start": start, "sent": sent, "alert": alert}).decode())


if __name__ == "__main__":
    codes, pool, fids = (int(arg) for arg in [*sys.argv[1:], "0"][:3])
    asyncio.run(main(codes, pool, fids))
