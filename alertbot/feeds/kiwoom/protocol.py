"""Kiwoom REST API WebSocket protocol, sans-I/O: build requests, parse frames.

Protocol truth: ../shared/seeds/001_… (REG/REMOVE, REAL types), 004_… (condition search) and
../shared/reference/kiwoom/*.md; field behaviour in reference/PROTOCOL_NOTES.md. Nothing here
touches a socket or a clock: ``parse`` takes the receive time so tests are exact.

Every frame is a JSON object with ``trnm``: LOGIN, PING, SYSTEM, REG, REMOVE, REAL,
CNSRLST, CNSRREQ, CNSRCLR. ``parse`` never raises on server input: anything it cannot read
becomes ``Unparsed`` with a short reason, so the feed counts it and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson

from alertbot.events import ConditionHit, Event, Fill, Tick, Vi
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

SOURCE = "kiwoom"

TYPE_FILL = "00"
TYPE_CONDITION = "02"
TYPE_TRADE = "0B"
TYPE_VI = "1h"
ALL_ITEMS = ""
"""The item that registers a type for every stock (VI) or for the token's account (00, 04)."""

AUTH_ERROR_CODES = frozenset({8005, 8031, 8103})
"""LOGIN refusals that a fresh token can fix (token invalid, real/mock mismatch, auth failed)."""

CONDITION_LIST_NAMES = frozenset({"CNSRLST", "CNSRLT"})
"""CNSRLST's answer; seed 004's answer table spells it ``CNSRLT``: both are read."""
KICKED = "R10001"
"""SYSTEM code: the same app key connected elsewhere and this session ends [field]."""


# ---------------------------------------------------------------------------- requests


def wanted(subscriptions: Subscriptions) -> set[tuple[str, str]]:
    """(type, item) pairs the rules need: trades per stock (and its NXT item when rules watch
    NXT sessions), VI for every stock, the account's order events."""
    pairs = {(TYPE_TRADE, code) for code in subscriptions.ticks if code}
    pairs.update((TYPE_TRADE, f"{code}_NX") for code in subscriptions.nxt_ticks if code)
    if subscriptions.vi:
        pairs.add((TYPE_VI, ALL_ITEMS))
    if subscriptions.fills:
        pairs.add((TYPE_FILL, ALL_ITEMS))
    return pairs


def _text_frame(message: dict[str, Any]) -> str:
    """Requests go out as text frames: the server ignores binary ones."""
    return orjson.dumps(message).decode()


def login(token: str) -> str:
    """The first frame on every connection."""
    return _text_frame({"trnm": "LOGIN", "token": token})


def register(types: Iterable[str], items: Iterable[str], group: str = "1") -> str:
    """REG with ``refresh`` "1": add to the group, keep what it already has."""
    return _text_frame(
        {
            "trnm": "REG",
            "grp_no": group,
            "refresh": "1",
            "data": [{"item": list(items), "type": list(types)}],
        }
    )


def remove(types: Iterable[str], items: Iterable[str], group: str = "1") -> str:
    return _text_frame(
        {"trnm": "REMOVE", "grp_no": group, "data": [{"item": list(items), "type": list(types)}]}
    )


def condition_list() -> str:
    """CNSRLST: the server wants it on the connection before any realtime CNSRREQ [doc]."""
    return _text_frame({"trnm": "CNSRLST"})


def condition_start(seq: str) -> str:
    """CNSRREQ ``search_type`` 1: current matches now, then ``02`` REAL entries and exits."""
    return _text_frame({"trnm": "CNSRREQ", "seq": seq, "search_type": "1", "stex_tp": "K"})


def condition_stop(seq: str) -> str:
    return _text_frame({"trnm": "CNSRCLR", "seq": seq})


# ---------------------------------------------------------------------------- messages


def error_codes(text: str) -> set[int]:
    """Every 4-digit error code the vendor's messages carry, e.g. ``[CODE=8005, …]``."""
    return {int(run) for run in ascii_digit_runs(text) if len(run) == 4}


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    code: int
    message: str

    @property
    def auth_error(self) -> int | None:
        """The 8xxx code when the token itself was refused (``[CODE=8005, …]`` in the text)."""
        found = ({self.code} | error_codes(self.message)) & AUTH_ERROR_CODES
        return min(found) if found else None


@dataclass(frozen=True, slots=True)
class Ping:
    """The server's heartbeat: answer it with ``raw``, unchanged, as a text frame."""

    raw: str


@dataclass(frozen=True, slots=True)
class SystemNotice:
    """``{"trnm":"SYSTEM","code":"R10001",…}``: never echoed; R10001 means kicked by a twin."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class Ack:
    """The answer to REG, REMOVE, CNSRCLR (and any other request with a return code)."""

    trnm: str
    ok: bool
    code: int
    message: str
    body: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ConditionList:
    """CNSRLST's answer: ``(seq, name)`` pairs as the trader saved them in 영웅문."""

    ok: bool
    code: int
    message: str
    conditions: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ConditionAnswer:
    """CNSRREQ's answer: the stocks matching ``seq`` right now (codes without the ``A``)."""

    ok: bool
    code: int
    message: str
    seq: str
    codes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RealData:
    """A REAL frame's entries turned into events; ``skipped`` counts entries not understood."""

    events: list[Event]
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class Unparsed:
    reason: str


