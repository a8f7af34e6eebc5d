"""``active: krx``: KRX's own calendar (holidays, the 수능 late session, the year's first
day, the year-end closure), computed once outside the bot's process and cached on disk."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from alertbot.engine import calendar
from alertbot.engine.active import parse_active
from alertbot.engine.calendar import krx_calendar
from alertbot.engine.rules import load_rules
from alertbot.engine.yamlsource import RulesError
from alertbot.events import KST
from alertbot.feeds.build import build_feeds
from alertbot.feeds.dart import calendar as dart_calendar
from alertbot.feeds.dart.client import DartFeed
from alertbot.settings import Settings
from tests.engine.support import write_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module", autouse=True)
def cache_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never write to the real ~/.cache; the calendar is computed once for all."""
    home = tmp_path_factory.mktemp("cache")
    saved = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(home)
    krx_calendar.cache_clear()
    yield home
    krx_calendar.cache_clear()
    if saved is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = saved


def at(day: str, hhmm: str) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=KST)


SESSION = [
    # (day, time, inside "krx")
    ("2025-03-04", "08:59", False),
    ("2025-03-04", "09:00", True),
    ("2025-03-04", "15:29", True),
    ("2025-03-04", "15:30", False),
    ("2025-03-08", "10:00", False),  # Saturday
    ("2025-11-13", "09:30", False),  # 수능: an hour late
    ("2025-11-13", "10:00", True),
    ("2025-11-13", "16:29", True),
    ("2025-11-13", "16:30", False),
    ("2024-11-14", "16:00", True),
    ("2025-01-02", "09:30", False),  # the year's first trading day opens at 10:00
    ("2025-01-02", "10:00", True),
    ("2024-12-31", "10:00", False),  # year-end closure
    ("2025-10-06", "10:00", False),  # 추석
    ("2025-05-05", "10:00", False),  # 어린이날
    ("2025-06-03", "10:00", False),  # the presidential election
    ("2025-10-10", "10:00", True),
]


@pytest.mark.parametrize(("day", "time", "inside"), SESSION)
def test_the_krx_session(day: str, time: str, inside: bool) -> None:
    assert parse_active("krx").contains(at(day, time)) is inside


TRADING_DAYS = [
    # (active, day, time, inside)
    ("08:00-20:00 krx", "2025-10-06", "10:00", False),  # NXT hours, but a KRX holiday
    ("08:00-20:00 krx", "2025-10-10", "19:59", True),
    ("08:00-20:00 krx", "2025-11-13", "08:30", True),  # hours stay as written
    ("18:00-02:00 krx", "2025-10-03", "01:00", True),  # Thursday night before 개천절
    ("18:00-02:00 krx", "2025-10-04", "01:00", False),  # 개천절 night started no window
    ("09:00-15:30", "2025-10-06", "10:00", True),  # weekday windows: as written
    (["krx", "16:00-18:00 weekdays"], "2025-10-06", "17:00", True),
]


@pytest.mark.parametrize(("active", "day", "time", "inside"), TRADING_DAYS)
def test_hours_on_trading_days(active: str | list[str], day: str, time: str, inside: bool) -> None:
    assert parse_active(active).contains(at(day, time)) is inside


def test_days_past_the_table_are_weekdays_at_regular_hours() -> None:
    table = krx_calendar()
    far = date.fromordinal(table.last + 10)
    while far.weekday() != 2:
        far = date.fromordinal(far.toordinal() + 1)
    assert table.session(far.toordinal()) == calendar.REGULAR
    assert table.session(far.toordinal() + 3) is None  # that Saturday


def test_the_table_is_cached_on_disk_and_read_back(
    cache_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = krx_calendar()
    [cached] = (cache_home / "alertbot").glob("xkrx-*.json")
    assert json.loads(cached.read_text(encoding="utf-8"))["sessions"]
    krx_calendar.cache_clear()

    def no_compute() -> None:
        raise AssertionError("computed again instead of reading the cache")

    monkeypatch.setattr(calendar, "_compute", no_compute)
    assert krx_calendar() == first


def test_pandas_never_enters_the_bot_s_process(cache_home: Path, tmp_path: Path) -> None:
    """The calendar runs in a child process: the bot's memory holds only the table."""
    code = (
        "import sys; from alertbot.engine.active import parse_active;"
        "parse_active('krx'); print('pandas' in sys.modules, 'exchange_calendars' in sys.modules)"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}  # empty: computed here
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.split() == ["False", "False"], result.stderr
    assert list((tmp_path / "alertbot").glob("xkrx-*.json"))


def test_a_rule_with_krx_hours_checks_and_fires_by_the_calendar(tmp_path: Path) -> None:
    from alertbot.engine.engine import Engine
    from alertbot.events import Vi
    from tests.engine.support import ruleset

    eng = Engine(ruleset(tmp_path, "- {name: v, event: vi, active: krx, cooldown: 0}"))

    def vi(when: datetime) -> Vi:
        return Vi(source="sim", time=when, symbol="005930")

    assert not eng.evaluate(vi(at("2025-11-13", "09:30")))
    assert eng.evaluate(vi(at("2025-11-13", "16:00")))


def test_dart_paces_on_krx_trading_days(tmp_path: Path) -> None:
    """A bot with a DART key gets the exchange calendar for pacing: 추석 is not a busy day."""
    env = {"DART_API_KEY": "k" * 40, "ALERTBOT_STATE": str(tmp_path / "state.db")}
    (feed,) = build_feeds(Settings.from_env(env), on_event=print, on_notice=print)
    assert isinstance(feed, DartFeed)
    assert feed.business_day(date(2025, 3, 4)) is True
    assert feed.business_day(date(2025, 10, 6)) is False  # 추석, a Monday


def test_dart_paces_on_weekdays_without_the_calendar(monkeypatch: pytest.MonkeyPatch) -> None:
    def unavailable() -> None:
        raise OSError("no exchange_calendars")

    monkeypatch.setattr(dart_calendar, "krx_calendar", unavailable)
    business_day = dart_calendar.trading_days()
    assert business_day(date(2025, 10, 6)) is True and business_day(date(2025, 3, 8)) is False


def test_a_calendar_that_fails_is_the_rule_s_problem_in_the_trader_s_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``krx`` rule whose calendar cannot be computed: located, said in the catalog's
    words, with the library's last line as the detail."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))
    monkeypatch.setattr(calendar, "_SCRIPT", "raise SystemExit('no tzdata')")
    krx_calendar.cache_clear()
    try:
        path = write_rules(tmp_path, "- {name: a, event: vi, active: krx}")
        with pytest.raises(RulesError) as caught:
            load_rules(tmp_path, env={})
    finally:
        krx_calendar.cache_clear()
    assert [str(p) for p in caught.value.problems] == [
        f"{path}:9: 규칙 'a': active:"
        " KRX 거래일 달력(exchange_calendars)을 계산하지 못했습니다: no tzdata"
    ]
