"""Kiwoom protocol module against the vendor's own example frames (golden tests)."""

from __future__ import annotations

from datetime import datetime

import orjson

from alertbot.events import KST, Vi
from alertbot.feeds.kiwoom import protocol
from tests.conftest import golden

RECEIVED = datetime(2025, 3, 4, 11, 15, 0, tzinfo=KST)


def test_vi_example_from_the_reference_page() -> None:
    """reference/kiwoom/realtime-1h-vi-and-error-codes.md, 응답 예시 #실시간 수신."""
    frame = golden("kiwoom/1h_vi_real.json")
    message = protocol.parse(frame, RECEIVED)
    assert isinstance(message, protocol.RealData)
    assert message.skipped == 0
    assert message.events == [
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


def test_login_answers() -> None:
    ok = protocol.parse('{"trnm":"LOGIN","return_code":0,"return_msg":"","sor_yn":"Y"}', RECEIVED)
    assert ok == protocol.LoginResult(True, 0, "")
    refused = protocol.parse(
        '{"trnm":"LOGIN","return_code":1,"return_msg":"[CODE=8005, Token이 유효하지 않습니다]"}',
        RECEIVED,
    )
    assert isinstance(refused, protocol.LoginResult)
    assert not refused.ok and refused.auth_error == 8005


def test_ping_is_echoed_unchanged() -> None:
    frame = '{"trnm":"PING","extra":"x"}'
    assert protocol.parse(frame, RECEIVED) == protocol.Ping(frame)


def test_system_frames_are_not_pings() -> None:
    frame = '{"trnm":"SYSTEM","code":"R10001","message":"동일한 App key로 접속"}'
    assert protocol.parse(frame, RECEIVED) == protocol.SystemNotice(
        "R10001", "동일한 App key로 접속"
    )


def test_reg_request_matches_the_vendor_example() -> None:
    """reference/kiwoom/realtime-1h-…md 요청 예시."""
    assert orjson.loads(protocol.register(["1h"], [""])) == {
        "trnm": "REG",
        "grp_no": "1",
        "refresh": "1",
        "data": [{"item": [""], "type": ["1h"]}],
    }
    assert orjson.loads(protocol.remove(["0B"], ["005930"])) == {
        "trnm": "REMOVE",
        "grp_no": "1",
        "data": [{"item": ["005930"], "type": ["0B"]}],
    }


def test_reg_ack() -> None:
    ack = protocol.parse(
        "{'trnm': 'REG', 'return_code': 0, 'return_msg': ''}".replace("'", '"'), RECEIVED
    )
    assert isinstance(ack, protocol.Ack) and ack.ok and ack.trnm == "REG"


def test_unreadable_frames_are_reported_not_raised() -> None:
    for frame in ("", "not json", "[]", '{"trnm": 5}', '{"trnm":"REAL","data":"x"}'):
        message = protocol.parse(frame, RECEIVED)
        assert isinstance(message, protocol.Unparsed | protocol.RealData)
