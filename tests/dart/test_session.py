"""The pure session: paging, the no-flood first pass, status codes by meaning, pacing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from alertbot.events import KST, Disclosure
from alertbot.feeds.dart import protocol
from alertbot.feeds.dart.protocol import Filing, ListAnswer
from alertbot.feeds.dart.session import (
    BUDGET,
    DAILY_QUOTA,
    OFF_HOURS,
    DartSession,
    Request,
)

DAY = "20251127"  # a Thursday
MORNING = datetime(2025, 11, 27, 9, 0, tzinfo=KST)


def filings(*serials: int) -> tuple[Filing, ...]:
    """Newest first, as OpenDART sorts with sort_mth=desc."""
    return tuple(
        Filing(f"{DAY}{n:06d}", corp_name="삼성전자", stock_code="005930", report_nm=f"보고서{n}")
        for n in sorted(serials, reverse=True)
    )


def page(serials: tuple[int, ...], page_no: int = 1, total_page: int = 1) -> ListAnswer:
    return ListAnswer("000", "정상", page_no, total_page, filings(*serials))


def status(code: str, message: str = "") -> ListAnswer:
    return ListAnswer(code, message)


def session(**kwargs: object) -> DartSession:
    return DartSession(day=DAY, **kwargs)  # type: ignore[arg-type]


def test_first_pass_reads_every_page_and_alerts_nothing() -> None:
    dart = session()
    assert dart.start(MORNING) == Request(DAY, 1)
    step = dart.answer(page((5, 4), 1, 2), MORNING)
    assert step.events == () and step.remember == (f"{DAY}000005", f"{DAY}000004")
    assert step.request == Request(DAY, 2)
    step = dart.answer(page((3,), 2, 2), MORNING)
    assert step.events == () and step.day_started
    assert step.request is not None and step.request.page_no == 1 and step.request.delay > 0


def test_new_filings_are_events_oldest_first_and_paging_stops_at_a_known_one() -> None:
    dart = session(known=[f"{DAY}000001"], started=True)
    dart.start(MORNING)
    step = dart.answer(page((4, 3), 1, 3), MORNING)
    assert [e.rcept_no for e in step.events] == [f"{DAY}000003", f"{DAY}000004"]
    assert step.request == Request(DAY, 2)  # nothing known on this page: read on
    step = dart.answer(page((2, 1), 2, 3), MORNING)
    assert [e.rcept_no for e in step.events] == [f"{DAY}000002"]
    assert step.request is not None and step.request.page_no == 1  # met a known one: done
    assert not step.day_started  # the day had started before this run
    event = step.events[0]
    assert isinstance(event, Disclosure) and event.time == MORNING and event.symbol == "005930"


def test_a_filing_pushed_to_the_next_page_is_not_alerted_twice() -> None:
    dart = session(started=True)
    dart.start(MORNING)
    first = dart.answer(page((7, 6), 1, 2), MORNING)
    second = dart.answer(page((6, 5), 2, 2), MORNING)  # 6 slid down when 8 arrived
    keys = [e.rcept_no for e in (*first.events, *second.events)]
    assert sorted(keys) == [f"{DAY}00000{n}" for n in (5, 6, 7)]


def test_no_data_is_a_normal_empty_day() -> None:
    dart = session()
    dart.start(MORNING)
    step = dart.answer(status("013", "조회된 데이타가 없습니다."), MORNING)
    assert step.day_started and step.events == () and not step.notice and not step.fatal
    dart.start(MORNING)
    step = dart.answer(page((1,)), MORNING)
    assert [e.rcept_no for e in step.events] == [f"{DAY}000001"]


@pytest.mark.parametrize("code", ["010", "011", "012", "901"])
def test_a_refused_key_stops_the_feed_with_the_services_words(code: str) -> None:
    dart = session()
    dart.start(MORNING)
    step = dart.answer(status(code, "등록되지 않은 키입니다."), MORNING)
    assert step.request is None
    assert "등록되지 않은 키입니다." in step.fatal and code in step.fatal


def test_the_request_limit_backs_off_tells_once_and_goes_on() -> None:
    dart = session(started=True)
    dart.start(MORNING)
    pauses, notices = [], []
    for _ in range(6):
        step = dart.answer(status("020", "요청 제한을 초과하였습니다."), MORNING)
        assert step.request is not None and step.request.page_no == 1 and not step.fatal
        pauses.append(step.request.delay)
        notices.append(step.notice)
    assert pauses == [60, 120, 240, 480, 900, 900]
    assert [n for n in notices if n] == [notices[0]] and "요청 제한" in notices[0]
    step = dart.answer(page((1,)), MORNING)
    assert len(step.events) == 1
    step = dart.answer(status("020"), MORNING)
    assert step.request is not None and step.request.delay == 60  # back to the first pause


@pytest.mark.parametrize("code", ["800", "900", "100", "101"])
def test_maintenance_and_unexpected_statuses_are_tried_again(code: str) -> None:
    dart = session(started=True)
    dart.start(MORNING)
    step = dart.answer(status(code, "점검"), MORNING)
    assert step.request is not None and step.request.delay == 60 and not step.fatal
    assert bool(step.notice) == (code not in protocol.MAINTENANCE)


def test_a_new_day_starts_empty_and_alerts_everything_new() -> None:
    dart = session(known=[f"{DAY}000001"], started=True)
    tomorrow = MORNING + timedelta(days=1)
    assert dart.start(tomorrow) == Request("20251128", 1)
    answer = ListAnswer("000", "", 1, 1, (Filing("20251128000001", report_nm="x"),))
    step = dart.answer(answer, tomorrow)
    assert [e.rcept_no for e in step.events] == ["20251128000001"] and step.day == "20251128"


def test_pacing_keeps_a_whole_busy_day_under_the_quota() -> None:
    """Every quiet poll costs one call: a weekday from midnight to midnight at DART_POLL=1."""
    dart = session(started=True, poll=1.0)
    now = datetime(2025, 11, 27, 0, 0, tzinfo=KST)
    end = now + timedelta(days=1)
    calls = in_hours = 0
    dart.start(now)
    while now < end:
        step = dart.answer(page((1,)), now)
        calls += 1
        in_hours += dart.active(now)
        assert step.request is not None
        now += timedelta(seconds=step.request.delay)
    assert BUDGET < calls <= DAILY_QUOTA
    assert calls - in_hours <= 24 * 3600 / OFF_HOURS


def test_outside_filing_hours_polls_are_rare_but_the_morning_is_on_time() -> None:
    dart = session(started=True)
    evening = datetime(2025, 11, 27, 22, 0, tzinfo=KST)
    assert dart.interval(evening) == OFF_HOURS
    just_before = datetime(2025, 11, 28, 6, 58, tzinfo=KST)
    assert dart.interval(just_before) == 120
    saturday = datetime(2025, 11, 29, 10, 0, tzinfo=KST)
    assert dart.interval(saturday) == OFF_HOURS
    assert dart.interval(MORNING) == 5.0


def test_the_last_filings_before_midnight_are_still_read() -> None:
    """The pass planned at 23:55 runs after midnight on the old day: its late filings are
    alerted, then the new day begins with everything new."""
    dart = session(known=[f"{DAY}000001"], started=True)
    evening = datetime(2025, 11, 27, 23, 55, tzinfo=KST)
    dart.start(evening)
    step = dart.answer(page((1,)), evening)
    assert step.request == Request(DAY, 1, OFF_HOURS)
    after_midnight = evening + timedelta(seconds=OFF_HOURS)
    step = dart.answer(page((2, 1)), after_midnight)
    assert [e.rcept_no for e in step.events] == [f"{DAY}000002"]
    assert step.request is not None and step.request.day == "20251128"


def test_page_turns_in_any_order_never_alert_a_filing_twice() -> None:
    """Filings arriving between pages push rows down: each is still alerted exactly once."""
    dart = session(started=True)
    dart.start(MORNING)
    seen: list[str] = []
    for serials, page_no in (((9, 8), 1), ((8, 7), 2), ((11, 10), 1), ((10, 9), 2)):
        step = dart.answer(page(serials, page_no, total_page=3), MORNING)
        seen += [e.rcept_no for e in step.events]
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 5
