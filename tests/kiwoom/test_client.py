"""The Kiwoom feed through real sockets against the simulator: login, tokens, PING, SYSTEM."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from websockets.asyncio.client import connect

from alertbot.events import KST, Fill, Tick, Vi
from alertbot.feeds.base import krx_session_open
from alertbot.feeds.kiwoom.token import TokenIssuer
from alertbot.sim.kiwoom import (
    SIM_APPKEY,
    SIM_SECRETKEY,
    SIM_TOKEN,
    KiwoomSimulator,
    fill_entry,
    trade_entry,
    vi_entry,
)
from alertbot.subscriptions import Subscriptions
from tests.conftest import FakeClock, Recorder, running, static
from tests.kiwoom.conftest import make_feed, run_until_stopped

VI_ONLY = Subscriptions(vi=True)


def issuer_for(sim: KiwoomSimulator, clock: FakeClock | None = None) -> TokenIssuer:
    if clock is None:
        return TokenIssuer(sim.api_url, SIM_APPKEY, SIM_SECRETKEY)
    return TokenIssuer(sim.api_url, SIM_APPKEY, SIM_SECRETKEY, clock=clock)


def logins(sim: KiwoomSimulator) -> list[str]:
    return [m["token"] for m in sim.received if m.get("trnm") == "LOGIN"]


async def test_issued_token_is_renewed_for_the_next_login(kiwoom_sim: KiwoomSimulator) -> None:
    clock = FakeClock()
    kiwoom_sim.clock = clock
    kiwoom_sim.token_lifetime = timedelta(minutes=30)
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, issuer_for(kiwoom_sim, clock), recorder)
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
        clock.advance(timedelta(minutes=21))  # 9 minutes left: inside the renewal margin
        await kiwoom_sim.drop()
        await kiwoom_sim.wait_for(
            lambda: len(kiwoom_sim.live) == 1 and len(logins(kiwoom_sim)) == 2
        )
    assert logins(kiwoom_sim) == ["sim-issued-1", "sim-issued-2"]
    assert kiwoom_sim.issued == ["sim-issued-1", "sim-issued-2"]


async def test_login_refused_then_recovered_with_a_fresh_token(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    kiwoom_sim.refuse_logins = 1
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, issuer_for(kiwoom_sim), recorder)
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
        assert feed.status.ready
    assert logins(kiwoom_sim) == ["sim-issued-1", "sim-issued-2"]
    assert feed.status.stopped == "" and recorder.notices == []


async def test_two_8005s_in_a_row_are_retried_with_a_new_token_each_time(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    """Never "stopped until restart": each refusal renews the token and retries with backoff;
    the second refusal in a row is told to the admin once, without the tokens."""
    kiwoom_sim.refuse_logins = 2
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, issuer_for(kiwoom_sim), recorder)
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
        assert feed.status.ready
    assert logins(kiwoom_sim) == ["sim-issued-1", "sim-issued-2", "sim-issued-3"]
    assert feed.status.stopped == "" and feed.status.reconnects == 2
    assert len(recorder.notices) == 1 and "KIWOOM_MOCK" in recorder.notices[0]
    assert all(token not in recorder.notices[0] for token in kiwoom_sim.issued)


async def test_a_refused_fixed_token_stops_at_once(kiwoom_sim: KiwoomSimulator) -> None:
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static("expired-token"), recorder)
    await run_until_stopped(feed)
    assert "KIWOOM_TOKEN" in feed.status.stopped
    assert logins(kiwoom_sim) == ["expired-token"]
    assert recorder.notices and "expired-token" not in recorder.notices[0]


async def test_wrong_app_key_stops_before_connecting(kiwoom_sim: KiwoomSimulator) -> None:
    recorder = Recorder()
    issuer = TokenIssuer(kiwoom_sim.api_url, "wrong-key", "wrong-secret")
    feed = make_feed(kiwoom_sim.url, issuer, recorder)
    await run_until_stopped(feed)
    assert "KIWOOM_APPKEY" in feed.status.stopped
    assert len(kiwoom_sim.token_requests) == 1 and kiwoom_sim.sessions == []
    assert "wrong-secret" not in recorder.notices[0]


async def test_token_endpoint_down_is_retried(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.fail_token_requests = 2
    feed = make_feed(kiwoom_sim.url, issuer_for(kiwoom_sim), Recorder())
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
    assert len(kiwoom_sim.token_requests) == 3 and logins(kiwoom_sim) == ["sim-issued-1"]


async def test_ping_is_echoed_unchanged_and_system_never(kiwoom_sim: KiwoomSimulator) -> None:
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), Recorder())
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
        await kiwoom_sim.system("R10002", "heartbeat")
        await kiwoom_sim.send_raw('{"trnm":"PING","seq":"77","time":"20250304091500"}')
        await kiwoom_sim.wait_for(lambda: any(m.get("seq") == "77" for m in kiwoom_sim.received))
        (session,) = kiwoom_sim.live
        for _ in range(8):  # more than the 5 unanswered the server tolerates
            await kiwoom_sim.ping()
            await kiwoom_sim.wait_for(lambda: session.pings_unanswered == 0)
        assert kiwoom_sim.live == [session]
        assert len(session.requests("PING")) == 9
    assert {"trnm": "PING", "seq": "77", "time": "20250304091500"} in kiwoom_sim.received
    assert all(m.get("trnm") != "SYSTEM" for m in kiwoom_sim.received)


async def test_simulator_ends_a_session_that_ignores_pings(kiwoom_sim: KiwoomSimulator) -> None:
    async with connect(kiwoom_sim.url) as ws:
        await ws.send(orjson.dumps({"trnm": "LOGIN", "token": SIM_TOKEN}).decode())
        assert orjson.loads(await ws.recv())["return_code"] == 0
        for _ in range(6):
            await kiwoom_sim.ping()
        frames = [orjson.loads(frame) async for frame in ws]
    assert [f["trnm"] for f in frames] == ["PING"] * 5 + ["SYSTEM"]
    assert frames[-1]["code"] == "R10002"


async def test_kicked_by_the_same_app_key_waits_long_and_tells_the_admin(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder, kicked_delay=3600)
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
        await kiwoom_sim.kick()
        await recorder.wait_for(lambda: feed.status.retry_in == 3600)
        assert not feed.status.ready
        assert len(kiwoom_sim.sessions) == 1  # no reconnect war
    assert len(recorder.notices) == 1
    assert "R10001" in recorder.notices[0] and "1시간 기다렸다" in recorder.notices[0]
    assert "R10001" in feed.status.last_error


async def test_events_from_every_alert_source(kiwoom_sim: KiwoomSimulator) -> None:
    recorder = Recorder()
    wanted = Subscriptions(vi=True, fills=True, ticks=frozenset({"005930"}))
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(wanted)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(wanted))
        await kiwoom_sim.push(
            [
                trade_entry("005930", 80100, change=1100, rate=1.39, volume=5, hhmmss="100001"),
                trade_entry("000660", 1, hhmmss="100001"),  # not registered: never sent
                vi_entry("000660", "SK하이닉스", price=201500, hhmmss="100002"),
            ]
        )
        await kiwoom_sim.push(
            [fill_entry("005930", "삼성전자", fill_no="7", qty=3, price=80100, order_qty=3)]
        )
        await recorder.wait_for(lambda: len(recorder.events) == 3)
    tick, vi, fill = recorder.events
    assert isinstance(tick, Tick) and (tick.symbol, tick.price, tick.side) == (
        "005930",
        80100,
        "buy",
    )
    assert tick.time.strftime("%H%M%S") == "100001"
    assert isinstance(vi, Vi) and vi.symbol == "000660"
    assert isinstance(fill, Fill) and (fill.qty, fill.account) == (3, "****1111")


async def test_unreadable_frames_are_counted_logged_short_and_never_stop_the_feed(
    kiwoom_sim: KiwoomSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(VI_ONLY)
    with caplog.at_level(logging.WARNING, logger="alertbot.feeds"):
        async with running(feed):
            await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
            await kiwoom_sim.send_raw("{not json" + "x" * 500)
            await kiwoom_sim.send_raw(f'{{"trnm":"??","echo":"{SIM_TOKEN}"}}')
            await kiwoom_sim.send_raw(b"\x00\xff binary")
            await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
            await recorder.wait_for(lambda: len(recorder.events) == 1)
    assert feed.status.unparsed == 3 and feed.status.reconnects == 0
    lines = [r.getMessage() for r in caplog.records if "unreadable frame" in r.getMessage()]
    assert len(lines) == 3
    assert all(SIM_TOKEN not in line and len(line) < 200 for line in lines)


async def test_silent_feed_in_market_hours_is_reconnected_and_reported(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    recorder = Recorder()
    feed = make_feed(
        kiwoom_sim.url,
        static(SIM_TOKEN),
        recorder,
        silence_timeout=0.2,
        market_hours=lambda _now: True,
    )
    feed.set_subscriptions(VI_ONLY)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: len([s for s in kiwoom_sim.sessions if s.logged_in]) >= 3)
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(VI_ONLY))
    assert feed.status.silences >= 2
    assert recorder.notices == [
        "⚠️ kiwoom 장중 수신 멈춤 (0초 동안 받은 데이터 없음): 다시 연결합니다"
    ]


async def test_quiet_outside_market_hours_is_not_a_fault(kiwoom_sim: KiwoomSimulator) -> None:
    checked = asyncio.Event()
    checks: list[datetime] = []

    def closed(now: datetime) -> bool:
        checks.append(now)
        if len(checks) >= 3:
            checked.set()
        return False

    recorder = Recorder()
    feed = make_feed(
        kiwoom_sim.url, static(SIM_TOKEN), recorder, silence_timeout=0.05, market_hours=closed
    )
    async with running(feed):
        await asyncio.wait_for(checked.wait(), 5)
        assert len(kiwoom_sim.sessions) == 1 and feed.status.ready
    assert recorder.notices == [] and feed.status.silences == 0


@pytest.mark.parametrize(
    ("when", "open_"),
    [
        (datetime(2025, 3, 4, 7, 59, 59, tzinfo=KST), False),  # Tuesday before NXT opens
        (datetime(2025, 3, 4, 8, 0, tzinfo=KST), True),
        (datetime(2025, 3, 4, 19, 59, tzinfo=KST), True),
        (datetime(2025, 3, 4, 20, 0, tzinfo=KST), False),
        (datetime(2025, 3, 8, 10, 0, tzinfo=KST), False),  # Saturday
        (datetime(2025, 3, 4, 22, 59, tzinfo=UTC), False),  # 07:59 KST Wednesday
        (datetime(2025, 3, 4, 23, 0, tzinfo=UTC), True),  # 08:00 KST Wednesday
    ],
)
def test_krx_session_hours(when: datetime, open_: bool) -> None:
    assert krx_session_open(when) is open_


async def test_frames_are_parsed_from_bytes_and_recorded_as_text(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    recorder = Recorder()
    raw: list[str | bytes] = []
    wanted = Subscriptions(ticks=frozenset({"005930"}))
    feed = make_feed(
        kiwoom_sim.url,
        static(SIM_TOKEN),
        recorder,
        on_raw=lambda _name, frame, _received: raw.append(frame),
    )
    feed.set_subscriptions(wanted)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(wanted))
        await kiwoom_sim.push([trade_entry("005930", 80100, change=100, hhmmss="100001")])
        await kiwoom_sim.ping()  # answered only after the trade frame before it was read
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.live[0].pings_unanswered == 0)
        await recorder.wait_for(lambda: len(recorder.events) == 1)
    assert all(isinstance(frame, str) for frame in raw)
    assert any('"REAL"' in frame and "주식체결" in frame for frame in raw)  # type: ignore[operator]
    (tick,) = recorder.events
    assert isinstance(tick, Tick) and (tick.price, tick.venue) == (80100, "KRX")
    last_event, last_frame = feed.status.last_event_monotonic, feed.status.last_frame_monotonic
    assert last_event is not None and last_frame is not None and last_event <= last_frame


async def test_each_fill_of_a_multi_fill_order_shows_that_fill(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    """A 10-share order filled 3 + 5 + 2: each alert's quantity and price are that fill's
    (915/914, seed 001), not the running total in 911; order_qty − unfilled is the total."""
    fills = Subscriptions(fills=True)
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(fills)
    steps = [(1, 3, 60700, 3), (2, 5, 60800, 8), (3, 2, 60600, 10)]
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(fills))
        for fill_no, qty, price, total in steps:
            entry = fill_entry(
                "005930", "삼성전자", order_no="0000042", fill_no=str(fill_no), qty=qty,
                price=price, filled=total, order_qty=10, unfilled=10 - total,
            )  # fmt: skip
            await kiwoom_sim.push([entry])
        await recorder.wait_for(lambda: len(recorder.events) == 3)
    seen = [(e.qty, e.price, e.order_qty - e.unfilled) for e in recorder.events]  # type: ignore[attr-defined]
    assert seen == [(3, 60700, 3), (5, 60800, 8), (2, 60600, 10)]
    assert all(isinstance(e, Fill) and e.status == "체결" for e in recorder.events)
