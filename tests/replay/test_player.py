"""The simulators play a recorded day: each session gets what it registered, nothing else,
and a feed reading it emits what a replay of the file decodes."""

from __future__ import annotations

import itertools

from alertbot.demo import DAY
from alertbot.events import Event
from alertbot.feeds.decode import Decoder
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.ls import protocol as ls_protocol
from alertbot.feeds.ls.client import LsFeed
from alertbot.recording import RecordedFrame, Recording, paced
from alertbot.sim import kiwoom as kw
from alertbot.sim import ls
from alertbot.sim.player import Player
from alertbot.subscriptions import Subscriptions
from tests.conftest import FAST, Recorder, running, static

WANTED = Subscriptions(vi=True, market=True, conditions=frozenset({"급등주"}))
"""Not trades, fills, news or limit reports: the played day has them, these sessions must not
get them."""


def decoded(frames: list[RecordedFrame]) -> list[Event]:
    decoder = Decoder(WANTED)
    return [e for f in frames for e in decoder.decode(f.src, f.frame, f.t)]


async def test_a_played_day_reaches_the_feeds_as_registered() -> None:
    frames = list(Recording(DAY))
    live = Recorder()
    async with kw.KiwoomSimulator() as kiwoom, ls.LsSimulator() as ls_server:
        player = Player(kiwoom, ls_server)
        player.prime(frames)
        assert kiwoom.conditions["0"] == "급등주" and kiwoom.matches["0"]

        def clock():  # the day's time, as ``alertbot demo`` runs the app
            return player.now or frames[0].t

        options = {"on_event": live.event, "backoff": FAST, "clock": clock}
        kiwoom_feed = KiwoomFeed(kiwoom.url, static(kw.SIM_TOKEN), **options)
        ls_feed = LsFeed(ls_server.ws_url, static(ls.SIM_TOKEN), **options)
        for feed in (kiwoom_feed, ls_feed):
            feed.set_subscriptions(WANTED)
        async with running(kiwoom_feed), running(ls_feed):
            await live.wait_for(lambda: len(live.events) == 1)  # the condition's snapshot
            await ls_server.wait_for(lambda: ls_feed.confirmed == ls_protocol.wanted(WANTED))
            expected = 1
            async for played in player.play(frames):
                expected += played.delivered
                await live.wait_for(lambda n=expected: len(live.events) >= n)
    wanted_kinds = {"vi", "market", "condition"}
    assert live.events == [e for e in decoded(frames) if e.kind in wanted_kinds]
    others = {"price", "fill", "news", "limit", "disclosure"}
    assert {e.kind for e in decoded(frames)} - wanted_kinds == others


async def test_speed_keeps_the_recorded_gaps_shorter() -> None:
    frames = list(Recording(DAY))[:40]
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    played = [frame async for frame in paced(frames, speed=100, sleep=sleep)]
    assert played == frames
    gaps = [(b.t - a.t).total_seconds() / 100 for a, b in itertools.pairwise(frames)]
    assert slept == [gap for gap in gaps if gap > 0]
    assert [frame async for frame in paced(frames, sleep=sleep)] == frames
    assert len(slept) == len([gap for gap in gaps if gap > 0])  # no speed: no waiting
