"""LS Securities OPEN API WebSocket protocol, sans-I/O: build requests, parse frames.

Protocol truth: ../shared/seeds/000_… (JIF, NWS, the request shape) and
../shared/reference/ls/websocket-stock-realtime.md (S3_, K3_, SC1, VI_); field behaviour in
reference/PROTOCOL_NOTES.md. Seed 003's WebSocket chapter (CONNECT/SUBSCRIBE) disagrees with
these pages and is not followed.

Every request is ``{"header":{"token","tr_type"},"body":{"tr_cd","tr_key"}}`` and carries the
token itself: there is no login frame. The server answers each request with a header-only
frame holding ``rsp_cd`` ("00000" = accepted) and ``rsp_msg`` [field], and sends data as
``{"header":{"tr_cd","tr_key"},"body":{…}}``. ``parse`` never raises on server input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from alertbot.events import Event, Fill, MarketStatus, News, PriceLimit, Tick, Vi
from alertbot.feeds.ls.jstatus import describe
from alertbot.feeds.values import (
    ascii_digit_runs,
    kst_time,
    mask_account,
    strip_code,
    to_float,
    to_int,
    to_price,
    to_text,
)
from alertbot.i18n import t
from alertbot.subscriptions import Subscriptions

SOURCE = "ls"

JIF, NWS, VI, KOSPI_TRADE, KOSDAQ_TRADE = "JIF", "NWS", "VI_", "S3_", "K3_"
NXT_TRADE, NXT_VI = "NS3", "NVI"
LIMIT_REACHED, LIMIT_RELEASED = "SHI", "SHO"
"""상/하한가진입 and 상/하한가이탈: every stock reaching or leaving its daily limit, market-wide
(docs/protocol/price-limits-and-volume.md)."""
LIMIT_KEY = "1"
"""The key of every SHI/SHO example on LS's page (상/하한구분 in xingAPI's layout); all of them
are upper-limit stocks. The key for the lower limit is not documented and is not guessed."""
"""NXT's trades and VIs [guess: the names public LS clients use; the stored portal page lists
only the KRX feeds]; same bodies as ``S3_`` and ``VI_``, with ``exchname`` "NXT"."""
ORDER_ACCEPTED, FILL, ORDER_AMENDED, ORDER_CANCELLED, ORDER_REJECTED = (
    "SC0",
    "SC1",
    "SC2",
    "SC3",
    "SC4",
)
"""주식주문접수, 체결, 정정, 취소, 거부: only SC1 carries fills; the others are the order's life."""
ALL_MARKETS = "0"
"""JIF's only key: every market's status."""
NEWS_KEY = "NWS001"
ALL_STOCKS = "000000"
"""VI_'s key for every stock (PROTOCOL_NOTES: [doc])."""
ACCOUNT_KEY = ""
"""Account TRs (SC0–SC4) take no key: they report the token's own account."""
ACCOUNT_TRS = (ORDER_ACCEPTED, FILL, ORDER_AMENDED, ORDER_CANCELLED, ORDER_REJECTED)

OK = "00000"
TOKEN_REFUSED_CODES = frozenset({"IGW00121", "IGW00123"})
"""[field] Gateway codes public LS clients treat as "token invalid or expired"."""

Topic = tuple[str, str]
"""(tr_cd, tr_key): one thing the server streams."""


# ---------------------------------------------------------------------------- requests


