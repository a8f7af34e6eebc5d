"""Kiwoom protocol module against the vendor's own example frames (golden tests).

Every server frame and every request printed in the seeds and reference pages is stored under
tests/golden/kiwoom (sources in tests/golden/README.md) and checked here.
"""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from alertbot.events import KST, ConditionHit, Fill, Tick, Vi
from alertbot.feeds.kiwoom import protocol
from tests.conftest import golden

RECEIVED = datetime(2025, 3, 4, 11, 15, 0, tzinfo=KST)


def parse_golden(name: str, **kwargs: object) -> protocol.Message:
    return protocol.parse(golden(f"kiwoom/{name}"), RECEIVED, **kwargs)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- REAL frames


def test_vi_example() -> None:
    """reference/kiwoom/realtime-1h-vi-and-error-codes.md, 응답 예시 #실시간 수신."""
    message = parse_golden("1h_vi_real.json")
    assert message == protocol.RealData(
        [
            Vi(
                source="kiwoom",
                time=datetime(2025, 3, 4, 11, 14, 54, tzinfo=KST),
                symbol="005930",
                name="삼성전자",
                state="triggered",
                vi_kind="static",
                direction="up",
                vi_price=4125,
                rate=10.0,
                count=1,
                venue="KRX",
            )
        ]
    )


def test_trade_example() -> None:
    """reference/kiwoom/realtime-0B-trade.md: ``10`` "-20800" is a colour flag, not a sign."""
    message = parse_golden("0B_trade_real.json")
    assert message == protocol.RealData(
        [
            Tick(
                source="kiwoom",
                time=datetime(2025, 3, 4, 16, 52, 8, tzinfo=KST),
                symbol="005930",
                price=20800,
                change=-50,
                rate=-0.24,
                volume=82,
                side="buy",
                cum_volume=30379732,
                venue="KRX",
                sign="5",
            )
        ]
    )


def test_fill_example_is_an_accepted_order() -> None:
    """reference/kiwoom/realtime-00-order-fill.md: a 접수 with empty fill fields."""
    message = parse_golden("00_fill_real.json")
    assert message == protocol.RealData(
        [
            Fill(
                source="kiwoom",
                time=datetime(2025, 3, 4, 9, 40, 22, tzinfo=KST),
                symbol="005930",
                name="삼성전자",
                order_no="0000018",
                fill_no="",
                side="buy",
                status="접수",
                qty=0,
                price=0,
                unfilled=1,
                order_qty=1,
                account="****1111",
                reason="",
            )
        ]
    )


def test_condition_example_uses_the_listed_name() -> None:
    """ka10173 #실시간데이터: 841 seq 4, 843 I = entered."""
    message = parse_golden("02_condition_real.json", conditions={"4": "조건5"})
    assert message == protocol.RealData(
        [
            ConditionHit(
                source="kiwoom",
                time=datetime(2025, 3, 4, 15, 20, 28, tzinfo=KST),
                symbol="005930",
                seq="4",
                condition="조건5",
                action="enter",
            )
        ]
    )


def test_condition_entry_without_a_known_name_keeps_its_seq() -> None:
    message = parse_golden("02_condition_real.json")
    assert isinstance(message, protocol.RealData)
    assert [(e.seq, e.condition) for e in message.events] == [("4", "")]  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["0A_price_real.json", "0s_session_real.json"])
def test_types_the_bot_does_not_register_are_skipped_not_raised(name: str) -> None:
    """seeds/002 (0A 주식기세) and reference 0s: valid frames, no alert kind of ours."""
    assert parse_golden(name) == protocol.RealData([], skipped=1)


# ---------------------------------------------------------------------------- answers


def test_reg_answer() -> None:
    assert parse_golden("reg_answer.json") == protocol.Ack(
        "REG", True, 0, "", {"trnm": "REG", "return_code": 0, "return_msg": ""}
    )


