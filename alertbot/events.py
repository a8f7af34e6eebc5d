"""The normalized, immutable events every feed produces and every rule reads.

This module imports nothing of the project: it is the contract between the feeds (which
turn a broker's wire format into these) and the engine (which only ever sees these).

Every event has:
- ``kind``: the rule ``event:`` it answers to (``price`` for a ``Tick``);
- ``key``: a stable idempotency key. The same real-world event gives the same key across
  reconnects, restarts and brokers, so delivery can drop a repeat. It never contains
  volatile values that differ between two reports of the same happening;
- ``fields()``: the flat dict message templates format from.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar, Literal

KST = timezone(timedelta(hours=9), "KST")
"""Korea has no daylight saving time: a fixed offset needs no tz database in the container."""

Source = Literal["kiwoom", "ls", "dart", "sim"]
ViState = Literal["triggered", "released"]
ViKind = Literal["static", "dynamic", "static+dynamic"]
Direction = Literal["up", "down", ""]
Side = Literal["buy", "sell", ""]
ConditionAction = Literal["enter", "exit", "snapshot"]


def now_kst() -> datetime:
    """The current time in KST (the clock every broker time is read against)."""
    return datetime.now(KST)


def display_name(symbol: str, name: str) -> str:
    """``삼성전자(005930)`` when the feed gave a name, else just the code."""
    if name and symbol:
        return f"{name}({symbol})"
    return name or symbol


@dataclass(frozen=True, slots=True)
class Event:
    """Fields common to every event."""

    kind: ClassVar[str] = "event"

    source: str
    time: datetime
    symbol: str = ""
    name: str = ""

    @property
    def key(self) -> str:  # pragma: no cover - every subclass defines its own
        raise NotImplementedError

    @property
    def day(self) -> str:
        """The KST trading day ``YYYYMMDD``: part of keys so that tomorrow's VI is new."""
        return self.time.astimezone(KST).strftime("%Y%m%d")

    def fields(self) -> dict[str, Any]:
        """Flat template fields: every dataclass field plus a few derived conveniences."""
        values = asdict(self)
        local = self.time.astimezone(KST)
        values["kind"] = self.kind
        values["display"] = display_name(self.symbol, self.name)
        values["hhmmss"] = local.strftime("%H:%M:%S")
        values["date"] = local.strftime("%Y-%m-%d")
        return values


@dataclass(frozen=True, slots=True)
class Tick(Event):
    """A trade: the price moved. Rules with ``event: price`` read these."""

    kind: ClassVar[str] = "price"

    price: int = 0
    change: int = 0
    """Signed change against the previous close, in won."""
    rate: float = 0.0
    """Signed day change in percent."""
    volume: int = 0
    """This trade's quantity (unsigned)."""
    side: Side = ""
    """Which side hit: ``buy`` when the buyer crossed the spread."""
    cum_volume: int = 0
    venue: str = "KRX"
    sign: str = ""
    """전일대비기호 as the feed sent it: 1 upper limit (상한), 2 up, 3 unchanged, 4 lower limit
    (하한), 5 down; empty when the feed did not say. ``limit`` rules read 1 and 4."""

    @property
    def previous_close(self) -> int:
        """Yesterday's close, as the feed gives it with every trade (``price − change``)."""
        return self.price - self.change

    @property
    def key(self) -> str:
        stamp = self.time.isoformat()
        return f"tick:{self.symbol}:{self.venue}:{stamp}:{self.price}:{self.cum_volume}"


@dataclass(frozen=True, slots=True)
class Vi(Event):
    """Volatility interruption (변동성완화장치) triggered or released for one stock."""

    kind: ClassVar[str] = "vi"

    state: ViState = "triggered"
    vi_kind: ViKind = "static"
    direction: Direction = ""
    vi_price: int = 0
    """The price that triggered it (발동가격)."""
    rate: float = 0.0
    """The trigger price's change in percent (발동가 등락율)."""
    count: int = 0
    """How many times VI fired for this stock today (0 when the feed does not say)."""
    venue: str = "KRX"

    @property
    def key(self) -> str:
        # Time to the second, not price or count, so Kiwoom and LS reports of one VI agree.
        hhmmss = self.time.astimezone(KST).strftime("%H%M%S")
        return f"vi:{self.symbol}:{self.venue}:{self.state}:{self.day}:{hhmmss}"

    def fields(self) -> dict[str, Any]:
        values = Event.fields(self)
        values["state_ko"] = "발동" if self.state == "triggered" else "해제"
        values["kind_ko"] = {"static": "정적", "dynamic": "동적"}.get(self.vi_kind, "정적+동적")
        values["direction_ko"] = {"up": "상승", "down": "하락"}.get(self.direction, "")
        return values