def wanted(subscriptions: Subscriptions) -> set[Topic]:
    """The topics the rules need. Condition search (LS ``AFR``) is not wired: Kiwoom serves it."""
    topics: set[Topic] = set()
    if subscriptions.market:
        topics.add((JIF, ALL_MARKETS))
    if subscriptions.news:
        topics.add((NWS, NEWS_KEY))
    if subscriptions.vi:
        topics.add((VI, ALL_STOCKS))
        if subscriptions.nxt_ticks:
            topics.add((NXT_VI, ALL_STOCKS))
    if subscriptions.fills:
        # Fill rules see every step of an order (status 접수, 정정, 취소, 거부 as well as 체결):
        # each comes on its own TR, each registered for the account (tr_type 1).
        topics.update((tr_cd, ACCOUNT_KEY) for tr_cd in ACCOUNT_TRS)
    for code in subscriptions.ticks:
        # A six-digit code does not say whether it trades on KOSPI (S3_) or KOSDAQ (K3_), and
        # the docs give no prefix table; both are registered and the wrong one stays silent.
        topics.add((KOSPI_TRADE, code))
        topics.add((KOSDAQ_TRADE, code))
    topics.update((NXT_TRADE, code) for code in subscriptions.nxt_ticks)
    if subscriptions.limits:
        topics.update({(LIMIT_REACHED, LIMIT_KEY), (LIMIT_RELEASED, LIMIT_KEY)})
    return topics


def tr_type(tr_cd: str, register: bool) -> str:
    """1/2 register/unregister the account's order events, 3/4 market data (seed 000)."""
    if tr_cd in ACCOUNT_TRS:
        return "1" if register else "2"
    return "3" if register else "4"


def request(token: str, topic: Topic, register: bool = True) -> str:
    """One register or unregister request, as a text frame."""
    tr_cd, tr_key = topic
    return orjson.dumps(
        {
            "header": {"token": token, "tr_type": tr_type(tr_cd, register)},
            "body": {"tr_cd": tr_cd, "tr_key": tr_key},
        }
    ).decode()


# ---------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class Ack:
    """The server's answer to one request."""

    tr_cd: str
    tr_key: str
    tr_type: str
    code: str
    message: str

    @property
    def ok(self) -> bool:
        return self.code == OK

    @property
    def topic(self) -> Topic:
        return (self.tr_cd, self.tr_key)

    @property
    def token_refused(self) -> bool:
        """The token, not the request, was the problem: a fresh token can fix it."""
        text = self.message.lower()
        return self.code in TOKEN_REFUSED_CODES or "토큰" in text or "token" in text


@dataclass(frozen=True, slots=True)
class Data:
    """One data frame turned into an event."""

    tr_cd: str
    tr_key: str
    event: Event


@dataclass(frozen=True, slots=True)
class Unparsed:
    reason: str


Message = Ack | Data | Unparsed


def parse(frame: str | bytes, received: datetime) -> Message:
    """Read one frame from the server. Never raises."""
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return Unparsed(t("unparsed.not_json"))
    if not isinstance(message, dict):
        return Unparsed(t("unparsed.not_object"))
    header = message.get("header")
    if not isinstance(header, dict):
        return Unparsed(t("unparsed.no_header"))
    tr_cd, tr_key = to_text(header.get("tr_cd")), to_text(header.get("tr_key"))
    if "rsp_cd" in header:
        return Ack(
            tr_cd,
            tr_key,
            to_text(header.get("tr_type")),
            _code(header.get("rsp_cd")),
            to_text(header.get("rsp_msg")),
        )
    body = message.get("body")
    if not isinstance(body, dict):
        return Unparsed(t("unparsed.no_body", tr_cd=repr(tr_cd[:8])))
    parser = PARSERS.get(tr_cd)
    if parser is None:
        return Unparsed(t("unparsed.unhandled_tr", tr_cd=repr(tr_cd[:8])))
    event = parser(tr_key, body, received)
    if event is None:
        return Unparsed(t("unparsed.body_not_understood", tr_cd=tr_cd[:8]))
    return Data(tr_cd, tr_key, event)


def _code(value: object) -> str:
    """``rsp_cd`` is documented as a string; a number is read, anything else is not (``str`` of
    a deeply nested list would raise ``RecursionError``)."""
    if isinstance(value, str):
        return value.strip()
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


# ---------------------------------------------------------------------------- bodies