def test_condition_list_answer() -> None:
    """ka10171: ``data`` is a list of [seq, name] pairs."""
    assert parse_golden("cnsrlst_answer.json") == protocol.ConditionList(
        True,
        0,
        "",
        (("0", "조건1"), ("1", "조건2"), ("2", "조건3"), ("3", "조건4"), ("4", "조건5")),
    )


def test_realtime_condition_answer_lists_current_matches_once() -> None:
    """ka10173 #조회데이터: 31 × ``A005930`` → one code, without the ``A``."""
    assert parse_golden("cnsrreq_realtime_answer.json") == protocol.ConditionAnswer(
        True, 0, "", "4", ("005930",)
    )


def test_one_shot_condition_answer_with_padded_seq() -> None:
    """ka10172: ``seq`` '2 ' carries a trailing space; codes are in ``9001``."""
    assert parse_golden("cnsrreq_search_answer.json") == protocol.ConditionAnswer(
        True, 0, "", "2", ("005930",)
    )


def test_condition_stop_answer() -> None:
    message = parse_golden("cnsrclr_answer.json")
    assert isinstance(message, protocol.Ack)
    assert (message.trnm, message.ok, message.body["seq"]) == ("CNSRCLR", True, "1")


# ---------------------------------------------------------------------------- requests

REQUESTS = orjson.loads(golden("kiwoom/requests.json"))


def test_login_request() -> None:
    assert orjson.loads(protocol.login("사용자 AccessToken")) == REQUESTS["login"]


@pytest.mark.parametrize("example", REQUESTS["reg"], ids=lambda e: e["data"][0]["type"][0])
def test_reg_requests_match_every_vendor_example(example: dict) -> None:
    """seeds/001: one REG example per realtime type."""
    entry = example["data"][0]
    assert orjson.loads(protocol.register(entry["type"], entry["item"])) == example


def test_condition_requests() -> None:
    assert orjson.loads(protocol.condition_list()) == REQUESTS["cnsrlst"]
    assert orjson.loads(protocol.condition_start("4")) == REQUESTS["cnsrreq_realtime"]
    assert orjson.loads(protocol.condition_stop("1")) == REQUESTS["cnsrclr"]


def test_remove_request() -> None:
    assert orjson.loads(protocol.remove(["0B"], ["005930"])) == {
        "trnm": "REMOVE",
        "grp_no": "1",
        "data": [{"item": ["005930"], "type": ["0B"]}],
    }


# ---------------------------------------------------------------------------- session frames


def test_login_answers() -> None:
    ok = protocol.parse('{"trnm":"LOGIN","return_code":0,"return_msg":"","sor_yn":"Y"}', RECEIVED)
    assert ok == protocol.LoginResult(True, 0, "")
    refused = protocol.parse(
        '{"trnm":"LOGIN","return_code":1,"return_msg":"[CODE=8005, Token이 유효하지 않습니다]"}',
        RECEIVED,
    )
    assert isinstance(refused, protocol.LoginResult)
    assert not refused.ok and refused.auth_error == 8005
    other = protocol.parse('{"trnm":"LOGIN","return_code":1,"return_msg":"점검 중"}', RECEIVED)
    assert isinstance(other, protocol.LoginResult) and other.auth_error is None


def test_ping_is_echoed_unchanged() -> None:
    frame = '{"trnm":"PING","extra":"x"}'
    assert protocol.parse(frame, RECEIVED) == protocol.Ping(frame)
    assert protocol.parse(frame.encode(), RECEIVED) == protocol.Ping(frame)


def test_system_frames_are_not_pings() -> None:
    frame = '{"trnm":"SYSTEM","code":"R10001","message":"동일한 App key로 접속"}'
    assert protocol.parse(frame, RECEIVED) == protocol.SystemNotice(
        "R10001", "동일한 App key로 접속"
    )


# ---------------------------------------------------------------------------- tolerance


