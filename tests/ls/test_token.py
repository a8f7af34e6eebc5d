"""The LS token: issued over real HTTP from the simulator, renewed on time, refused clearly."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

import pytest
from aiohttp import web

from alertbot.events import KST
from alertbot.feeds.base import FatalFeedError
from alertbot.feeds.ls.token import LsTokenIssuer, renew_at
from alertbot.sim.ls import SIM_APPKEY, SIM_APPSECRET, LsSimulator
from tests.conftest import FakeClock, golden


def issuer(sim: LsSimulator, clock: FakeClock, **kwargs: str) -> LsTokenIssuer:
    return LsTokenIssuer(
        sim.api_url,
        kwargs.get("appkey", SIM_APPKEY),
        kwargs.get("appsecret", SIM_APPSECRET),
        now=clock,
    )


async def test_issue_sends_the_documented_form(ls_sim: LsSimulator) -> None:
    """reference/ls/oauth-token.md: form-encoded, the same four fields as its example."""
    token = await issuer(ls_sim, FakeClock(datetime(2025, 3, 4, 8, 0, tzinfo=KST)))()
    assert token in ls_sim.tokens
    (request,) = ls_sim.token_requests
    example = dict(parse_qsl(golden("ls/token_request.txt").strip()))
    assert request.pop("content-type") == "application/x-www-form-urlencoded"
    assert set(request) == set(example)
    assert request == {
        "grant_type": "client_credentials",
        "appkey": SIM_APPKEY,
        "appsecretkey": SIM_APPSECRET,
        "scope": "oob",
    }
    assert {k: example[k] for k in ("grant_type", "scope")} == {
        "grant_type": "client_credentials",
        "scope": "oob",
    }


async def test_token_is_cached_then_renewed_before_it_expires(ls_sim: LsSimulator) -> None:
    clock = FakeClock(datetime(2025, 3, 4, 8, 0, tzinfo=KST))
    ls_sim.expires_in = 3600
    source = issuer(ls_sim, clock)
    first = await source()
    clock.now += timedelta(minutes=53)
    assert await source() == first
    clock.now += timedelta(minutes=1)  # a tenth of its hour before the hour is up
    second = await source()
    assert second != first and len(ls_sim.token_requests) == 2


async def test_the_field_table_spelling_expire_in_is_read() -> None:
    async with LsSimulator(expires_in=600, expires_field="expire_in") as sim:
        clock = FakeClock(datetime(2025, 3, 4, 8, 0, tzinfo=KST))
        source = issuer(sim, clock)
        await source()
        # A ten-minute token is renewed a minute (a tenth) before it ends.
        assert source.renew_at == datetime(2025, 3, 4, 8, 9, tzinfo=KST)


async def test_token_is_renewed_before_seven_in_the_morning(ls_sim: LsSimulator) -> None:
    """[field] LS tokens end at 07:00 KST whatever expires_in (86400) says."""
    clock = FakeClock(datetime(2025, 3, 4, 15, 0, tzinfo=KST))
    source = issuer(ls_sim, clock)
    first = await source()
    assert source.renew_at == datetime(2025, 3, 5, 6, 50, tzinfo=KST)
    clock.now = datetime(2025, 3, 5, 6, 49, tzinfo=KST)
    assert await source() == first
    clock.now = datetime(2025, 3, 5, 6, 50, tzinfo=KST)
    assert await source() != first


def test_renewal_times() -> None:
    morning = datetime(2025, 3, 4, 6, 0, tzinfo=KST)
    assert renew_at(morning, 86400) == datetime(2025, 3, 4, 6, 50, tzinfo=KST)
    evening = datetime(2025, 3, 4, 20, 0, tzinfo=KST)
    assert renew_at(evening, 86400) == datetime(2025, 3, 5, 6, 50, tzinfo=KST)
    assert renew_at(evening, 7200) == datetime(2025, 3, 4, 21, 50, tzinfo=KST)
    # Issued inside the margin before 07:00: used until 07:00, not renewed in a loop.
    assert renew_at(datetime(2025, 3, 4, 6, 55, tzinfo=KST), 86400) == datetime(
        2025, 3, 4, 7, 0, tzinfo=KST
    )
    assert renew_at(evening, 60) == datetime(2025, 3, 4, 20, 0, 54, tzinfo=KST)
    # No lifetime given: 07:00 is the only bound.
    assert renew_at(evening, 0) == datetime(2025, 3, 5, 6, 50, tzinfo=KST)
    # Times in another zone are read as the instant they are.
    utc = datetime(2025, 3, 4, 21, 0, tzinfo=KST).astimezone(tz=None)
    assert renew_at(utc, 86400) == datetime(2025, 3, 5, 6, 50, tzinfo=KST)


async def test_invalidate_issues_a_new_token(ls_sim: LsSimulator) -> None:
    source = issuer(ls_sim, FakeClock(datetime(2025, 3, 4, 8, 0, tzinfo=KST)))
    first = await source()
    source.invalidate()
    assert await source() != first


@pytest.mark.parametrize("field", ["appkey", "appsecret"])
async def test_wrong_credentials_stop_the_feed_without_showing_them(
    ls_sim: LsSimulator, field: str
) -> None:
    wrong = "wrong-secret-value-123"
    source = issuer(ls_sim, FakeClock(datetime(2025, 3, 4, 8, 0, tzinfo=KST)), **{field: wrong})
    with pytest.raises(FatalFeedError) as caught:
        await source()
    text = str(caught.value)
    assert "LS_APPKEY, LS_APPSECRET" in text and "HTTP 403" in text
    assert wrong not in text and SIM_APPSECRET not in text and SIM_APPKEY not in text


@pytest.fixture
async def answering() -> AsyncIterator[list[web.Response]]:
    """A token endpoint that gives the scripted answers in turn (vendor example, errors)."""
    answers: list[web.Response] = []

    async def token(_request: web.Request) -> web.Response:
        return answers.pop(0)

    app = web.Application()
    app.router.add_post("/oauth2/token", token)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    answers.append(web.Response(text=f"http://127.0.0.1:{runner.addresses[0][1]}"))
    try:
        yield answers
    finally:
        await runner.cleanup()


def _url(answers: list[web.Response]) -> str:
    return str(answers.pop(0).text)


async def test_the_vendor_example_answer_is_read(answering: list[web.Response]) -> None:
    """reference/ls/oauth-token.md Response Example, served verbatim."""
    url = _url(answering)
    answering.append(
        web.Response(text=golden("ls/token_response.json"), content_type="application/json")
    )
    clock = FakeClock(datetime(2023, 6, 13, 12, 0, tzinfo=KST))
    source = LsTokenIssuer(url, "k", "s", now=clock)
    token = await source()
    assert token.startswith("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzUxMiJ9.")
    assert source.renew_at == datetime(2023, 6, 14, 6, 50, tzinfo=KST)


@pytest.mark.parametrize(
    "answer",
    [
        web.Response(status=500, text="oops"),
        web.Response(status=429, text='{"rsp_cd":"IGW00201","rsp_msg":"초당 전송 건수 초과"}'),
        web.Response(status=200, text="not json"),
        web.Response(status=200, text='{"scope":"oob"}'),
    ],
)
async def test_transient_failures_are_retried_not_fatal(
    answering: list[web.Response], answer: web.Response
) -> None:
    url = _url(answering)
    answering.append(answer)
    source = LsTokenIssuer(url, "k", "s", now=FakeClock(datetime(2025, 3, 4, 8, 0, tzinfo=KST)))
    with pytest.raises(ConnectionError):
        await source()


async def test_unreachable_endpoint_is_a_connection_error() -> None:
    source = LsTokenIssuer("http://127.0.0.1:9", "k", "s", timeout=2)
    with pytest.raises(ConnectionError, match="토큰 발급 서버에 연결할 수 없음"):
        await source()