def parse_market(_key: str, body: dict[str, Any], received: datetime) -> MarketStatus | None:
    """JIF carries no time: the event is stamped with the time it arrived."""
    jangubun, jstatus = to_text(body.get("jangubun")), to_text(body.get("jstatus"))
    if not jangubun or not jstatus:
        return None
    meaning = describe(jangubun, jstatus)
    return MarketStatus(
        source=SOURCE,
        time=received,
        name=meaning.market_ko,
        market=meaning.market,
        market_code=jangubun,
        status_code=jstatus,
        category=meaning.category,
        label=meaning.label,
    )


class MarketStates:
    """The last status per market, so a status reported again is not a new change.

    JIF has no time of its own: the server repeating the current state (after a reconnect,
    say) would otherwise look like a second sidecar and alert twice.
    """

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, str]] = {}

    def changed(self, event: MarketStatus) -> bool:
        """True (and remembered) when ``event`` differs from the market's last status today."""
        state = (event.status_code, event.day)
        if self._last.get(event.market_code) == state:
            return False
        self._last[event.market_code] = state
        return True


NEWS_CODE_WIDTH = 12
MAX_NEWS_SYMBOLS = 20
"""The packet holds up to 20 codes [guess]; more is garbage, and is not read."""


def news_symbols(code: object) -> tuple[str, ...]:
    """``"000000011810…"`` → ``("011810", …)``: up to 20 zero-padded 12-character codes [guess].

    Tolerates separators and short codes, since the packing is not documented. Linear in the
    field's length, and reads no further than the first ``MAX_NEWS_SYMBOLS`` codes.
    """
    text = to_text(code)[: (NEWS_CODE_WIDTH + 1) * MAX_NEWS_SYMBOLS]
    parts = text.replace(",", " ").split()
    if len(parts) == 1 and len(text) > NEWS_CODE_WIDTH:
        parts = [text[i : i + NEWS_CODE_WIDTH] for i in range(0, len(text), NEWS_CODE_WIDTH)]
    symbols: dict[str, None] = {}
    for part in parts:
        symbol = strip_code(part)
        if symbol and symbol.strip("0"):
            symbols[symbol] = None
    return tuple(symbols)[:MAX_NEWS_SYMBOLS]


def parse_news(_key: str, body: dict[str, Any], received: datetime) -> News | None:
    title = to_text(body.get("title"))
    if not title:
        return None
    date, hhmmss = to_text(body.get("date")), to_text(body.get("time"))
    symbols = news_symbols(body.get("code"))
    return News(
        source=SOURCE,
        time=kst_time(hhmmss, received, date),
        symbol=symbols[0] if symbols else "",
        # realkey is LS's unique id; without one, the date, time and title identify the story.
        news_id=to_text(body.get("realkey")) or f"{date}{hhmmss}:{title}",
        title=title,
        symbols=symbols,
        provider=to_text(body.get("id")),
    )


VI_STATES = {"0": "released", "1": "triggered", "2": "triggered", "3": "triggered"}
VI_KINDS = {"1": "static", "2": "dynamic", "3": "static+dynamic"}


def parse_vi(key: str, body: dict[str, Any], received: datetime) -> Vi | None:
    """VI_: vi_gubun 0 released, 1 static, 2 dynamic, 3 both (reference VI발동해제)."""
    symbol = strip_code(body.get("shcode")) or (strip_code(key) if key != ALL_STOCKS else "")
    gubun = to_text(body.get("vi_gubun"))
    if not symbol or gubun not in VI_STATES:
        return None
    static_ref, dynamic_ref = to_price(body.get("svi_recprice")), to_price(body.get("dvi_recprice"))
    vi_price = to_price(body.get("vi_trgprice"))
    kind = VI_KINDS.get(gubun) or _kind_from_references(static_ref, dynamic_ref)
    reference = static_ref if kind != "dynamic" else dynamic_ref
    direction, rate = "", 0.0
    if vi_price and reference:
        # Kiwoom reports the trigger price's change against the VI reference price (1489);
        # LS gives both prices, so the same number and direction are derived here.
        rate = round((vi_price - reference) * 100 / reference, 2)
        direction = "up" if vi_price > reference else "down" if vi_price < reference else ""
    return Vi(
        source=SOURCE,
        time=kst_time(body.get("time"), received),
        symbol=symbol,
        name=to_text(body.get("hname")),  # not in the documented body; kept if LS sends it
        state=VI_STATES[gubun],  # type: ignore[arg-type]
        vi_kind=kind,  # type: ignore[arg-type]
        direction=direction,  # type: ignore[arg-type]
        vi_price=vi_price,
        rate=rate,
        venue=venue(body.get("exchname")),
    )


