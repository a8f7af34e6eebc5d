"""Writes alertbot/demo/day.jsonl.gz: the synthetic market day that ``alertbot demo`` plays.

The day is made up but shaped like a real one (2026-11-20, a Friday): NXT and KRX pre-open
session changes, the open, trades for five stocks with 삼성전자 crossing 80,000 won, static and
dynamic VIs reported by both brokers, a KOSPI sidecar, a KOSDAQ circuit breaker, the 급등주
condition search's snapshot then a burst of entries, the trader's own fills and a rejection on
both brokers, 한미반도체's volume surging into its upper limit (reached, broken, reached again:
Kiwoom's trades and LS's SHI/SHO), headlines (some with the example rules' keywords), a dropped
LS connection that re-sends a headline, the close, and DART filings (a correction, buybacks of a
watched and an unwatched stock, a supply contract) polled as they appear.

It is recorded the way ``alertbot record`` records: the real feeds (``feeds.build.build_feeds``) run
against the simulators with a ``RecordWriter`` on their ``on_raw``, on a clock set to each
scripted moment. Each frame is pushed and waited for until recorded, so every run writes the
same file (prices come from a seeded generator; gzip's mtime is 0).

    .venv/bin/python tools/make_demo_day.py            # rewrites the shipped file
    .venv/bin/python tools/make_demo_day.py OUT.jsonl  # elsewhere
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from alertbot.events import KST, Event
from alertbot.feeds.base import Backoff, Feed
from alertbot.feeds.build import build_feeds
from alertbot.feeds.dart.client import DartFeed
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.ls import protocol as ls_protocol
from alertbot.feeds.ls.client import LsFeed
from alertbot.recording import RecordWriter
from alertbot.settings import Settings
from alertbot.sim import kiwoom as kw
from alertbot.sim import ls
from alertbot.sim.dart import SIM_KEY, DartSimulator, filing
from alertbot.subscriptions import Subscriptions

OUT = Path(__file__).resolve().parents[1] / "alertbot" / "demo" / "day.jsonl.gz"
DAY = date(2026, 11, 20)
SEED = 20261120
TIMEOUT = 5.0


def at(hhmmss: str, micros: int = 0) -> datetime:
    moment = time(int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:6]), micros)
    return datetime.combine(DAY, moment, KST)


# ---------------------------------------------------------------------------- the script


@dataclass(order=True)
class Step:
    t: datetime
    order: int
    """Ties at the same moment keep the order they were scripted in."""
    kind: str = field(compare=False)
    """``kiwoom`` (REAL entries), ``ls`` (a data frame), ``ping`` (Kiwoom PING), ``drop``."""
    payload: Any = field(compare=False, default=None)


@dataclass(frozen=True)
class Stock:
    code: str
    name: str
    prev_close: int
    path: tuple[tuple[str, int], ...]
    """(HHMMSS, price) anchors the trades pass through, with noise in between."""
    trades_per_hour: int = 20
    surge: tuple[str, str] | None = None
    """(HHMMSS, HHMMSS): trades in between are 20 times their usual size."""


STOCKS = (
    # 삼성전자: +5 % at 79,700 (samsung-swing), through 80,000 at 09:15 (samsung-80k) with a
    # dynamic VI, hovering at the level (cooldowns), back under, and up through it again.
    Stock(
        "005930",
        "삼성전자",
        75_900,
        (
            ("090000", 76_400),
            ("091000", 79_200),
            ("091430", 79_700),
            ("091502", 80_100),
            ("091700", 79_900),
            ("091745", 80_200),
            ("100000", 80_900),
            ("103000", 80_700),
            ("104500", 79_300),
            ("130500", 78_500),
            ("141500", 80_400),
            ("152000", 80_600),
        ),
        trades_per_hour=40,
    ),
    # SK하이닉스 slides under 190,000 (hynix-support, 10 min cooldown) twice, and again later.
    Stock(
        "000660",
        "SK하이닉스",
        196_000,
        (
            ("090000", 195_500),
            ("101100", 190_500),
            ("101200", 189_800),
            ("101300", 190_400),
            ("101500", 189_600),
            ("103000", 191_000),
            ("104000", 189_500),
            ("131200", 184_300),
            ("152000", 187_000),
        ),
    ),
    Stock(
        "035420", "NAVER", 212_000, (("090000", 213_500), ("120000", 216_000), ("152000", 214_500))
    ),
    Stock(
        "247540",
        "에코프로비엠",
        178_000,
        (
            ("090000", 181_000),
            ("090321", 195_800),
            ("090800", 192_000),
            ("131200", 176_500),
            ("152000", 183_000),
        ),
    ),
    Stock(
        "373220",
        "LG에너지솔루션",
        402_000,
        (("090000", 404_000), ("134500", 415_500), ("152000", 411_000)),
    ),
    # 한미반도체: volume surges from 10:47 as it runs into its upper limit (130,000) at 10:50:12,
    # breaks it at 11:20:40, reaches it again at 11:40 and stays there (flat: no noise).
    Stock(
        "042700",
        "한미반도체",
        100_000,
        (
            ("090000", 101_000),
            ("103000", 112_000),
            ("104700", 121_000),
            ("105012", 130_000),
            ("112000", 130_000),
            ("112040", 129_500),
            ("114000", 130_000),
            ("152000", 130_000),
        ),
        trades_per_hour=60,
        surge=("104700", "105100"),
    ),
)
NAMES = {stock.code: stock.name for stock in STOCKS}


def tick_size(price: int) -> int:
    """KRX 호가가격단위 (2023-): the steps a price moves in."""
    for limit, step in ((2_000, 1), (5_000, 5), (20_000, 10), (50_000, 50), (200_000, 100)):
        if price < limit:
            return step
    return 500 if price < 500_000 else 1_000


def upper_limit(prev_close: int) -> int:
    """상한가: +30 %, rounded down to the price's tick."""
    limit = prev_close * 13 // 10
    return limit - limit % tick_size(limit)


