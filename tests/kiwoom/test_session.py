"""``KiwoomSession`` driven directly, sans-I/O, with the vendor's own frames: every transition."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson
import pytest

from alertbot.events import KST, ConditionHit, Fill, Vi
from alertbot.feeds.kiwoom.session import KiwoomSession
from alertbot.feeds.session import FeedSilent, RetryLater, TokenRefused
from alertbot.subscriptions import Subscriptions
from tests.conftest import golden

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=KST)  # a Tuesday, KRX open
LOGIN_OK = '{"trnm":"LOGIN","return_code":0,"return_msg":""}'


def sent(frames: Any) -> list[dict[str, Any]]:
    return [orjson.loads(frame) for frame in frames]


def golden_kiwoom(name: str) -> dict[str, Any]:
    return orjson.loads(golden(f"kiwoom/{name}"))  # type: ignore[no-any-return]


def logged_in(subscriptions: Subscriptions) -> tuple[KiwoomSession, list[dict[str, Any]]]:
    session = KiwoomSession()
    session.token = "tok"
    session.want(subscriptions)
    assert sent(session.connected(NOW)) == [{"trnm": "LOGIN", "token": "tok"}]
    events, frames = session.receive(LOGIN_OK, NOW)
    assert events == () and session.ready
    return session, sent(frames)


def test_login_then_everything_registered_once() -> None:
    wanted = Subscriptions(vi=True, fills=True, ticks=frozenset({"005930"}))
    session, frames = logged_in(wanted)
    assert sorted((f["data"][0]["type"][0], f["data"][0]["item"][0]) for f in frames) == [
        ("00", ""),
        ("0B", "005930"),
        ("1h", ""),
    ]
    assert session.want(wanted) == []  # nothing new: nothing sent


def test_nxt_items_where_rules_ask_for_them() -> None:
    """Items ``_NX`` carry NXT's trades (08:00–20:00) [doc: KRX:039490, NXT:039490_NX]."""
    wanted = Subscriptions(ticks=frozenset({"005930", "000660"}), nxt_ticks=frozenset({"005930"}))
    _, frames = logged_in(wanted)
    (reg,) = frames
    assert reg["data"][0]["item"] == ["000660", "005930", "005930_NX"]


def test_ping_is_echoed_unchanged() -> None:
    session, _ = logged_in(Subscriptions())
    ping = '{"trnm":"PING","x":1}'
    assert session.receive(ping, NOW) == ((), [ping])


@pytest.mark.parametrize("trnm", ["CNSRLST", "CNSRLT"])
def test_condition_list_then_start_then_snapshot(trnm: str) -> None:
    """Seed 004 writes the CNSRLST answer as CNSRLT: both are read."""
    session, frames = logged_in(Subscriptions(conditions=frozenset({"조건5"})))
    assert frames == [{"trnm": "CNSRLST"}]
    answer = golden_kiwoom("cnsrlst_answer.json")
    answer["trnm"] = trnm
    events, frames = session.receive(orjson.dumps(answer), NOW)
    assert sent(frames) == [{"trnm": "CNSRREQ", "seq": "4", "search_type": "1", "stex_tp": "K"}]
    events, frames = session.receive(golden("kiwoom/cnsrreq_realtime_answer.json"), NOW)
    (snapshot,) = events
    assert isinstance(snapshot, ConditionHit)
    assert (snapshot.seq, snapshot.condition, snapshot.matches) == ("4", "조건5", ("005930",))
    assert sent(session.goodbye()) == [{"trnm": "CNSRCLR", "seq": "4"}]


def test_an_answer_for_a_condition_never_started_is_no_event() -> None:
    session, _ = logged_in(Subscriptions())
    session.receive(golden("kiwoom/cnsrlst_answer.json"), NOW)
    events, frames = session.receive(golden("kiwoom/cnsrreq_realtime_answer.json"), NOW)
    assert list(events) == [] and list(frames) == []


def test_8005_ends_the_connection_for_a_new_token() -> None:
    session = KiwoomSession()
    session.connected(NOW)
    refusal = (
        '{"trnm":"LOGIN","return_code":1,"return_msg":"[CODE=8005, 토큰이 유효하지 않습니다]"}'
    )
    session.receive(refusal, NOW)
    assert isinstance(session.ending, TokenRefused) and "8005" in str(session.ending)
    assert not session.ready
    session.connected(NOW)  # the next connection starts clean
    assert session.ending is None


def test_a_refused_registration_is_told_in_the_servers_words() -> None:
    session, _ = logged_in(Subscriptions(vi=True))
    session.receive('{"trnm":"REG","return_code":1,"return_msg":"등록 종목수 초과"}', NOW)
    assert session.take_notices() == ["⚠️ kiwoom: REG 요청이 거부되었습니다: 1 등록 종목수 초과"]


def test_kicked_waits_long_and_says_so_once() -> None:
    session, _ = logged_in(Subscriptions())
    session.receive('{"trnm":"SYSTEM","code":"R10001","message":"중복 접속"}', NOW)
    assert isinstance(session.ending, RetryLater) and session.ending.delay == 300.0
    (notice,) = session.take_notices()
    assert notice == (
        "⚠️ kiwoom: 같은 앱키로 다른 접속이 로그인해 이 접속이 끊겼습니다 (R10001). "
        "서로 계속 끊지 않도록 5분 기다렸다 다시 연결합니다. "
        "다른 프로그램을 닫거나 다른 앱키를 쓰세요."
    )
    assert session.take_notices() == []