def _kind_from_references(static_ref: int, dynamic_ref: int) -> str:
    """A release (vi_gubun 0) names no kind; the reference prices still set tell which one.

    When neither is set the kind is unknown: ``static+dynamic`` lets rules of either kind see it.
    """
    if static_ref and not dynamic_ref:
        return "static"
    if dynamic_ref and not static_ref:
        return "dynamic"
    return "static+dynamic"


def venue(exchname: object) -> str:
    """``exchname`` ("KRX", "NXT") names the venue; absent means KRX, as on Kiwoom."""
    return to_text(exchname).upper() or "KRX"


SIGNS_DOWN = frozenset({"4", "5"})
"""``sign`` 1 upper limit, 2 up, 3 unchanged, 4 lower limit, 5 down (the xingAPI convention
that Kiwoom's field 25 shares; the LS page lists the field without its values) [guess]."""


def parse_trade(key: str, body: dict[str, Any], received: datetime) -> Tick | None:
    """S3_/K3_: every number is unsigned; ``sign`` gives the direction, applied here."""
    symbol = strip_code(body.get("shcode")) or strip_code(key)
    price = to_price(body.get("price"))
    if not symbol or not price:
        return None
    direction = -1 if to_text(body.get("sign")) in SIGNS_DOWN else 1
    return Tick(
        source=SOURCE,
        time=kst_time(body.get("chetime"), received),
        symbol=symbol,
        price=price,
        change=direction * abs(to_int(body.get("change"))),
        rate=direction * abs(to_float(body.get("drate"))),
        volume=abs(to_int(body.get("cvolume"))),
        side={"+": "buy", "-": "sell"}.get(to_text(body.get("cgubun")), ""),  # type: ignore[arg-type]
        cum_volume=abs(to_int(body.get("volume"))),
        venue=venue(body.get("exchname")),
        sign=to_text(body.get("sign")),
    )


SIGN_DIRECTIONS = {"1": "up", "2": "up", "4": "down", "5": "down"}


def parse_limit_reached(_key: str, body: dict[str, Any], received: datetime) -> PriceLimit | None:
    """SHI: the limit from ``sign`` (1 상한, 4 하한); ``updnlmtstime`` (최종진입시간) its time."""
    return _limit(body, received, reached=True)


def parse_limit_released(_key: str, body: dict[str, Any], received: datetime) -> PriceLimit | None:
    """SHO: which limit it left from the price's side of ``updnlmtprice`` (else ``sign``).
    SHO carries no time: the event is stamped with its arrival."""
    return _limit(body, received, reached=False)


def _limit(body: dict[str, Any], received: datetime, *, reached: bool) -> PriceLimit | None:
    symbol = strip_code(body.get("shcode"))
    price = to_price(body.get("price"))
    limit_price = to_price(body.get("updnlmtprice")) or (price if reached else 0)
    sign = to_text(body.get("sign"))
    direction = SIGN_DIRECTIONS.get(sign, "")
    if not reached and price and limit_price and price != limit_price:
        direction = "up" if price < limit_price else "down"
    if not symbol or not price or not direction or (reached and sign not in ("1", "4")):
        return None
    return PriceLimit(
        source=SOURCE,
        time=kst_time(body.get("updnlmtstime"), received),
        symbol=symbol,
        name=to_text(body.get("hname")),
        direction=direction,  # type: ignore[arg-type]
        state="reached" if reached else "released",
        price=price,
        rate=(-1 if sign in SIGNS_DOWN else 1) * abs(to_float(body.get("drate"))),
        limit_price=limit_price,
    )


