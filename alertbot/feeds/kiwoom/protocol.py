"""Kiwoom REST API WebSocket protocol, sans-I/O: build requests, parse frames.

Protocol truth: ../shared/seeds/001_… (REG/REMOVE, REAL types), 004_… (condition search) and
../shared/reference/kiwoom/*.md; field behaviour in reference/PROTOCOL_NOTES.md. Nothing here
touches a socket or a clock: ``parse`` takes the receive time so tests are exact.

Every frame is a JSON object with ``trnm``: LOGIN, PING, SYSTEM, REG, REMOVE, REAL,
CNSRLST, CNSRREQ, CNSRCLR. ``parse`` never raises on server input: anything it cannot read
becomes ``Unparsed`` with a short reason, so the feed counts it and goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson

from alertbot.events import Event, Vi
from alertbot.feeds.values import kst_time, strip_code, to_float, to_int, to_price, to_text

SOURCE = "kiwoom"

TYPE_VI = "1h"
ALL_ITEMS = ""
"""The item that registers a type for every stock (VI) or for the token's account (00, 04)."""

AUTH_ERROR_CODES = frozenset({8005, 8031, 8103})
"""LOGIN refusals that a fresh token can fix (token invalid, real/mock mismatch, auth failed)."""


# ---------------------------------------------------------------------------- requests


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


# ---------------------------------------------------------------------------- messages


@dataclass(frozen=True, slots=True)
class LoginResult:
    ok: bool
    code: int
    message: str

    @property
    def auth_error(self) -> int | None:
        """The 8xxx code when the token itself was refused (``[CODE=8005, …]`` in the text)."""
        if self.code in AUTH_ERROR_CODES:
            return self.code
        for code in AUTH_ERROR_CODES:
            if str(code) in self.message:
                return code
        return None


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
class RealData:
    """A REAL frame's entries turned into events; ``skipped`` counts entries not understood."""

    events: list[Event]
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class Unparsed:
    reason: str


Message = LoginResult | Ping | SystemNotice | Ack | RealData | Unparsed


def parse(frame: str | bytes, received: datetime) -> Message:
    """Read one frame from the server. Never raises."""
    try:
        body = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return Unparsed("not JSON")
    if not isinstance(body, dict):
        return Unparsed("not a JSON object")
    trnm = body.get("trnm")
    if trnm == "REAL":
        return _parse_real(body, received)
    if trnm == "PING":
        return Ping(frame if isinstance(frame, str) else frame.decode("utf-8", "replace"))
    if trnm == "SYSTEM":
        return SystemNotice(to_text(body.get("code")), to_text(body.get("message")))
    if trnm == "LOGIN":
        code = to_int(body.get("return_code"), -1)
        return LoginResult(code == 0, code, to_text(body.get("return_msg")))
    if isinstance(trnm, str) and "return_code" in body:
        code = to_int(body.get("return_code"), -1)
        return Ack(trnm, code == 0, code, to_text(body.get("return_msg")), body)
    return Unparsed(f"unknown trnm {str(trnm)[:20]!r}")


def _parse_real(body: dict[str, Any], received: datetime) -> RealData:
    entries = body.get("data")
    if not isinstance(entries, list):
        return RealData([], 1)
    events: list[Event] = []
    skipped = 0
    for entry in entries:
        if not isinstance(entry, dict):
            skipped += 1
            continue
        parser = REAL_PARSERS.get(entry.get("type"))  # type: ignore[arg-type]
        values = entry.get("values")
        if parser is None or not isinstance(values, dict):
            skipped += 1
            continue
        event = parser(to_text(entry.get("item")), values, received)
        if event is None:
            skipped += 1
        else:
            events.append(event)
    return RealData(events, skipped)


def split_item(item: str) -> tuple[str, str]:
    """``"005930_NX"`` → ``("005930", "NXT")``; ``"005930_AL"`` → SOR; plain codes are KRX."""
    code, _, suffix = item.partition("_")
    return strip_code(code), {"NX": "NXT", "AL": "SOR"}.get(suffix, "KRX")


VI_KINDS = {"정적": "static", "동적": "dynamic", "동적+정적": "static+dynamic"}


def parse_vi(item: str, values: dict[str, Any], received: datetime) -> Vi | None:
    """``1h`` VI발동/해제. 9068 1 = triggered, 2 = released; 9069 1 = up, 2 = down [field]."""
    code = to_text(values.get("9001"))
    symbol = split_item(code or item)[0]
    venue = split_item(item or code)[1]
    if not symbol:
        return None
    state_code = to_text(values.get("9068"))
    kind_text = to_text(values.get("1225")).replace(" ", "")
    return Vi(
        source=SOURCE,
        time=kst_time(values.get("1223"), received),
        symbol=symbol,
        name=to_text(values.get("302")),
        state="released" if state_code == "2" else "triggered",
        vi_kind=VI_KINDS.get(kind_text, "static+dynamic" if "+" in kind_text else "static"),  # type: ignore[arg-type]
        direction={"1": "up", "2": "down"}.get(to_text(values.get("9069")), ""),  # type: ignore[arg-type]
        vi_price=to_price(values.get("1221")),
        rate=to_float(values.get("1489")),
        count=to_int(values.get("1490")),
        venue=venue,
    )


REAL_PARSERS: dict[str, Callable[[str, dict[str, Any], datetime], Event | None]] = {
    TYPE_VI: parse_vi,
}
"""REAL ``type`` → parser of one entry's ``values``."""
