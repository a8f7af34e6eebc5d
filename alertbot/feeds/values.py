"""Reading the brokers' string values: signed prices, padded numbers, HHMMSS times.

Both brokers send every number as a string, often zero-padded, sometimes empty, and Kiwoom
prefixes prices with ``+``/``-`` as a colour flag (up/down against the reference price), not as
arithmetic. These helpers never raise: a value that cannot be read becomes the default. Numbers
are ASCII digits only (``int("١٢")`` would read Arabic-Indic digits, ``"²".isdigit()`` is true)
and bounded (``MAX_NUMBER``): a frame cannot make a price of 10**4000 that later overflows a
float, nor make the parser spend seconds converting one.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, datetime, time
from functools import lru_cache

from alertbot.events import KST

MAX_NUMBER = 10**15
"""Larger than any price, quantity or volume a Korean stock feed carries; beyond is garbage."""
MAX_NUMBER_CHARS = 40
"""Longer text is not a number (and is not worth converting to find out)."""
_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+")


def _bounded(number: int, default: int) -> int:
    return number if -MAX_NUMBER < number < MAX_NUMBER else default


def to_int(value: object, default: int = 0) -> int:
    """``"-00000100"`` → -100, ``""`` → default; keeps the sign."""
    if type(value) is str:
        # Most values are plain ASCII digits, which int() reads as they are (it strips
        # whitespace itself); only the rest pays for stripping commas and decimals.
        if value.isascii() and len(value) <= MAX_NUMBER_CHARS and "_" not in value:
            try:
                return _bounded(int(value), default)
            except ValueError:
                pass
    elif isinstance(value, bool):
        return default
    elif isinstance(value, int):
        return _bounded(value, default)
    if not isinstance(value, str):
        return default
    text = value.strip().replace(",", "")
    if len(text) > MAX_NUMBER_CHARS or _NUMBER.fullmatch(text) is None:
        return default
    return _bounded(int(float(text)) if "." in text else int(text), default)


def to_price(value: object, default: int = 0) -> int:
    """A price whose sign is only a colour flag: ``"-20800"`` → 20800."""
    return abs(to_int(value, default))


def to_float(value: object, default: float = 0.0) -> float:
    """``"+10.00"`` → 10.0, ``"-00000130"`` stays a plain number; ``""`` → default."""
    if isinstance(value, bool):
        return default
    if isinstance(value, int):
        return float(value) if -MAX_NUMBER < value < MAX_NUMBER else default
    if isinstance(value, float):
        result = value
    elif not isinstance(value, str) or len(value) > MAX_NUMBER_CHARS:
        return default
    else:
        text = value.strip()
        if _NUMBER.fullmatch(text) is None:
            text = text.replace(",", "")
            if _NUMBER.fullmatch(text) is None:
                return default
        result = float(text)
    return result if -MAX_NUMBER < result < MAX_NUMBER else default


def to_text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def is_digits(text: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also says yes to ``"²"`` and ``"١"``."""
    return text.isascii() and text.isdigit()


def ascii_digit_runs(text: str) -> list[str]:
    """Every run of ASCII digits in ``text``, in order (linear, whatever the text)."""
    return re.findall(r"[0-9]+", text)


def strip_code(code: object) -> str:
    """``"A005930"`` → ``"005930"``; ``"000000011810"`` → ``"011810"``; spaces dropped."""
    text = to_text(code)
    if len(text) == 6 and is_digits(text):  # the usual case: already a plain code
        return text
    if text[:1] in ("A", "J", "Q") and is_digits(text[1:]):
        text = text[1:]
    if len(text) > 6 and is_digits(text):
        text = text[-6:]
    return text


def mask_account(account: object) -> str:
    """``"2001-1132702"`` → ``"****2702"``: an account number never leaves a feed whole.

    Both brokers go through here: only the last four ASCII digits are kept, whatever else
    (dashes, spaces, letters) the field carries.
    """
    digits = "".join(ascii_digit_runs(to_text(account)))
    return f"****{digits[-4:]}" if digits else ""


def kst_time(hhmmss: object, received: datetime, date: object = None) -> datetime:
    """Combine a broker ``HHMMSS`` (and optional ``YYYYMMDD``) with the receive time.

    Brokers send the time of day only; the day is the one the frame was received on (KST).
    A missing or malformed time falls back to the receive time itself.
    """
    if received.tzinfo is not KST:
        received = received.astimezone(KST)
    day = received.date()
    date_text = to_text(date)
    if len(date_text) == 8 and is_digits(date_text):
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
    if len(text) == 6 and is_digits(text):
        hour, minute, second = int(text[0:2]), int(text[2:4]), int(text[4:6])
        if hour < 24 and minute < 60 and second < 60:
            return datetime.combine(day, time(hour, minute, second), KST)
    return None
