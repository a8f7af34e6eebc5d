"""``active:`` hours: the syntax, and which KST moments are inside."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from alertbot.engine.active import parse_active
from alertbot.events import KST


def at(day: str, hhmm: str) -> datetime:
    """``at("mon", "09:00")`` in the week of 2025-03-03 (a Monday), KST."""
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2025, 3, 3 + days.index(day), hour, minute, tzinfo=KST)


CASES = [
    # (active, day, time, inside)
    ("09:00-15:30", "mon", "09:00", True),
    ("09:00-15:30", "mon", "08:59", False),
    ("09:00-15:30", "fri", "15:29", True),
    ("09:00-15:30", "fri", "15:30", False),  # the end is exclusive
    ("09:00-15:30", "sat", "10:00", False),  # weekdays by default
    ("09:00-15:30 daily", "sun", "10:00", True),
    ("09:00-15:30 weekends", "sat", "10:00", True),
    ("09:00-15:30 weekends", "wed", "10:00", False),
    ("08:00-20:00 mon-sat", "sat", "19:59", True),
    ("08:00-20:00 mon-sat", "sun", "12:00", False),
    ("10:00-11:00 mon,wed,fri", "wed", "10:30", True),
    ("10:00-11:00 mon,wed,fri", "tue", "10:30", False),
    ("10:00-11:00 fri-mon", "sun", "10:30", True),  # a wrapping day range
    ("10:00-11:00 fri-mon", "tue", "10:30", False),
    ("10:00-11:00 MON", "mon", "10:30", True),
    ("00:00-24:00", "tue", "23:59", True),
    ("00:00-24:00", "tue", "00:00", True),
    ("18:00-05:00", "mon", "18:00", True),  # past midnight: belongs to its start day
    ("18:00-05:00", "tue", "04:59", True),
    ("18:00-05:00", "tue", "05:00", False),
    ("18:00-05:00", "mon", "04:00", False),  # Sunday night did not start a window
    ("18:00-05:00", "sat", "04:00", True),  # Friday night's window
    ("18:00-05:00", "sat", "18:00", False),
    (["08:30-09:00", "15:20-15:30"], "thu", "08:45", True),
    (["08:30-09:00", "15:20-15:30"], "thu", "15:25", True),
    (["08:30-09:00", "15:20-15:30"], "thu", "12:00", False),
]


@pytest.mark.parametrize(("active", "day", "time", "inside"), CASES)
def test_inside(active: str | list[str], day: str, time: str, inside: bool) -> None:
    assert parse_active(active).contains(at(day, time)) is inside


def test_times_are_read_in_kst() -> None:
    """09:30 KST is 00:30 UTC: an event stamped in UTC is still inside 09:00-15:30."""
    utc = at("mon", "09:30").astimezone(UTC)
    assert utc.hour == 0
    assert parse_active("09:00-15:30").contains(utc)
    assert not parse_active("09:00-15:30").contains(utc + timedelta(hours=7))


BAD = [
    ("9-15", "쓰세요 (입력: '9-15')"),
    ("09:00", "쓰세요 (입력: '09:00')"),
    ("09:00-15:60", "'09:00-15:60': 15:60은(는) 올바른 시각이 아닙니다"),
    ("25:00-26:00", "25:00은(는) 올바른 시각이 아닙니다"),
    ("24:00-05:00", "24:00에 시작할 수 없습니다"),
    ("09:00-09:00", "시작과 끝이 같습니다"),
    ("09:00-10:00 someday", "알 수 없는 요일 'someday'"),
    ("09:00-10:00 mon-xyz", "알 수 없는 요일 'xyz'"),
    (930, "쓰세요 (입력: 930)"),
    ([], "쓰세요 (입력: [])"),
    (["09:00-10:00", 5], "쓰세요 (입력: ['09:00-10:00', 5])"),
]


@pytest.mark.parametrize(("active", "fragment"), BAD)
def test_bad_syntax(active: object, fragment: str) -> None:
    with pytest.raises(ValueError, match=re.escape(fragment)):
        parse_active(active)


def test_text_is_kept_for_messages_and_fingerprints() -> None:
    assert parse_active(["08:30-09:00", " 15:20-15:30 "]).text == "08:30-09:00, 15:20-15:30"
