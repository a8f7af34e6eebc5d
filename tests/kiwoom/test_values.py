"""The broker value readers: their short paths give what the full reading gives."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from alertbot.events import KST
from alertbot.feeds.values import MAX_NUMBER, kst_time, strip_code, to_float, to_int

RECEIVED = datetime(2025, 3, 4, 10, 0, 5, tzinfo=KST)
NUMERIC = st.text(alphabet="0123456789+-.,_ eE\t\u00a0²٣", max_size=12)


NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
"""The documented number: ASCII digits, a sign, a decimal point (commas dropped first)."""


def _number(value: str) -> Decimal | None:
    text = value.strip().replace(",", "")
    if NUMBER.fullmatch(text) is None:
        return None
    number = Decimal(text)
    return number if abs(number) < MAX_NUMBER else None


def full_int(value: str) -> int:
    """The full reading: a documented number, truncated, within bounds; anything else 0."""
    number = _number(value)
    return 0 if number is None else int(number)


def full_float(value: str) -> float:
    number = _number(value)
    return 0.0 if number is None else float(number)


@given(NUMERIC | st.text(max_size=8))
def test_to_int_reads_every_text_as_the_full_reading_does(value: str) -> None:
    assert to_int(value) == full_int(value)


@given(NUMERIC | st.text(max_size=8))
def test_to_float_reads_every_text_as_the_full_reading_does(value: str) -> None:
    assert to_float(value) == full_float(value)


def test_commas_spaces_and_signs() -> None:
    assert to_int(" -00000100 ") == -100
    assert to_int("1,234,500") == 1234500
    assert to_int("+82") == 82
    assert to_float("+10.00") == 10.0
    assert to_float(" 1,234.5 ") == 1234.5
    assert to_float("nan") == 0.0 and to_float("-inf") == 0.0


@given(st.text(max_size=10))
def test_broker_time_never_raises_and_is_on_the_received_day(hhmmss: str) -> None:
    at = kst_time(hhmmss, RECEIVED)
    assert at.date() == RECEIVED.date() and at.tzinfo is KST


def test_broker_time_of_day() -> None:
    assert kst_time("090130", RECEIVED) == datetime(2025, 3, 4, 9, 1, 30, tzinfo=KST)
    assert kst_time(" 0901305 ", RECEIVED) == datetime(2025, 3, 4, 9, 1, 30, tzinfo=KST)
    assert kst_time("²90130", RECEIVED) == RECEIVED  # isdigit() but not a decimal digit
    assert kst_time("250000", RECEIVED) == RECEIVED
    assert kst_time("090130", RECEIVED, "20250305").day == 5
    utc = RECEIVED.astimezone(datetime.now().astimezone().tzinfo)
    assert kst_time("", utc) == RECEIVED and kst_time("", utc).tzinfo is KST


def test_codes() -> None:
    assert strip_code("005930") == "005930"
    assert strip_code(" A005930 ") == "005930"
    assert strip_code("000000011810") == "011810"
    assert strip_code("12345") == "12345"