Message = (
    LoginResult | Ping | SystemNotice | Ack | ConditionList | ConditionAnswer | RealData | Unparsed
)


def parse(
    frame: str | bytes, received: datetime, conditions: Mapping[str, str] | None = None
) -> Message:
    """Read one frame from the server. Never raises.

    ``conditions`` maps condition seqs to names (from CNSRLST) so ``02`` entries carry the
    name the trader knows.
    """
    try:
        body = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return Unparsed(t("unparsed.not_json"))
    if not isinstance(body, dict):
        return Unparsed(t("unparsed.not_object"))
    trnm = body.get("trnm")
    if not isinstance(trnm, str):
        return Unparsed(t("unparsed.no_trnm"))
    if trnm == "REAL":
        return _parse_real(body, received, conditions or {})
    if trnm == "PING":
        return Ping(frame if isinstance(frame, str) else frame.decode("utf-8", "replace"))
    if trnm == "SYSTEM":
        return SystemNotice(to_text(body.get("code")), to_text(body.get("message")))
    code = to_int(body.get("return_code"), -1)
    message = to_text(body.get("return_msg"))
    if trnm == "LOGIN":
        return LoginResult(code == 0, code, message)
    if trnm in CONDITION_LIST_NAMES:
        return ConditionList(code == 0, code, message, _condition_pairs(body.get("data")))
    if trnm == "CNSRREQ":
        seq = to_text(body.get("seq"))
        return ConditionAnswer(code == 0, code, message, seq, _matching_codes(body.get("data")))
    if "return_code" in body:
        return Ack(trnm[:20], code == 0, code, message, body)
    return Unparsed(t("unparsed.unknown_trnm", trnm=repr(trnm[:20])))


def snapshot(answer: ConditionAnswer, seq: str, name: str, received: datetime) -> ConditionHit:
    """CNSRREQ's answer as one event: what matches when the condition starts, not entries."""
    return ConditionHit(
        source=SOURCE,
        time=received,
        seq=seq,
        condition=name,
        action="snapshot",
        matches=answer.codes,
    )


def _condition_pairs(data: object) -> tuple[tuple[str, str], ...]:
    """``[["0","조건1"], …]`` [doc], tolerating ``{"seq","name"}`` objects (the field table)."""
    pairs: list[tuple[str, str]] = []
    for entry in data if isinstance(data, list) else ():
        if isinstance(entry, list) and len(entry) >= 2:
            seq, name = to_text(entry[0]), to_text(entry[1])
        elif isinstance(entry, dict):
            seq, name = to_text(entry.get("seq")), to_text(entry.get("name"))
        else:
            continue
        if seq:
            pairs.append((seq, name))
    return tuple(pairs)


def _matching_codes(data: object) -> tuple[str, ...]:
    """``[{"jmcode":"A005930"}, …]`` (realtime) or ``[{"9001":"A005930",…}]`` (one-shot)."""
    codes: dict[str, None] = {}
    for entry in data if isinstance(data, list) else ():
        if isinstance(entry, dict):
            code = strip_code(entry.get("jmcode") or entry.get("9001"))
            if code:
                codes[code] = None
    return tuple(codes)


def _parse_real(
    body: dict[str, Any], received: datetime, conditions: Mapping[str, str]
) -> RealData:
    entries = body.get("data")
    if not isinstance(entries, list):
        return RealData([], 1)
    events: list[Event] = []
    skipped = 0
    for entry in entries:
        if not isinstance(entry, dict):
            skipped += 1
            continue
        type_ = entry.get("type")
        parser = REAL_PARSERS.get(type_) if isinstance(type_, str) else None
        values = entry.get("values")
        if parser is None or not isinstance(values, dict):
            skipped += 1
            continue
        event = parser(to_text(entry.get("item")), values, received)
        if event is None:
            skipped += 1
            continue
        if isinstance(event, ConditionHit):
            event = replace(event, condition=conditions.get(event.seq, ""))
        events.append(event)
    return RealData(events, skipped)


VENUES = {"NX": "NXT", "AL": "SOR"}


def split_item(item: str) -> tuple[str, str]:
    """``"005930_NX"`` → ``("005930", "NXT")``; ``"005930_AL"`` → SOR; plain codes are KRX."""
    code, _, suffix = item.partition("_")
    return strip_code(code), VENUES.get(suffix, "KRX")


def _symbol_venue(item: str, values: dict[str, Any]) -> tuple[str, str]:
    """The stock from ``9001`` (or the item), the venue from the item's suffix."""
    code = to_text(values.get("9001"))
    if not code or not item or code == item:  # one string says both (``0B`` has no 9001)
        return split_item(code or item)
    return split_item(code)[0], split_item(item)[1]


VI_KINDS = {"정적": "static", "동적": "dynamic", "동적+정적": "static+dynamic"}


VI_STATES = {"1": "triggered", "2": "released"}
"""``9068`` VI발동구분 [field]; any other value is not read as a VI at all (unparsed)."""