def test_login_unanswered_ends_the_connection() -> None:
    session = KiwoomSession()
    session.connected(NOW)
    session.timer(NOW + timedelta(seconds=9))
    assert session.ending is None
    session.timer(NOW + timedelta(seconds=10))
    assert isinstance(session.ending, ConnectionError)


def test_vi_only_documented_9068_values_are_vis() -> None:
    """9068 1 triggered, 2 released [field]; anything else is unparsed, not a VI."""
    session, _ = logged_in(Subscriptions(vi=True))
    frame = golden_kiwoom("1h_vi_real.json")
    states = []
    for code in ("1", "2", "3", "", "X"):
        frame["data"][0]["values"]["9068"] = code
        events, _ = session.receive(orjson.dumps(frame), NOW)
        states.append([e.state for e in events if isinstance(e, Vi)])
    assert states == [["triggered"], ["released"], [], [], []]
    assert session.unparsed["kiwoom: 읽지 못한 REAL 항목"] == 3


def fill_frame(**values: str) -> bytes:
    frame = golden_kiwoom("00_fill_real.json")
    frame["data"][0]["values"].update(values)
    return orjson.dumps(frame)


def test_partial_fills_of_one_order_show_each_fill() -> None:
    """Seed 001 lists 914 단위체결가 and 915 단위체결량 for the fill itself; 910/911 are the
    order's last price and running total [field]. A 10-share order filled 3 + 5 + 2."""
    session, _ = logged_in(Subscriptions(fills=True))
    order = {"900": "10", "913": "체결", "907": "2"}
    steps = [
        ("1", "60700", "3", "60700", "3", "7"),
        ("2", "60800", "5", "60800", "8", "2"),
        ("3", "60600", "2", "60600", "10", "0"),
    ]
    fills = []
    for fill_no, unit_price, unit_qty, last, total, unfilled in steps:
        frame = fill_frame(
            **order,
            **{"909": fill_no, "914": unit_price, "915": unit_qty, "910": last},
            **{"911": total, "902": unfilled},
        )
        (event,), _ = session.receive(frame, NOW)
        assert isinstance(event, Fill)
        fills.append((event.qty, event.price, event.order_qty - event.unfilled))
    assert fills == [(3, 60700, 3), (5, 60800, 8), (2, 60600, 10)]


def test_a_fill_without_unit_fields_falls_back_to_the_running_values() -> None:
    session, _ = logged_in(Subscriptions(fills=True))
    (event,), _ = session.receive(fill_frame(**{"913": "체결", "910": "60700", "911": "4"}), NOW)
    assert isinstance(event, Fill) and (event.qty, event.price) == (4, 60700)
    assert event.account == "****1111"


def trade(price: str = "+60700", item: str = "005930") -> bytes:
    frame = golden_kiwoom("0B_trade_real.json")
    entry = frame["data"][0]
    entry["item"] = item
    entry["values"].pop("9001", None)
    entry["values"]["10"] = price
    return orjson.dumps(frame)


def test_no_trades_in_hours_reregisters_then_ends() -> None:
    """PINGs alone are not proof of life: no data for a window → REMOVE+REG, then reconnect."""
    session, _ = logged_in(Subscriptions(ticks=frozenset({"005930"})))
    session.receive(trade(), NOW)
    window = session.data_window
    assert session.timer(NOW + window - timedelta(seconds=1)) == ()
    frames = sent(session.timer(NOW + window))
    assert [f["trnm"] for f in frames] == ["REMOVE", "REG"]
    assert session.ending is None
    session.timer(NOW + 2 * window)
    assert isinstance(session.ending, FeedSilent)


def test_a_closed_market_is_quiet_not_dead() -> None:
    """KRX trades stop at 15:30: a quiet KRX item at 16:00 is normal; its NXT item is not."""
    after_close = NOW.replace(hour=15, minute=29)
    session, _ = logged_in(Subscriptions(ticks=frozenset({"005930"})))
    session.receive(trade(), after_close)
    for minutes in range(1, 60):
        assert session.timer(after_close + timedelta(minutes=minutes)) == ()
    assert session.ending is None

    nxt, _ = logged_in(Subscriptions(ticks=frozenset({"005930"}), nxt_ticks=frozenset({"005930"})))
    nxt.receive(trade(item="005930_NX"), after_close)
    frames = sent(nxt.timer(after_close + nxt.data_window + timedelta(minutes=1)))
    assert [f["trnm"] for f in frames] == ["REMOVE", "REG"]


def test_no_trade_yet_today_proves_nothing() -> None:
    """A holiday (or a stock that has not traded yet): silence never reconnects."""
    session, _ = logged_in(Subscriptions(ticks=frozenset({"005930"})))
    session.receive(trade(), NOW - timedelta(days=1))
    for minutes in range(1, 30):
        assert session.timer(NOW + timedelta(minutes=minutes)) == ()
    assert session.ending is None
