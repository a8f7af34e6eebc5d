"""``LsSession`` driven directly, sans-I/O, with the vendor's own frames: every transition."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import orjson

from alertbot.events import KST, Fill, MarketStatus
from alertbot.feeds.ls.session import LsSession
from alertbot.feeds.session import FeedSilent, TokenRefused
from alertbot.subscriptions import Subscriptions
from tests.conftest import golden

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=KST)  # a Tuesday, KRX open


def topics(frames: Any) -> list[tuple[str, str, str]]:
    decoded = [orjson.loads(frame) for frame in frames]
    return [(d["header"]["tr_type"], d["body"]["tr_cd"], d["body"]["tr_key"]) for d in decoded]


def ack(tr_cd: str, tr_key: str, code: str = "00000", message: str = "정상") -> str:
    header = {"tr_cd": tr_cd, "tr_key": tr_key, "tr_type": "3", "rsp_cd": code, "rsp_msg": message}
    return orjson.dumps({"header": header}).decode()


def connected(subscriptions: Subscriptions) -> tuple[LsSession, list[tuple[str, str, str]]]:
    session = LsSession()
    session.token = "tok"
    session.want(subscriptions)
    frames = session.connected(NOW)
    assert all(orjson.loads(f)["header"]["token"] == "tok" for f in frames)
    return session, topics(frames)


def test_fill_rules_register_every_order_tr_for_the_account() -> None:
    """SC1 alone carries fills; 접수, 정정, 취소, 거부 come on SC0, SC2, SC3, SC4 (tr_type 1)."""
    _, sent = connected(Subscriptions(fills=True))
    assert sent == [("1", f"SC{n}", "") for n in range(5)]


def test_nxt_feeds_where_rules_ask_for_them() -> None:
    wanted = Subscriptions(vi=True, ticks=frozenset({"005930"}), nxt_ticks=frozenset({"005930"}))
    _, sent = connected(wanted)
    assert {tr_cd for _, tr_cd, _ in sent} == {"S3_", "K3_", "NS3", "VI_", "NVI"}


def test_acks_confirm_and_a_refusal_is_told_once() -> None:
    session, _ = connected(Subscriptions(market=True, news=True))
    session.receive(ack("JIF", "0"), NOW)
    session.receive(ack("NWS", "NWS001", "IGW40002", "없는 TR"), NOW)
    assert session.confirmed == {("JIF", "0")} and session.token_accepted
    (notice,) = session.take_notices()
    assert "NWS" in notice and "IGW40002" in notice
    session.connected(NOW)  # reconnect: asked again, refused again, not told again
    session.receive(ack("NWS", "NWS001", "IGW40002", "없는 TR"), NOW)
    assert session.take_notices() == []


def test_a_refused_token_ends_the_connection() -> None:
    session, _ = connected(Subscriptions(market=True))
    session.receive(ack("JIF", "0", "IGW00121", "유효하지 않은 토큰입니다."), NOW)
    assert isinstance(session.ending, TokenRefused) and not session.token_accepted


def test_a_status_reported_again_is_one_change_across_reconnects() -> None:
    session, _ = connected(Subscriptions(market=True))
    jif = golden("ls/jif_response.json")
    first, _ = session.receive(jif, NOW)
    session.connected(NOW)
    again, _ = session.receive(jif, NOW)
    assert [type(e) for e in first] == [MarketStatus] and list(again) == []


def test_sc0_through_sc4_are_order_events() -> None:
    session, _ = connected(Subscriptions(fills=True))
    (accepted,), _ = session.receive(golden("ls/sc0_response.json"), NOW)
    (filled,), _ = session.receive(golden("ls/sc1_response.json"), NOW)
    assert isinstance(accepted, Fill) and isinstance(filled, Fill)
    assert (accepted.status, filled.status) == ("접수", "체결")
    assert accepted.order_no == filled.order_no == "86382"


def trade() -> bytes:
    return golden("ls/s3_response.json").encode()


def test_no_trades_in_hours_resubscribes_then_ends() -> None:
    session, _ = connected(Subscriptions(ticks=frozenset({"005930"})))
    session.receive(trade(), NOW)
    window = session.liveness.window
    assert session.timer(NOW + window - timedelta(seconds=1)) == ()
    resent = topics(session.timer(NOW + window))
    assert resent == [
        ("4", "K3_", "005930"),
        ("4", "S3_", "005930"),
        ("3", "K3_", "005930"),
        ("3", "S3_", "005930"),
    ]
    session.timer(NOW + 2 * window)
    assert isinstance(session.ending, FeedSilent)


def test_s3_k3_go_quiet_after_1530_and_that_is_not_a_fault() -> None:
    close = NOW.replace(hour=15, minute=25)
    session, _ = connected(Subscriptions(ticks=frozenset({"005930"}), market=True))
    session.receive(trade(), close)
    for minutes in range(1, 120):
        assert session.timer(close + timedelta(minutes=minutes)) == ()
    assert session.ending is None