@dataclass(frozen=True, slots=True)
class ConditionHit(Event):
    """A stock entered or left a condition search (조건검색) the trader defined at the broker.

    ``action == "snapshot"`` is the first answer after a condition starts: the stocks that
    already match, in ``matches`` (``symbol`` empty). They are not entries; rules report them
    once, as one summary, never as a flood of "entered" alerts.
    """

    kind: ClassVar[str] = "condition"

    seq: str = ""
    condition: str = ""
    """The condition's name as the broker lists it (empty if unknown)."""
    action: ConditionAction = "enter"
    matches: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        if self.action == "snapshot":
            return f"cond:{self.seq}:snapshot:{self.day}:{','.join(sorted(self.matches))}"
        hhmmss = self.time.astimezone(KST).strftime("%H%M%S")
        return f"cond:{self.seq}:{self.symbol}:{self.action}:{self.day}:{hhmmss}"

    def fields(self) -> dict[str, Any]:
        values = Event.fields(self)
        values["action_ko"] = {"enter": "편입", "exit": "이탈"}.get(self.action, "현재 편입")
        values["match_count"] = len(self.matches)
        return values


@dataclass(frozen=True, slots=True)
class Fill(Event):
    """An order event on the trader's own account: accepted, filled, cancelled, rejected."""

    kind: ClassVar[str] = "fill"

    order_no: str = ""
    fill_no: str = ""
    side: Side = ""
    status: str = "체결"
    """The broker's status word: 접수, 체결, 확인, 취소, 거부."""
    qty: int = 0
    """Quantity of this fill (0 on 접수)."""
    price: int = 0
    """Price of this fill (0 on 접수)."""
    unfilled: int = 0
    order_qty: int = 0
    account: str = ""
    """Masked to its last four digits: ``****1234``."""
    reason: str = ""

    @property
    def key(self) -> str:
        return f"fill:{self.order_no}:{self.fill_no}:{self.status}:{self.unfilled}"

    def fields(self) -> dict[str, Any]:
        values = Event.fields(self)
        values["side_ko"] = {"buy": "매수", "sell": "매도"}.get(self.side, "")
        return values


@dataclass(frozen=True, slots=True)
class MarketStatus(Event):
    """A change in a market's state: circuit breaker, sidecar, open, close, …"""

    kind: ClassVar[str] = "market"

    market: str = ""
    """``kospi``, ``kosdaq``, ``derivatives``, ``nxt``, ``night``, ``us``, …"""
    market_code: str = ""
    """The broker's raw market code (LS ``jangubun``)."""
    status_code: str = ""
    """The broker's raw status code (LS ``jstatus``)."""
    category: str = "session"
    """``circuit_breaker``, ``sidecar``, ``session``, ``price_limit``, ``other``."""
    label: str = ""
    """The Korean label a trader recognises, e.g. ``서킷브레이크 1단계 발동``."""

    @property
    def key(self) -> str:
        # No time of day: LS's JIF carries none (the time is when it arrived), and every
        # status happens at most once a day per market (a sidecar or each circuit-breaker
        # stage at most once; each session step once). So a status re-sent after a reconnect
        # or a restart is recognised as the same happening and is not alerted twice.
        return f"market:{self.market_code}:{self.status_code}:{self.day}"


@dataclass(frozen=True, slots=True)
class News(Event):
    """A news headline. ``symbol`` is its first related stock; ``symbols`` holds them all."""

    kind: ClassVar[str] = "news"

    news_id: str = ""
    """The feed's unique id for this story (LS ``realkey``)."""
    title: str = ""
    symbols: tuple[str, ...] = field(default_factory=tuple)
    provider: str = ""

    @property
    def key(self) -> str:
        return f"news:{self.news_id}"


LimitState = Literal["reached", "released"]


