"""Reading the brokers' string values: signed prices, padded numbers, HHMMSS times.

Both brokers send every number as a string, often zero-padded, sometimes empty, and Kiwoom
prefixes prices with ``+``/``-`` as a colour flag (up/down against the reference price), not as
arithmetic. These helpers never raise: a value that cannot be read becomes the default.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time
from functools import lru_cache

from alertbot.events import KST


def to_int(value: object, default: int = 0) -> int:
    """``"-00000100"`` → -100, ``""`` → default; keeps the sign."""
    if type(value) is str:
        # Most values are plain digits, which int() reads as they are (it strips
        # whitespace itself); only the rest pays for stripping commas and decimals.
        try:
            return int(value)
        except ValueError:
            pass
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return value
    if not isinstance(value, str):
        return default
    text = value.strip().replace(",", "")
    try:
        return int(text)
    except ValueError:
        try:
            return int(float(text))
        except (ValueError, OverflowError):
            return default


def to_price(value: object, default: int = 0) -> int:
    """A price whose sign is only a colour flag: ``"-20800"`` → 20800."""
    return abs(to_int(value, default))


INFINITY = float("inf")


def to_float(value: object, default: float = 0.0) -> float:
    """``"+10.00"`` → 10.0, ``"-00000130"`` stays a plain number; ``""`` → default."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return float(value)
    if not isinstance(value, str):
        return default
    try:
        result = float(value)  # strips whitespace itself; commas need the slow path
    except ValueError:
        try:
            result = float(value.strip().replace(",", ""))
        except ValueError:
            return default
    return result if result == result and abs(result) != INFINITY else default


def to_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def strip_code(code: object) -> str:
    """``"A005930"`` → ``"005930"``; ``"000000011810"`` → ``"011810"``; spaces dropped."""
    text = to_text(code)
    if len(text) == 6 and text.isdigit():  # the usual case: already a plain code
        return text
    if text[:1] in ("A", "J", "Q") and text[1:].isdigit():
        text = text[1:]
    if len(text) > 6 and text.isdigit():
        text = text[-6:]
    return text


def kst_time(hhmmss: object, received: datetime, date: object = None) -> datetime:
    """Combine a broker ``HHMMSS`` (and optional ``YYYYMMDD``) with the receive time.

    Brokers send the time of day only; the day is the one the frame was received on (KST).
    A missing or malformed time falls back to the receive time itself.
    """
    if received.tzinfo is not KST:
        received = received.astimezone(KST)
    day = received.date()
    date_text = to_text(date)
    if len(date_text) == 8 and date_text.isdigit():
        with contextlib.suppress(ValueError):
            day = datetime.strptime(date_text, "%Y%m%d").date()
    at = _at(day, to_text(hhmmss)[:6])
    return received if at is None else at


@lru_cache(maxsize=4096)
def _at(day: date, text: str) -> datetime | None:
    """``HHMMSS`` on ``day`` in KST, or None when it is not a time of day.

    Cached: every frame of one second carries the same time, and a busy second has
    thousands of frames, each of which would otherwise build the same datetime again.
    """
    if len(text) == 6 and text.isdecimal():
        hour, minute, second = int(text[0:2]), int(text[2:4]), int(text[4:6])
        if hour < 24 and minute < 60 and second < 60:
            return datetime.combine(day, time(hour, minute, second), KST)
    return None
