"""Two LS figures: how fast frames are parsed, and how long a drop takes to be re-subscribed.

Parsing: the reference S3_ (trade) and JIF examples through ``protocol.parse``, the hot path
between socket and engine. Reconnect: with the simulator on loopback, a feed that wants VI,
fills, market status, news and 150 stocks' trades (302 topics: S3_ and K3_ per code) is
dropped, and the time until a new connection is subscribed to everything again is measured.

    .venv/bin/python bench/ls_feed.py [trials]
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from datetime import datetime
from pathlib import Path

from reconnect import report, time_reconnect

from alertbot.events import KST
from alertbot.feeds.base import Backoff
from alertbot.feeds.ls import protocol
from alertbot.feeds.ls.client import LsFeed
from alertbot.sim.ls import SIM_TOKEN, LsSimulator
from alertbot.subscriptions import Subscriptions

GOLDEN = Path(__file__).resolve().parents[1] / "tests" / "golden" / "ls"
WANTED = Subscriptions(
    vi=True,
    fills=True,
    market=True,
    news=True,
    ticks=frozenset(f"{n:06d}" for n in range(100000, 100150)),
)
TOPICS = protocol.wanted(WANTED)


def parse_rate(name: str, count: int = 100_000) -> float:
    frame = (GOLDEN / name).read_bytes()
    received = datetime(2025, 3, 4, 10, 0, tzinfo=KST)
    started = time.perf_counter()
    for _ in range(count):
        protocol.parse(frame, received)
    return count / (time.perf_counter() - started)


async def token() -> str:
    return SIM_TOKEN


def subscribed(sim: LsSimulator, since: int) -> bool:
    """A connection opened after the first ``since`` sessions holds every topic."""
    return any(s.open and s.subscriptions >= TOPICS for s in sim.sessions[since:])


async def one_trial(sim: LsSimulator, backoff: Backoff) -> float:
    feed = LsFeed(sim.ws_url, token, on_event=lambda _event: None, backoff=backoff)
    feed.set_subscriptions(WANTED)
    return await time_reconnect(feed, sim, lambda since: subscribed(sim, since))


async def main(trials: int) -> None:
    logging.basicConfig(level=logging.ERROR)  # each drop logs a warning; the figure is the point
    for name in ("s3_response.json", "jif_response.json"):
        print(f"parse {name}: {parse_rate(name):,.0f} frames/s")
    print(f"{trials} drops; the feed wants {len(TOPICS)} topics")
    async with LsSimulator() as sim:
        await report(lambda backoff: one_trial(sim, backoff), trials, "fully subscribed")


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 20))