def parse_vi(item: str, values: dict[str, Any], received: datetime) -> Vi | None:
    """``1h`` VI발동/해제. 9068 1 = triggered, 2 = released; 9069 1 = up, 2 = down [field]."""
    symbol, venue = _symbol_venue(item, values)
    state = VI_STATES.get(to_text(values.get("9068")))
    if not symbol or state is None:
        return None
    kind_text = to_text(values.get("1225")).replace(" ", "")
    return Vi(
        source=SOURCE,
        time=kst_time(values.get("1223"), received),
        symbol=symbol,
        name=to_text(values.get("302")),
        state=state,  # type: ignore[arg-type]
        vi_kind=VI_KINDS.get(kind_text, "static+dynamic" if "+" in kind_text else "static"),  # type: ignore[arg-type]
        direction={"1": "up", "2": "down"}.get(to_text(values.get("9069")), ""),  # type: ignore[arg-type]
        vi_price=to_price(values.get("1221")),
        rate=to_float(values.get("1489")),
        count=to_int(values.get("1490")),
        venue=venue,
    )


TRADE_SIDES = {"+": "buy", "-": "sell"}


def parse_trade(item: str, values: dict[str, Any], received: datetime) -> Tick | None:
    """``0B`` 주식체결. ``10`` is a colour-signed price; ``15``'s sign says which side hit;
    ``25`` 전일대비기호 says whether the trade is at the upper (1) or lower (4) limit."""
    symbol, venue = _symbol_venue(item, values)
    price = to_price(values.get("10"))
    if not symbol or price == 0:
        return None
    volume_text = to_text(values.get("15"))
    return Tick(
        source=SOURCE,
        time=kst_time(values.get("20"), received),
        symbol=symbol,
        price=price,
        change=to_int(values.get("11")),
        rate=to_float(values.get("12")),
        volume=abs(to_int(volume_text)),
        side=TRADE_SIDES.get(volume_text[:1], ""),  # type: ignore[arg-type]
        cum_volume=abs(to_int(values.get("13"))),
        venue=venue,
        sign=to_text(values.get("25")),  # 전일대비기호: 1 상한, 4 하한 (limit rules)
    )


def _fill_side(values: dict[str, Any]) -> str:
    """``907`` 1 = sell, 2 = buy [doc]; ``905`` (``+매수``, ``-매도``) when 907 is missing."""
    side = {"1": "sell", "2": "buy"}.get(to_text(values.get("907")), "")
    if side:
        return side
    order_kind = to_text(values.get("905"))
    return "buy" if "매수" in order_kind else "sell" if "매도" in order_kind else ""


def parse_fill(item: str, values: dict[str, Any], received: datetime) -> Fill | None:
    """``00`` 주문체결: every step of the trader's own orders (접수, 체결, 확인, 취소, 거부).

    A fill's own quantity and price are ``915`` 단위체결량 and ``914`` 단위체결가 (seed 001);
    ``911``/``910`` are the order's running total and last price [field], used only when the
    unit fields are absent. The running total stays readable as ``order_qty - unfilled``.
    """
    symbol = _symbol_venue(item, values)[0]
    order_no = to_text(values.get("9203"))
    if not order_no:
        return None
    reason = to_text(values.get("919"))
    return Fill(
        source=SOURCE,
        time=kst_time(values.get("908"), received),
        symbol=symbol,
        name=to_text(values.get("302")),
        order_no=order_no,
        fill_no=to_text(values.get("909")),
        side=_fill_side(values),  # type: ignore[arg-type]
        status=to_text(values.get("913")),
        qty=abs(to_int(_first(values, "915", "911"))),
        price=to_price(_first(values, "914", "910")),
        unfilled=abs(to_int(values.get("902"))),
        order_qty=abs(to_int(values.get("900"))),
        account=mask_account(values.get("9201")),
        reason="" if reason.strip("0") == "" else reason,
    )


def _first(values: dict[str, Any], *keys: str) -> object:
    """The first of ``keys`` with a non-blank value: unit fields win over running totals."""
    for key in keys:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None


CONDITION_ACTIONS = {"I": "enter", "D": "exit"}


def parse_condition(item: str, values: dict[str, Any], received: datetime) -> ConditionHit | None:
    """``02`` 조건검색: ``841`` seq, ``9001`` code, ``843`` I entered / D left, ``20`` time."""
    symbol = _symbol_venue(item, values)[0]
    seq = to_text(values.get("841"))
    action = CONDITION_ACTIONS.get(to_text(values.get("843")).upper())
    if not symbol or not seq or action is None:
        return None
    return ConditionHit(
        source=SOURCE,
        time=kst_time(values.get("20"), received),
        symbol=symbol,
        seq=seq,
        action=action,  # type: ignore[arg-type]
    )


REAL_PARSERS: dict[str, Callable[[str, dict[str, Any], datetime], Event | None]] = {
    TYPE_VI: parse_vi,
    TYPE_TRADE: parse_trade,
    TYPE_FILL: parse_fill,
    TYPE_CONDITION: parse_condition,
}
"""REAL ``type`` → parser of one entry's ``values``."""
