"""Access tokens: au10001 issued over real HTTP from the simulator, renewed before expiry."""

from __future__ import annotations

import socket
from datetime import datetime, timedelta

import orjson
import pytest

from alertbot.events import KST
from alertbot.feeds.base import FatalFeedError
from alertbot.feeds.kiwoom.token import (
    TokenError,
    TokenGrant,
    TokenIssuer,
    parse_expires,
    parse_token_answer,
    token_request,
)
from alertbot.sim.kiwoom import SIM_APPKEY, SIM_SECRETKEY, KiwoomSimulator
from tests.conftest import FakeClock, golden


def test_vendor_token_answer() -> None:
    """reference/kiwoom/oauth-token-au10001-au10002.md, 응답 예시: expires_dt is KST."""
    grant = parse_token_answer(200, golden("kiwoom/token_answer.json").encode())
    assert grant == TokenGrant("YOUR_ACCESS_TOKEN", datetime(2024, 11, 7, 8, 37, 13, tzinfo=KST))


def test_vendor_token_request() -> None:
    expected = orjson.loads(golden("kiwoom/requests.json"))["token"]
    assert token_request("YOUR_APP_KEY", "YOUR_APP_SECRET") == expected


@pytest.mark.parametrize("text", ["", "2024110708371", "20241307083713", "abcdefghijklmn", None])
def test_unreadable_expiry_is_none(text: object) -> None:
    assert parse_expires(text) is None


def test_wrong_keys_are_fatal_and_say_what_to_fix() -> None:
    body = b'{"return_code":3,"return_msg":"[8001:App Key\xec\x99\x80 Secret Key]"}'
    with pytest.raises(FatalFeedError, match="KIWOOM_APPKEY"):
        parse_token_answer(200, body)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (503, b"<html>Service Unavailable</html>"),
        (200, b"[]"),
        (200, b'{"return_code":0,"token":""}'),
        (200, b'{"return_code":5,"return_msg":"rate limited"}'),
        (500, b'{"return_code":0,"token":"t","expires_dt":"20991231000000"}'),
    ],
)
def test_other_failures_are_transient(status: int, body: bytes) -> None:
    with pytest.raises(TokenError):
        parse_token_answer(status, body)


def test_a_token_without_expiry_is_still_usable() -> None:
    assert parse_token_answer(200, b'{"return_code":0,"token":"t"}') == TokenGrant("t", None)


async def test_issue_then_renew_ten_minutes_before_expiry(kiwoom_sim: KiwoomSimulator) -> None:
    clock = FakeClock()
    kiwoom_sim.clock = clock
    kiwoom_sim.token_lifetime = timedelta(hours=1)
    issuer = TokenIssuer(kiwoom_sim.api_url, SIM_APPKEY, SIM_SECRETKEY, clock=clock)

    first = await issuer()
    clock.advance(timedelta(minutes=49))
    assert await issuer() == first  # still 11 minutes left: no new request
    clock.advance(timedelta(minutes=2))
    second = await issuer()

    assert [first, second] == kiwoom_sim.issued
    assert kiwoom_sim.token_requests == [token_request(SIM_APPKEY, SIM_SECRETKEY)] * 2


async def test_invalidate_issues_a_new_token(kiwoom_sim: KiwoomSimulator) -> None:
    issuer = TokenIssuer(kiwoom_sim.api_url, SIM_APPKEY, SIM_SECRETKEY)
    first = await issuer()
    issuer.invalidate()
    assert await issuer() != first
    assert len(kiwoom_sim.issued) == 2


async def test_wrong_keys_against_the_server(kiwoom_sim: KiwoomSimulator) -> None:
    issuer = TokenIssuer(kiwoom_sim.api_url, SIM_APPKEY, "not-the-secret")
    with pytest.raises(FatalFeedError) as caught:
        await issuer()
    assert "not-the-secret" not in str(caught.value)
    assert kiwoom_sim.issued == []


async def test_gateway_failure_then_success(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.fail_token_requests = 1
    issuer = TokenIssuer(kiwoom_sim.api_url, SIM_APPKEY, SIM_SECRETKEY)
    with pytest.raises(TokenError, match="503"):
        await issuer()
    assert await issuer() == "sim-issued-1"


async def test_unreachable_endpoint_is_transient() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    issuer = TokenIssuer(f"http://127.0.0.1:{port}", SIM_APPKEY, SIM_SECRETKEY)
    with pytest.raises(TokenError, match="토큰 발급 서버에 연결할 수 없음"):
        await issuer()