def trades(stock: Stock, rng: random.Random) -> Iterator[tuple[datetime, dict[str, Any]]]:
    """The stock's trades: along its anchors, a tick or two of noise between them."""
    cum_volume = 0
    upper = upper_limit(stock.prev_close)
    surge = (at(stock.surge[0]), at(stock.surge[1])) if stock.surge else None
    anchors = [(at(hhmmss), price) for hhmmss, price in stock.path]
    for (start, low), (end, high) in itertools.pairwise(anchors):
        seconds = int((end - start).total_seconds())
        count = max(2, seconds * stock.trades_per_hour // 3600)
        offsets = sorted(rng.sample(range(1, seconds), min(count, seconds - 1)))
        for offset in [*offsets, seconds]:
            moment = start + timedelta(seconds=offset)
            price = low + (high - low) * offset / seconds
            if offset != seconds and low != high:
                price += rng.choice((-1, 0, 0, 1)) * tick_size(int(price))
            step = tick_size(int(price))
            # Only the anchors (and a flat stretch at it) touch the limit: noise stays a tick under.
            cap = upper if offset == seconds or low == high else upper - tick_size(upper)
            price = min(cap, int(round(price / step) * step))
            volume = rng.randint(1, 300) * (1 if rng.random() < 0.55 else -1)
            if surge and surge[0] <= moment < surge[1]:
                volume *= 20
            cum_volume += abs(volume)
            change = price - stock.prev_close
            entry = kw.trade_entry(
                stock.code,
                price,
                change=change,
                rate=round(change * 100 / stock.prev_close, 2),
                volume=volume,
                cum_volume=cum_volume,
                hhmmss=moment.strftime("%H%M%S"),
                at_limit=price == upper,
            )
            yield moment, entry


def vi_both(
    code: str, hhmmss: str, *, kind: str, trigger: int, reference: int, release: str, count: int
) -> list[tuple[datetime, str, Any]]:
    """One VI as both brokers report it: Kiwoom ``1h`` and LS ``VI_``, trigger and release."""
    rate = f"{(trigger - reference) * 100 / reference:+.2f}"
    refs = {"static_ref": reference} if kind == "static" else {"dynamic_ref": reference}
    gubun = "1" if kind == "static" else "2"

    def kiwoom(moment: str, triggered: bool) -> list[dict[str, Any]]:
        entry = kw.vi_entry(
            code,
            NAMES[code],
            triggered=triggered,
            price=trigger,
            hhmmss=moment,
            kind="정적" if kind == "static" else "동적",
            rate=rate,
            count=count,
            up=trigger > reference,
        )
        return [entry]

    triggered = ls.vi(code, gubun=gubun, trigger=trigger, hhmmss=hhmmss, **refs)
    return [
        (at(hhmmss, 120_000), "kiwoom", kiwoom(hhmmss, True)),
        (at(hhmmss, 180_000), "ls", triggered),
        (at(release, 110_000), "kiwoom", kiwoom(release, False)),
        (at(release, 170_000), "ls", ls.vi(code, gubun="0", hhmmss=release, **refs)),
    ]


MARKET = (
    ("080000", "6", "55"),  # NXT 프리마켓 개시
    ("083000", "1", "11"),  # 코스피 장전 동시호가 개시
    ("083000", "2", "11"),
    ("085000", "1", "25"),  # 장 개시 10분 전
    ("085000", "6", "57"),  # NXT 프리마켓 마감
    ("085900", "1", "23"),  # 장 개시 1분 전
    ("090000", "1", "21"),  # 장 시작
    ("090000", "2", "21"),
    ("103100", "1", "64"),  # 코스피 사이드카 매도 발동
    ("103600", "1", "65"),  # 사이드카 매도 해제
    ("131200", "2", "61"),  # 코스닥 서킷브레이크 1단계 발동
    ("133200", "2", "62"),  # 1단계 해제, 호가접수 개시
    ("134200", "2", "63"),  # 1단계 동시호가 종료
    ("152000", "1", "31"),  # 장후 동시호가 개시
    ("152000", "2", "31"),
    ("153000", "1", "41"),  # 장 마감
    ("153000", "2", "41"),
    ("154000", "6", "56"),  # NXT 에프터마켓 개시
)

NEWS = (
    ("075502", "[마감시황] 뉴욕증시, 엔비디아 실적 앞두고 혼조 마감", ()),
    ("081211", "삼성전자, 차세대 HBM4 양산 돌입…엔비디아 공급 임박", ("005930",)),
    ("084033", "LG에너지솔루션, 북미 ESS용 2차전지 대규모 수주", ("373220",)),
    ("090405", "에코프로비엠 급등에 변동성완화장치 발동", ("247540",)),
    ("093112", "2차전지 ETF 자금 유입 지속", ()),
    ("095217", "STX, ‘2차전지 핵심’ 수산화리튬 사업 박차…中 영정리튬과 MOU", ("011810",)),
    ("100520", "[특징주] SK하이닉스, 외국인 매도에 약세", ("000660",)),
    ("103115", "코스피 사이드카 발동…선물 급락", ()),
    ("111530", "포스코퓨처엠, 리튬 가공 공장 증설 검토", ("003670",)),
    ("114012", "삼성전자, 분기 배당 확대 검토", ("005930",)),
    ("131230", "코스닥 서킷브레이커 발동…지수 8% 급락", ()),
    ("134507", "리튬 가격 반등에 2차전지주 일제히 상승", ("373220", "247540")),
    ("141033", "삼성전자 외국인 순매수 1조 돌파", ("005930",)),
    ("150512", "리튬 펀드 수익률 부진", ()),
    ("154205", "[마감시황] 코스피 1.2% 상승 마감", ()),
)


def headline(hhmmss: str, title: str, codes: tuple[str, ...], number: int) -> ls.Frame:
    realkey = f"{DAY:%Y%m%d}{hhmmss}{number:06d}"
    date_text = f"{DAY:%Y%m%d}"
    return ls.news(
        title, realkey=realkey, codes=codes, date=date_text, hhmmss=hhmmss, provider="27"
    )


SURGING = {"0": ["247540", "035420", "086520"]}
"""급등주 (seq 0) matches when the condition starts before the open: the snapshot."""
BURST = (
    "196170",
    "028300",
    "042700",
    "010140",
    "012450",
    "064350",
    "272210",
    "003670",
    "005380",
    "068270",
    "000270",
    "105560",
)
"""Stocks entering 급등주 in the first minutes of the session."""


def script(rng: random.Random) -> list[Step]:
    moments: list[tuple[datetime, str, Any]] = []
    for hhmmss, market, status in MARKET:
        moments.append((at(hhmmss, 40_000), "ls", ls.jif(market, status)))
    for number, (hhmmss, title, codes) in enumerate(NEWS, start=1):
        moments.append((at(hhmmss, 300_000), "ls", headline(hhmmss, title, codes, number)))
    for stock in STOCKS:
        for moment, entry in trades(stock, rng):
            moments.append(
                (moment.replace(microsecond=rng.randrange(1_000_000)), "kiwoom", [entry])
            )
    moments += vi_both(
        "247540",
        "090321",
        kind="static",
        trigger=195_800,
        reference=178_000,
        release="090551",
        count=1,
    )
    moments += vi_both(
        "005930",
        "091503",
        kind="dynamic",
        trigger=80_200,
        reference=78_600,
        release="091733",
        count=1,
    )
    moments += vi_both(
        "000660",
        "131205",
        kind="dynamic",
        trigger=184_300,
        reference=188_200,
        release="131435",
        count=1,
    )
    # 급등주: a burst of entries just after the open, a few in the same frame; one stock leaves
    # and comes straight back (the scanner's cooldown holds the second entry back).
    second = at("090031")
    for index, code in enumerate(BURST):
        moment = second + timedelta(seconds=index // 3 * 7, microseconds=250_000)
        hhmmss = moment.strftime("%H%M%S")
        moments.append((moment, "kiwoom", [kw.condition_entry("0", code, hhmmss=hhmmss)]))
    for hhmmss, enter in (("090050", False), ("090105", True), ("092012", False)):
        entry = kw.condition_entry("0", "042700", enter=enter, hhmmss=hhmmss)
        moments.append((at(hhmmss, 500_000), "kiwoom", [entry]))
    moments += fills()
    # LS's market-wide limit reports of 한미반도체, just after Kiwoom's trade showed each.
    moments += [
        (at("105012", 600_000), "ls", ls.limit_reached("042700", "한미반도체", 130_000,
                                                        rate="30.00", hhmmss="105012")),
        (at("112040", 600_000), "ls", ls.limit_released("042700", "한미반도체", 129_500, 130_000,
                                                         rate="29.50")),
        (at("114000", 600_000), "ls", ls.limit_reached("042700", "한미반도체", 130_000,
                                                        rate="30.00", hhmmss="114000")),
    ]  # fmt: skip
    moments += [
        (at(f"{hour:02d}{minute:02d}00", 5_000), "ping", None)
        for hour in range(8, 16)
        for minute in (10, 40)
    ]
    # 12:05 the LS link drops; on the new connection the server re-sends the last headline.
    moments.append((at("120500"), "drop", None))
    moments.append((at("120502", 10_000), "ls", headline(*NEWS[9][:3], 10)))
    moments += [(at(hhmmss, 800_000), "dart", row) for hhmmss, row in FILINGS]
    return merge(sorted(Step(t, i, kind, payload) for i, (t, kind, payload) in enumerate(moments)))


FILINGS = (
    ("081012", filing("20261120000101", "삼성전자", "005930",
                      "[기재정정]주요사항보고서(자기주식취득결정)")),
    ("134022", filing("20261120000388", "카카오", "035720", "주요사항보고서(자기주식취득결정)",
                      corp_code="00258801")),
    ("153104", filing("20261120000512", "삼성전자", "005930",
                      "주요사항보고서(자기주식취득결정)")),
    ("160511", filing("20261120000577", "SK하이닉스", "000660", "단일판매ㆍ공급계약체결",
                      corp_code="00164779")),
)  # fmt: skip
"""DART filings as they appear: each is seen at the next poll (the feed polls then)."""


def fills() -> list[tuple[datetime, str, Any]]:
    """The trader's orders: a Kiwoom buy in two fills, a Kiwoom sell refused, an LS sell filled
    and an LS buy refused."""

    def samsung(hhmmss: str, micros: int, **fill: Any) -> tuple[datetime, str, Any]:
        entry = kw.fill_entry(
            "005930", "삼성전자", order_no="0000018", order_qty=10, hhmmss=hhmmss, **fill
        )
        return at(hhmmss, micros), "kiwoom", [entry]

    refused = kw.fill_entry(
        "247540",
        "에코프로비엠",
        order_no="0000031",
        status="거부",
        buy=False,
        order_qty=20,
        unfilled=20,
        hhmmss="133010",
        reason="매도가능수량 부족",
    )
    return [
        samsung("092510", 200_000, status="접수", unfilled=10),
        samsung("092512", 300_000, fill_no="1", qty=6, price=80_100, unfilled=4),
        samsung("092513", 100_000, fill_no="2", qty=4, price=80_100),
        (
            at("102005", 400_000),
            "ls",
            ls.fill("000660", "SK하이닉스", order_no="86382", qty=5, price=191_000, order_qty=5,
                    buy=False, hhmmss="102005"),
        ),
        (at("133010", 600_000), "kiwoom", [refused]),
        (
            at("144507", 700_000),
            "ls",
            ls.fill("373220", "LG에너지솔루션", order_no="91207", code="14", qty=0, order_qty=3,
                    unfilled=3, hhmmss="144507"),
        ),
    ]  # fmt: skip


def merge(steps: list[Step]) -> list[Step]:
    """Kiwoom entries of the same moment travel in one REAL frame, as the server batches them."""
    merged: list[Step] = []
    for step in steps:
        last = merged[-1] if merged else None
        if last is not None and step.kind == last.kind == "kiwoom" and step.t == last.t:
            last.payload = [*last.payload, *step.payload]
        else:
            merged.append(step)
    return merged


# ---------------------------------------------------------------------------- recording it


class SetClock:
    """The feeds' clock: whatever moment the script is at."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class Counting:
    """A ``RecordWriter`` that the script can wait on: frames written, and events seen."""

    def __init__(self, writer: RecordWriter) -> None:
        self.writer = writer
        self.events: list[Event] = []
        self._changed = asyncio.Event()

    def raw(self, src: str, frame: str | bytes, received: datetime) -> None:
        self.writer.write(src, frame, received)
        self._changed.set()

    def event(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    async def until(self, predicate: Callable[[], bool]) -> None:
        async with asyncio.timeout(TIMEOUT):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


SUBSCRIPTIONS = Subscriptions(
    vi=True,
    ticks=frozenset(NAMES),
    conditions=frozenset({"급등주"}),
    fills=True,
    market=True,
    news=True,
    limits=True,
    disclosures=True,
)
"""What ``alertbot record`` would subscribe to for the example rules and these stocks."""


async def record_day(out: Path) -> int:
    """Record the scripted day into ``out``; returns the number of frames."""
    steps = script(random.Random(SEED))
    clock = SetClock(at("075000", 120_000))
    async with (
        kw.KiwoomSimulator(matches=SURGING) as kiwoom,
        ls.LsSimulator() as ls_server,
        DartSimulator() as dart,
    ):
        settings = Settings.from_env(
            {
                "KIWOOM_TOKEN": kw.SIM_TOKEN,
                "KIWOOM_WS_URL": kiwoom.url,
                "LS_TOKEN": ls.SIM_TOKEN,
                "LS_WS_URL": ls_server.ws_url,
                "DART_API_KEY": SIM_KEY,
                "DART_API_URL": dart.api_url,
                "DART_POLL": "86400",  # it polls when the script files something, never else
            }
        )
        with RecordWriter(out) as writer:
            sink = Counting(writer)
            feeds = build_feeds(
                settings,
                on_event=sink.event,
                on_notice=lambda text: print(text, file=sys.stderr),
                on_raw=sink.raw,
                backoff=Backoff(initial=0.01, maximum=0.05),
                clock=clock,
            )
            kiwoom_feed = next(f for f in feeds if isinstance(f, KiwoomFeed))
            ls_feed = next(f for f in feeds if isinstance(f, LsFeed))
            dart_feed = next(f for f in feeds if isinstance(f, DartFeed))
            tasks: list[asyncio.Task[None]] = []
            try:
                # Kiwoom first, up to the condition's snapshot; then LS, up to its last ack.
                tasks.append(start(kiwoom_feed))
                await sink.until(lambda: any(e.kind == "condition" for e in sink.events))
                clock.now = at("075000", 480_000)
                tasks.append(start(ls_feed))
                await ls_subscribed(sink, ls_feed, connects=1)
                # DART last: its first poll of the day finds nothing filed yet.
                clock.now = at("075000", 700_000)
                before = sink.writer.frames
                tasks.append(start(dart_feed))
                await sink.until(lambda: sink.writer.frames == before + 1)
                sims = Sims(kiwoom, ls_server, dart, dart_feed)
                for step in steps:
                    clock.now = step.t
                    await play(step, sims, sink, ls_feed)
            finally:
                for feed in feeds:
                    await feed.stop()
                await asyncio.gather(*tasks, return_exceptions=True)
            return writer.frames


def start(feed: Feed) -> asyncio.Task[None]:
    feed.set_subscriptions(SUBSCRIPTIONS)
    return asyncio.create_task(feed.run())


async def ls_subscribed(sink: Counting, feed: LsFeed, connects: int) -> None:
    """Until connection number ``connects`` has every topic acknowledged (and recorded)."""
    wanted = ls_protocol.wanted(SUBSCRIPTIONS)
    await sink.until(lambda: feed.status.connects >= connects and feed.confirmed == wanted)


@dataclass(frozen=True, slots=True)
class Sims:
    kiwoom: kw.KiwoomSimulator
    ls: ls.LsSimulator
    dart: DartSimulator
    dart_feed: DartFeed
    """Polls when a filing appears, so the recording holds one poll per filing."""


async def play(step: Step, sims: Sims, sink: Counting, feed: LsFeed) -> None:
    before = sink.writer.frames
    if step.kind == "kiwoom":
        sent = await sims.kiwoom.push(step.payload)
    elif step.kind == "ls":
        sent = await sims.ls.push(step.payload)
    elif step.kind == "ping":
        await sims.kiwoom.ping()
        sent = 1
    elif step.kind == "dart":
        sims.dart.file(step.payload)
        sims.dart_feed.poll_now()
        sent = 1
    else:
        connects = feed.status.connects
        await sims.ls.drop()
        await ls_subscribed(sink, feed, connects + 1)
        return
    if sent != 1:
        raise RuntimeError(f"{step.t:%H:%M:%S} {step.kind}: reached {sent} sessions, not 1")
    await sink.until(lambda: sink.writer.frames == before + 1)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    frames = asyncio.run(record_day(out))
    print(f"{out}: {frames} frames")


if __name__ == "__main__":
    main()