@dataclass(frozen=True, slots=True)
class PriceLimit(Event):
    """A stock reached (상한가/하한가 진입) or left (이탈) its daily price limit.

    LS streams these market-wide (SHI/SHO); the engine also derives them from a stock's trades
    (``Tick.sign`` 1 or 4), so both brokers' reports of one happening share the key.
    """

    kind: ClassVar[str] = "limit"

    direction: Direction = "up"
    """``up`` the upper limit (상한가), ``down`` the lower (하한가)."""
    state: LimitState = "reached"
    price: int = 0
    """The trade price when it happened."""
    rate: float = 0.0
    """Signed day change in percent."""
    limit_price: int = 0
    """The limit itself (0 when the report does not carry it)."""
    venue: str = "KRX"

    @property
    def key(self) -> str:
        hhmmss = self.time.astimezone(KST).strftime("%H%M%S")
        where = f"{self.symbol}:{self.venue}:{self.direction}:{self.state}"
        return f"limit:{where}:{self.day}:{hhmmss}"

    def fields(self) -> dict[str, Any]:
        values = Event.fields(self)
        limit_ko = "상한가" if self.direction == "up" else "하한가"
        values["limit_ko"] = limit_ko
        values["state_ko"] = "도달" if self.state == "reached" else "이탈"
        if self.state == "reached":
            values["headline"] = f"{'🔺' if self.direction == 'up' else '🔻'} {limit_ko}"
        else:
            values["headline"] = f"↩️ {limit_ko} 이탈"
        return values


@dataclass(frozen=True, slots=True)
class VolumeSpike(Event):
    """A stock traded far more in one minute than its average minute.

    Derived by the engine from trades (no broker sends it). ``time`` is the trade that showed
    it; ``minute`` is the minute judged, by the trades' own times.
    """

    kind: ClassVar[str] = "volume"

    minute: str = ""
    """``HH:MM`` (KST) of the minute judged."""
    volume: int = 0
    """Shares traded in that minute (so far, when judged before it closed)."""
    average: float = 0.0
    """The average minute over the rule's window."""
    ratio: float = 0.0
    """``volume / average``."""
    window: int = 0
    """Complete minutes the average was taken over."""
    venue: str = "KRX"

    @property
    def key(self) -> str:
        return f"volume:{self.symbol}:{self.venue}:{self.day}:{self.minute}"


DART_VIEWER = "https://dart.fss.or.kr/dsaf001/main.do?rcpNo="
"""OpenDART's viewer for one filing: append its ``rcept_no``."""
CORP_CLASSES = {"Y": "kospi", "K": "kosdaq", "N": "konex", "E": "other"}
"""OpenDART's ``corp_cls`` → the market a disclosure rule names (``markets: [kospi]``)."""


@dataclass(frozen=True, slots=True)
class Disclosure(Event):
    """A regulatory filing (공시) on DART. ``time`` is when the feed first saw it: OpenDART
    gives only the filing's date (``rcept_dt``), no time of day."""

    kind: ClassVar[str] = "disclosure"

    rcept_no: str = ""
    """접수번호 (14 digits): unique per filing."""
    report: str = ""
    """보고서명 (``report_nm``) as filed, ``[기재정정]`` prefixes included."""
    filer: str = ""
    """공시 제출인명 (``flr_nm``)."""
    corp_code: str = ""
    market: str = ""
    """``kospi``, ``kosdaq``, ``konex`` or ``other`` (from ``corp_cls`` Y, K, N, E)."""
    filed: str = ""
    """접수일자 ``YYYYMMDD``."""
    remark: str = ""
    """비고 (``rm``): letters such as 유, 코, 연, 정."""

    @property
    def key(self) -> str:
        return f"disclosure:{self.rcept_no}"

    @property
    def url(self) -> str:
        return DART_VIEWER + self.rcept_no

    def fields(self) -> dict[str, Any]:
        values = Event.fields(self)
        values["url"] = self.url
        values["hhmm"] = self.time.astimezone(KST).strftime("%H:%M")
        return values


EVENT_TYPES: dict[str, type[Event]] = {
    cls.kind: cls
    for cls in (
        Tick,
        Vi,
        ConditionHit,
        Fill,
        MarketStatus,
        News,
        PriceLimit,
        VolumeSpike,
        Disclosure,
    )
}
"""Rule ``event:`` name → event class."""