FILL_STATUS = {
    "01": "접수",
    "02": "접수",
    "03": "접수",
    "11": "체결",
    "12": "정정",
    "13": "취소",
    "14": "거부",
}
"""``ordxctptncode`` (SC1–SC4) and ``ordchegb`` (SC0) → the status word Kiwoom's fills use.
01 주문, 02 정정, 03 취소 are the order, amend and cancel requests being received (접수); 12
정정확인 and 13 취소확인 are the amend and cancel taking effect; 14 거부 rejected; only 11 is a
fill (reference SC0, SC1)."""
TR_STATUS = {
    ORDER_ACCEPTED: "접수",
    ORDER_AMENDED: "정정",
    ORDER_CANCELLED: "취소",
    ORDER_REJECTED: "거부",
}
"""The status an order TR means when its body carries no code of its own."""


def order_parser(tr_cd: str) -> Callable[[str, dict[str, Any], datetime], Fill | None]:
    def parse(_key: str, body: dict[str, Any], received: datetime) -> Fill | None:
        return _order_event(tr_cd, body, received)

    parse.__doc__ = f"{tr_cd}: one step of the trader's order (SC2–SC4 share SC1's layout)."
    return parse


def _order_event(tr_cd: str, body: dict[str, Any], received: datetime) -> Fill | None:
    """Read an order TR. SC0 (주문접수) names its fields its own way: ``ordchegb``,
    ``shtcode``, ``hname``, ``ordprice``, ``ordtm``; SC1–SC4 use ``ordxctptncode``,
    ``shtnIsuno``, ``Isunm``, ``execprc``, ``exectime``."""
    order_no = _number_text(body.get("ordno"))
    code = to_text(body.get("ordxctptncode")) or to_text(body.get("ordchegb"))
    status = FILL_STATUS.get(code) or TR_STATUS.get(tr_cd) or code
    if not order_no or not status:
        return None
    filled = status == "체결"
    return Fill(
        source=SOURCE,
        time=kst_time(body.get("exectime") or body.get("ordtm"), received),
        symbol=strip_code(body.get("shtnIsuno") or body.get("shtcode")),
        name=to_text(body.get("Isunm") or body.get("hname")),
        order_no=order_no,
        fill_no=_number_text(body.get("execno")) if filled else "",
        side={"1": "sell", "2": "buy"}.get(to_text(body.get("bnstp")), ""),  # type: ignore[arg-type]
        status=status,
        qty=to_int(body.get("execqty")) if filled else 0,
        price=to_price(body.get("execprc")) if filled else 0,
        unfilled=to_int(body.get("unercqty")),
        order_qty=to_int(body.get("ordqty")),
        account=mask_account(body.get("accno") or body.get("ordacntno") or body.get("accno1")),
    )


def _number_text(value: object) -> str:
    """Order and fill numbers come zero-padded or not: ``"0086382"`` and ``"86382"`` agree."""
    text = "".join(ascii_digit_runs(to_text(value)))
    return text.lstrip("0") or ("0" if text else "")


PARSERS: dict[str, Callable[[str, dict[str, Any], datetime], Event | None]] = {
    JIF: parse_market,
    NWS: parse_news,
    VI: parse_vi,
    KOSPI_TRADE: parse_trade,
    KOSDAQ_TRADE: parse_trade,
    NXT_TRADE: parse_trade,
    NXT_VI: parse_vi,
    LIMIT_REACHED: parse_limit_reached,
    LIMIT_RELEASED: parse_limit_released,
    **{tr_cd: order_parser(tr_cd) for tr_cd in ACCOUNT_TRS},
}
"""``header.tr_cd`` → parser of the frame's ``body``."""
