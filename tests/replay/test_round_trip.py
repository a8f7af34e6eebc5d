"""Record → replay: the real feeds against the simulators with a recorder on ``on_raw``; the
file, decoded again, gives exactly the events the live feeds emitted."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from alertbot.feeds.decode import Decoder
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.ls import protocol as ls_protocol
from alertbot.feeds.ls.client import LsFeed
from alertbot.recording import Recording, RecordWriter
from alertbot.sim import kiwoom as kw
from alertbot.sim import ls
from alertbot.subscriptions import Subscriptions
from tests.conftest import FAST, Recorder, running, static

WANTED = Subscriptions(
    vi=True,
    ticks=frozenset({"005930"}),
    conditions=frozenset({"급등주"}),
    fills=True,
    market=True,
    news=True,
)
KIWOOM_FRAMES = [
    [kw.vi_entry("005930", "삼성전자", price=78_400, hhmmss="090512", rate="+10.02")],
    [
        kw.trade_entry("005930", 79_900, change=500, rate=0.63, volume=10, hhmmss="091501"),
        kw.trade_entry("005930", 80_100, change=700, rate=0.88, volume=-3, hhmmss="091502"),
    ],
    [kw.condition_entry("0", "035420", hhmmss="092030")],
    [kw.condition_entry("0", "035420", enter=False, hhmmss="093010")],
    [kw.fill_entry("005930", "삼성전자", fill_no="1", qty=10, price=80_100, order_qty=10)],
    [kw.vi_entry("000660", "SK하이닉스", price=201_500, hhmmss="091003", kind="동적")],
]
LS_FRAMES = [
    ls.jif("1", "21"),
    ls.jif("1", "64"),
    ls.jif("1", "64"),  # the same status again: the live feed drops it, so must the replay
    ls.news("2차전지 수주", realkey="20261120093000000001", codes=("373220",), hhmmss="093000"),
    ls.vi("005930", trigger=78_400, static_ref=71_300, hhmmss="090512"),
    ls.trade("005930", 80_100, change=700, rate="0.88", sign="2", hhmmss="091502"),
    ls.fill("000660", "SK하이닉스", order_no="86382", qty=5, price=191_000, order_qty=5),
]


@pytest.mark.parametrize("name", ["day.jsonl", "day.jsonl.gz"])
async def test_replayed_frames_give_the_live_events(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    live = Recorder()
    async with (
        kw.KiwoomSimulator(matches={"0": ["005930", "000660"]}) as kiwoom,
        ls.LsSimulator() as ls_server,
    ):
        with RecordWriter(out) as writer:
            options = {"on_event": live.event, "on_raw": writer.write, "backoff": FAST}
            kiwoom_feed = KiwoomFeed(kiwoom.url, static(kw.SIM_TOKEN), **options)
            ls_feed = LsFeed(ls_server.ws_url, static(ls.SIM_TOKEN), **options)
            for feed in (kiwoom_feed, ls_feed):
                feed.set_subscriptions(WANTED)
            async with running(kiwoom_feed), running(ls_feed):
                await kiwoom.wait_for(lambda: kiwoom.covers(WANTED))
                topics = ls_protocol.wanted(WANTED)
                await live.wait_for(lambda: ls_feed.confirmed == topics and len(live.events) == 1)
                for entries in KIWOOM_FRAMES:
                    await kiwoom.push(entries)
                await kiwoom.send_raw("{not json")
                await kiwoom.ping()
                for frame in LS_FRAMES:
                    await ls_server.push(frame)
                # snapshot + 7 Kiwoom entries + 6 LS frames (one repeated status dropped)
                await live.wait_for(lambda: len(live.events) == 14)
                await kiwoom.wait_for(lambda: kiwoom.live[0].pings_unanswered == 0)
            unparsed_live = kiwoom_feed.status.unparsed + ls_feed.status.unparsed

    recording = Recording(out)
    decoder = Decoder(WANTED)
    replayed = [
        event for frame in recording for event in decoder.decode(frame.src, frame.frame, frame.t)
    ]
    assert replayed == live.events
    assert {event.kind for event in replayed} == {
        "vi", "price", "condition", "fill", "market", "news"
    }  # fmt: skip
    assert recording.damaged == 0
    assert unparsed_live == 1
    assert dict(decoder.unparsed) == {"kiwoom: JSON이 아닙니다": 1}


async def test_recording_keeps_every_frame_with_its_source_and_time(tmp_path: Path) -> None:
    """The handshake is in the file too (LOGIN, REG, condition answers, PING): a recording is
    what the server sent, not only what became an event."""
    out = tmp_path / "day.jsonl.gz"
    live = Recorder()
    async with kw.KiwoomSimulator(matches={"0": ["005930"]}) as kiwoom:
        with RecordWriter(out) as writer:
            feed = KiwoomFeed(
                kiwoom.url, static(kw.SIM_TOKEN), on_event=live.event, on_raw=writer.write
            )
            feed.set_subscriptions(WANTED)
            async with running(feed):
                await live.wait_for(lambda: len(live.events) == 1)  # the snapshot
                await kiwoom.ping()
                await kiwoom.wait_for(lambda: kiwoom.live[0].pings_unanswered == 0)
    frames = list(Recording(out))
    trnms = [orjson.loads(frame.frame)["trnm"] for frame in frames]
    assert trnms == ["LOGIN", "REG", "REG", "REG", "CNSRLST", "CNSRREQ", "PING"]
    assert {frame.src for frame in frames} == {"kiwoom"}
    assert [f.t for f in frames] == sorted(f.t for f in frames)
    assert all(frame.t.utcoffset() == timedelta(hours=9) for frame in frames)
