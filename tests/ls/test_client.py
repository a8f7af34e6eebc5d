"""The LS client against the simulator over real sockets: subscribe, acks, reconnect, watchdog."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from alertbot.events import KST, MarketStatus, News, Tick, Vi
from alertbot.feeds.ls.client import LsFeed
from alertbot.feeds.ls.token import LsTokenIssuer
from alertbot.feeds.token import TokenSource
from alertbot.sim import ls as sim
from alertbot.sim.ls import SIM_APPKEY, SIM_APPSECRET, SIM_TOKEN, LsSimulator
from alertbot.subscriptions import Subscriptions
from tests.conftest import FAST, FakeClock, Recorder, running, static
from tests.ls.conftest import EVERYTHING, EVERYTHING_TOPICS

TOPICS = EVERYTHING_TOPICS


@contextlib.asynccontextmanager
async def live_feed(
    simulator: LsSimulator,
    subscriptions: Subscriptions = EVERYTHING,
    token: TokenSource | None = None,
    **kwargs: Any,
) -> AsyncIterator[tuple[LsFeed, Recorder, asyncio.Task[None]]]:
    """An LS feed on the simulator, subscribed and running for the block."""
    recorder = Recorder()
    kwargs.setdefault("backoff", FAST)
    feed = LsFeed(
        simulator.ws_url,
        token or static(SIM_TOKEN),
        on_event=recorder.event,
        on_notice=recorder.notice,
        **kwargs,
    )
    feed.set_subscriptions(subscriptions)
    async with running(feed) as task:
        yield feed, recorder, task


def all_subscribed(simulator: LsSimulator, topics: set[tuple[str, str]]) -> Callable[[], bool]:
    return lambda: any(s.subscriptions == topics for s in simulator.live)


async def test_subscribes_to_what_the_rules_need_and_reads_the_acks(ls_sim: LsSimulator) -> None:
    async with live_feed(ls_sim) as (feed, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, TOPICS))
        requests = ls_sim.live[0].received
        assert {(r["body"]["tr_cd"], r["body"]["tr_key"]) for r in requests} == TOPICS
        assert all(r["header"]["token"] == SIM_TOKEN for r in requests)
        tr_types = {r["body"]["tr_cd"]: r["header"]["tr_type"] for r in requests}
        account = {f"SC{n}": "1" for n in range(5)}  # 접수, 체결, 정정, 취소, 거부: tr_type 1
        assert tr_types == {"JIF": "3", "NWS": "3", "VI_": "3", "S3_": "3", "K3_": "3", **account}
        await ls_sim.push(sim.jif("1", "64"))
        await sink.wait_for(lambda: len(sink.events) == 1)
        # The acks were sent before the data frame on the same connection.
        assert feed.confirmed == TOPICS
        assert feed.status.ready and feed.status.events == 1
        (event,) = sink.events
        assert isinstance(event, MarketStatus)
        assert (event.market, event.category, event.label) == (
            "kospi",
            "sidecar",
            "사이드카 매도 발동",
        )


async def test_every_kind_of_frame_becomes_its_event(ls_sim: LsSimulator) -> None:
    async with live_feed(ls_sim) as (_, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, TOPICS))
        frames = [
            sim.jif("1", "61"),
            sim.news("삼성전자, 2차전지 투자", realkey="k1", codes=("005930",)),
            sim.vi("000660", trigger=201500, static_ref=183200),
            sim.trade("005930", 78400, change=1200, rate="1.55", sign="2"),
            sim.trade("005930", 78300, change=100, sign="5", kosdaq=True),
            sim.fill("005930", "삼성전자", order_no="1234", qty=10, price=78400),
        ]
        for frame in frames:
            assert await ls_sim.push(frame) == 1
        await sink.wait_for(lambda: len(sink.events) == len(frames))
    kinds = [type(e).__name__ for e in sink.events]
    assert kinds == ["MarketStatus", "News", "Vi", "Tick", "Tick", "Fill"]
    vi = sink.events[2]
    assert isinstance(vi, Vi) and (vi.symbol, vi.vi_price, vi.rate) == ("000660", 201500, 9.99)
    down = sink.events[4]
    assert isinstance(down, Tick) and down.change == -100
    assert sink.events[0].fields()["label"] == "서킷브레이크 1단계 발동"


async def test_subscription_changes_send_only_the_difference(ls_sim: LsSimulator) -> None:
    async with live_feed(ls_sim, Subscriptions(vi=True, market=True)) as (feed, _, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("VI_", "000000"), ("JIF", "0")}))
        session = ls_sim.live[0]
        before = len(session.received)
        feed.set_subscriptions(Subscriptions(market=True, news=True))
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0"), ("NWS", "NWS001")}))
        changes = [
            (r["header"]["tr_type"], r["body"]["tr_cd"], r["body"]["tr_key"])
            for r in session.received[before:]
        ]
        assert sorted(changes) == [("3", "NWS", "NWS001"), ("4", "VI_", "000000")]
        await ls_sim.wait_for(lambda: len(session.received) == before + 2)
        assert len(ls_sim.sessions) == 1


async def test_reconnects_and_subscribes_everything_again(ls_sim: LsSimulator) -> None:
    async with live_feed(ls_sim) as (feed, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, TOPICS))
        await ls_sim.drop()
        await ls_sim.wait_for(lambda: len(ls_sim.sessions) == 2)
        await ls_sim.wait_for(all_subscribed(ls_sim, TOPICS))
        assert ls_sim.sessions[1].subscriptions == TOPICS
        await ls_sim.push(sim.news("헤드라인", realkey="after-reconnect"))
        await sink.wait_for(lambda: len(sink.events) == 1)
        assert feed.status.reconnects >= 1 and feed.status.connects == 2
        assert isinstance(sink.events[0], News)


async def test_a_refused_subscription_is_a_notice_not_a_crash(ls_sim: LsSimulator) -> None:
    ls_sim.refuse[("NWS", "NWS001")] = ("IGW40010", "뉴스 조회 권한이 없습니다.")
    async with live_feed(ls_sim, Subscriptions(market=True, news=True)) as (feed, sink, _):
        await sink.wait_for(lambda: bool(sink.notices))
        assert "NWS" in sink.notices[0] and "IGW40010" in sink.notices[0]
        await ls_sim.push(sim.jif("2", "66"))
        await sink.wait_for(lambda: len(sink.events) == 1)
        assert feed.confirmed == {("JIF", "0")} and feed.status.ready
        assert len(ls_sim.sessions) == 1
        # Refused again after a reconnect: logged, but the admin heard it once already.
        await ls_sim.drop()
        await ls_sim.wait_for(
            lambda: len(ls_sim.sessions) == 2 and len(ls_sim.sessions[1].received) == 2
        )
        # Both answers (JIF accepted, NWS refused) are out; this frame comes after them.
        await ls_sim.push(sim.jif("2", "67"))
        await sink.wait_for(lambda: len(sink.events) == 2)
        assert len(sink.notices) == 1


async def test_a_refused_ready_token_stops_the_feed(ls_sim: LsSimulator) -> None:
    secret = "not-a-valid-token-xyz"
    async with live_feed(ls_sim, token=static(secret)) as (feed, sink, task):
        async with asyncio.timeout(5):
            await task
        assert "접근 토큰이 거부되었습니다" in feed.status.stopped
        assert sink.notices and secret not in " ".join(sink.notices)
        assert not feed.status.ready


async def test_a_refused_issued_token_is_replaced(ls_sim: LsSimulator) -> None:
    source = LsTokenIssuer(ls_sim.api_url, SIM_APPKEY, SIM_APPSECRET)
    stale = await source()
    ls_sim.tokens.discard(stale)  # the server forgot it, as after 07:00
    async with live_feed(ls_sim, Subscriptions(market=True), token=source) as (feed, _, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0")}))
        assert len(ls_sim.token_requests) == 2
        assert feed.status.stopped == ""
        last = ls_sim.live[-1].received[-1]
        assert last["header"]["token"] != stale


async def test_unreadable_frames_are_counted_logged_without_token_and_skipped(
    ls_sim: LsSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "alertbot.feeds")
    async with live_feed(ls_sim, Subscriptions(market=True)) as (feed, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0")}))
        await ls_sim.send_raw(f"garbage {SIM_TOKEN} " + "x" * 500)
        await ls_sim.send_raw('{"header":{"tr_cd":"JIF","tr_key":"0"},"body":{"jangubun":""}}')
        await ls_sim.send_raw(b"\xff\xfe")
        await ls_sim.push(sim.jif("1", "21"))
        await sink.wait_for(lambda: len(sink.events) == 1)
        assert feed.status.unparsed == 3 and feed.status.ready
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "unreadable frame" in logged and SIM_TOKEN not in logged
    assert max(len(r.getMessage()) for r in caplog.records) < 400


async def test_a_repeated_market_status_is_one_change(ls_sim: LsSimulator) -> None:
    async with live_feed(ls_sim, Subscriptions(market=True)) as (_, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0")}))
        for frame in (sim.jif("1", "64"), sim.jif("1", "64"), sim.jif("2", "64")):
            await ls_sim.push(frame)
        await sink.wait_for(lambda: len(sink.events) == 2)
        await ls_sim.drop()
        await ls_sim.wait_for(lambda: len(ls_sim.live) == 1 and len(ls_sim.sessions) == 2)
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0")}))
        await ls_sim.push(sim.jif("1", "64"))  # the server repeating the state after reconnect
        await ls_sim.push(sim.jif("1", "65"))
        await sink.wait_for(lambda: len(sink.events) == 3)
    assert [(e.market_code, e.status_code) for e in sink.events] == [  # type: ignore[attr-defined]
        ("1", "64"),
        ("2", "64"),
        ("1", "65"),
    ]


def always(_now: datetime) -> bool:
    return True


async def test_the_watchdog_reconnects_a_silent_feed(ls_sim: LsSimulator) -> None:
    ticks = Subscriptions(ticks=frozenset({"005930"}))
    topics = {("S3_", "005930"), ("K3_", "005930")}
    async with live_feed(ls_sim, ticks, silence_timeout=0.2, market_hours=always) as (
        feed,
        sink,
        _,
    ):
        await ls_sim.wait_for(all_subscribed(ls_sim, topics))
        await ls_sim.push(sim.trade("005930", 78400))
        await sink.wait_for(lambda: len(sink.events) == 1)
        # Nothing more is sent: the feed must give up on this connection and subscribe again.
        await ls_sim.wait_for(lambda: len(ls_sim.sessions) >= 2)
        await ls_sim.wait_for(all_subscribed(ls_sim, topics))
        await sink.wait_for(lambda: bool(sink.notices))
        assert feed.status.silences >= 1
        assert sink.notices[0] == "⚠️ ls 장중 수신 멈춤 (0초 동안 받은 데이터 없음): 다시 연결합니다"


async def test_every_step_of_an_order_comes_on_its_own_tr(ls_sim: LsSimulator) -> None:
    """SC1 alone carries fills; 접수, 정정, 취소 and 거부 come on SC0, SC2, SC3 and SC4, each
    registered for the account (tr_type 1) when a fill rule is loaded."""
    fills = Subscriptions(fills=True)
    async with live_feed(ls_sim, fills) as (_, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {(f"SC{n}", "") for n in range(5)}))
        steps = [
            sim.order_step("SC0", "005930", "삼성전자", order_no="1001", order_qty=10),
            sim.fill("005930", "삼성전자", order_no="1001", qty=4, price=60700, order_qty=10,
                     unfilled=6),
            sim.order_step("SC2", "005930", "삼성전자", order_no="1001", order_qty=10, unfilled=6),
            sim.order_step("SC3", "005930", "삼성전자", order_no="1001", order_qty=10),
            sim.order_step("SC4", "000660", "SK하이닉스", order_no="1002", order_qty=5),
        ]  # fmt: skip
        for frame in steps:
            assert await ls_sim.push(frame) == 1
        await sink.wait_for(lambda: len(sink.events) == 5)
    fills_seen = [
        (e.status, e.order_no, e.qty, e.price, e.unfilled)  # type: ignore[attr-defined]
        for e in sink.events
    ]
    assert fills_seen == [
        ("접수", "1001", 0, 0, 0),
        ("체결", "1001", 4, 60700, 6),
        ("정정", "1001", 0, 0, 6),
        ("취소", "1001", 0, 0, 0),
        ("거부", "1002", 0, 0, 0),
    ]
    assert all(e.account == "****2702" for e in sink.events)  # type: ignore[attr-defined]


class TickingClock(FakeClock):
    """Moves ``step`` on every reading, so each timer tick is that much later; ``readings``
    is set once it has been read ``count`` times."""

    def __init__(self, start: datetime, step: timedelta, count: int) -> None:
        super().__init__(start)
        self.step, self.count, self.calls = step, count, 0
        self.readings = asyncio.Event()

    def __call__(self) -> datetime:
        self.calls += 1
        if self.calls >= self.count:
            self.readings.set()
        self.now += self.step
        return self.now


def requests_for(simulator: LsSimulator, tr_cd: str) -> list[str]:
    return [
        r["header"]["tr_type"]
        for s in simulator.sessions
        for r in s.received
        if r["body"]["tr_cd"] == tr_cd
    ]


class Watched:
    """A token source that says when it has handed out a new token."""

    renewable = True

    def __init__(self, source: LsTokenIssuer) -> None:
        self.source = source
        self.tokens: list[str] = []
        self.changed = asyncio.Event()

    async def __call__(self) -> str:
        token = await self.source()
        if token not in self.tokens:
            self.tokens.append(token)
            self.changed.set()
        return token

    def invalidate(self) -> None:
        self.source.invalidate()

    async def handed_out(self, count: int) -> None:
        async with asyncio.timeout(5):
            while len(self.tokens) < count:
                self.changed.clear()
                await self.changed.wait()


async def test_the_token_is_renewed_before_0700_on_a_timer(ls_sim: LsSimulator) -> None:
    """LS tokens end at 07:00 KST [field]: renewed ahead of it by the timer, not only when a
    connection starts, and used from the next request on without reconnecting."""
    clock = FakeClock(datetime(2025, 3, 5, 6, 45, tzinfo=KST))
    issuer = Watched(LsTokenIssuer(ls_sim.api_url, SIM_APPKEY, SIM_APPSECRET, now=clock))
    market = Subscriptions(market=True)
    async with live_feed(ls_sim, market, token=issuer, clock=clock, timer_interval=0.01) as (
        feed,
        _,
        _,
    ):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0")}))
        assert len(ls_sim.token_requests) == 1
        clock.advance(timedelta(minutes=6))  # 06:51: inside the 10 minutes before 07:00
        await issuer.handed_out(2)
        feed.set_subscriptions(Subscriptions(market=True, news=True))
        await ls_sim.wait_for(all_subscribed(ls_sim, {("JIF", "0"), ("NWS", "NWS001")}))
        assert ls_sim.live[0].received[-1]["header"]["token"] == "sim-ls-issued-2"
        assert len(ls_sim.sessions) == 1 and feed.status.reconnects == 0


async def test_the_watchdog_leaves_a_closed_market_alone(ls_sim: LsSimulator) -> None:
    """S3_/K3_ go quiet after 15:30: two hours without a trade then is no fault."""
    clock = TickingClock(datetime(2025, 3, 4, 15, 25, tzinfo=KST), timedelta(minutes=1), 150)
    ticks = Subscriptions(ticks=frozenset({"005930"}))
    async with live_feed(ls_sim, ticks, clock=clock, timer_interval=0.005) as (feed, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("S3_", "005930"), ("K3_", "005930")}))
        await ls_sim.push(sim.trade("005930", 78400))
        await sink.wait_for(lambda: len(sink.events) == 1)
        await asyncio.wait_for(clock.readings.wait(), 10)
        assert len(ls_sim.sessions) == 1 and feed.status.reconnects == 0
    assert sink.notices == [] and requests_for(ls_sim, "S3_") == ["3"]


async def test_no_trades_in_hours_resubscribes_then_reconnects_and_says_so(
    ls_sim: LsSimulator,
) -> None:
    clock = TickingClock(datetime(2025, 3, 4, 10, 0, tzinfo=KST), timedelta(minutes=1), 0)
    ticks = Subscriptions(ticks=frozenset({"005930"}))
    async with live_feed(ls_sim, ticks, clock=clock, timer_interval=0.005) as (feed, sink, _):
        await ls_sim.wait_for(all_subscribed(ls_sim, {("S3_", "005930"), ("K3_", "005930")}))
        await ls_sim.push(sim.trade("005930", 78400))
        await sink.wait_for(lambda: len(sink.notices) == 1)
        await ls_sim.wait_for(lambda: len(ls_sim.sessions) >= 2)
    assert requests_for(ls_sim, "S3_")[:3] == ["3", "4", "3"]  # subscribed, then again
    assert sink.notices[0] == (
        "⚠️ ls 장중 수신 멈춤 (다시 등록해도 등록 종목의 체결이 들어오지 않음): 다시 연결합니다"
    )
    assert feed.status.silences >= 1