def real(*entries: dict) -> str:
    return orjson.dumps({"trnm": "REAL", "data": list(entries)}).decode()


def test_several_entries_in_one_frame_each_become_an_event() -> None:
    trade = {"type": "0B", "item": "005930_NX", "values": {"10": "+70000", "15": "-3"}}
    vi = {"type": "1h", "item": "000660_AL", "values": {"9001": "000660", "9068": "2"}}
    junk = {"type": "0B", "item": "", "values": {"10": ""}}
    message = protocol.parse(real(trade, vi, junk, "x"), RECEIVED)
    assert isinstance(message, protocol.RealData)
    assert message.skipped == 2
    tick, released = message.events
    assert isinstance(tick, Tick) and isinstance(released, Vi)
    assert (tick.symbol, tick.venue, tick.price, tick.volume, tick.side) == (
        "005930",
        "NXT",
        70000,
        3,
        "sell",
    )
    assert tick.time == RECEIVED  # no time field: the receive time
    assert (released.symbol, released.venue, released.state) == ("000660", "SOR", "released")


def test_a_prefixed_codes_spaces_and_empty_values() -> None:
    values = {"9001": " A005930 ", "10": " 67300", "11": "", "12": "", "13": "", "20": "0901"}
    message = protocol.parse(real({"type": "0B", "item": "", "values": values}), RECEIVED)
    assert isinstance(message, protocol.RealData)
    (tick,) = message.events
    assert isinstance(tick, Tick)
    assert (tick.symbol, tick.price, tick.change, tick.rate, tick.side) == (
        "005930",
        67300,
        0,
        0.0,
        "",
    )


def test_fill_of_a_sell_with_reason_and_fill_fields() -> None:
    values = {
        "9201": "5012-3456-78",
        "9203": "0000021",
        "9001": "A000660",
        "913": "체결",
        "905": "-매도",
        "907": "",
        "909": "102",
        "910": "-201500",
        "911": "10",
        "902": "0",
        "900": "10",
        "919": "증거금 부족",
    }
    message = protocol.parse(real({"type": "00", "item": "", "values": values}), RECEIVED)
    assert isinstance(message, protocol.RealData)
    (fill,) = message.events
    assert isinstance(fill, Fill)
    assert (fill.symbol, fill.side, fill.qty, fill.price, fill.account, fill.reason) == (
        "000660",
        "sell",
        10,
        201500,
        "****5678",
        "증거금 부족",
    )


def test_condition_exit_and_unknown_action() -> None:
    leave = {"type": "02", "item": "005930", "values": {"841": "4 ", "843": "D"}}
    odd = {"type": "02", "item": "005930", "values": {"841": "4", "843": "X"}}
    message = protocol.parse(real(leave, odd), RECEIVED, {"4": "급등주"})
    assert isinstance(message, protocol.RealData)
    assert message.skipped == 1
    (hit,) = message.events
    assert isinstance(hit, ConditionHit)
    assert (hit.seq, hit.condition, hit.action) == ("4", "급등주", "exit")


def test_failed_condition_answers() -> None:
    refused = protocol.parse(
        '{"trnm":"CNSRREQ","seq":"9","return_code":1,"return_msg":"없음"}', RECEIVED
    )
    assert refused == protocol.ConditionAnswer(False, 1, "없음", "9", ())
    listing = protocol.parse('{"trnm":"CNSRLST","return_code":0,"data":[{"seq":"3"}]}', RECEIVED)
    assert listing == protocol.ConditionList(True, 0, "", (("3", ""),))


def test_unreadable_frames_are_reported_not_raised() -> None:
    for frame in ("", "not json", "[]", '{"trnm": 5}', '{"trnm":"what"}'):
        assert isinstance(protocol.parse(frame, RECEIVED), protocol.Unparsed)
    assert protocol.parse('{"trnm":"REAL","data":"x"}', RECEIVED) == protocol.RealData([], 1)
