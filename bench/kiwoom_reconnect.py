"""How long a dropped Kiwoom connection takes to be fully registered again.

With the simulator on loopback and the production supervisor defaults (``Backoff()``: first
retry after 0.25–0.5 s with jitter), each trial starts a feed that wants VI, fills, 150 stocks'
trades and 3 condition searches, waits until the server has all of it, drops the connection,
and times until a new connection has LOGIN, every REG and every CNSRREQ again.

    .venv/bin/python bench/kiwoom_reconnect.py [trials]
"""

from __future__ import annotations

import asyncio
import logging
import sys

from reconnect import report, time_reconnect

from alertbot.feeds.base import Backoff
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.sim.kiwoom import SIM_CONDITIONS, SIM_TOKEN, KiwoomSimulator
from alertbot.subscriptions import Subscriptions

WANTED = Subscriptions(
    vi=True,
    fills=True,
    ticks=frozenset(f"{n:06d}" for n in range(100000, 100150)),
    conditions=frozenset(name for _seq, name in SIM_CONDITIONS),
)


async def token() -> str:
    return SIM_TOKEN


async def one_trial(sim: KiwoomSimulator, backoff: Backoff) -> float:
    feed = KiwoomFeed(sim.url, token, on_event=lambda _event: None, backoff=backoff)
    feed.set_subscriptions(WANTED)
    return await time_reconnect(
        feed, sim, lambda since: len(sim.sessions) > since and sim.covers(WANTED, sim.sessions[-1])
    )


async def main(trials: int) -> None:
    logging.basicConfig(level=logging.ERROR)  # each drop logs a warning; the figure is the point
    print(f"{trials} drops; the feed wants 150 items + VI + fills + 3 condition searches")
    async with KiwoomSimulator() as sim:
        await report(lambda backoff: one_trial(sim, backoff), trials, "full registration")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
