"""Slack through slack-sdk against the fake Web API and webhook."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from alertbot.delivery.notifiers.base import validate_options
from alertbot.sim.slack import FakeSlack, slack_error, webhook_error
from tests.delivery.conftest import VirtualClock, alert, running

TEXT = "📰 <삼성전자> & 뉴스\n주가 <급등> & 거래량 *증가*"


def bot(fake: FakeSlack, **options: Any) -> dict[str, Any]:
    spec = {"type": "slack", "token": "xoxb-fake-token", "channel": "#alerts"}
    return spec | {"base_url": fake.base_url} | options


async def test_post_message_with_blocks_and_escaped_fallback(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    async with running({"desk": bot(fake_slack)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("desk",), text=TEXT))
        await d.drain()
    [sent] = fake_slack.messages
    assert sent.channel == "#alerts"
    assert sent.text == "📰 &lt;삼성전자&gt; &amp; 뉴스\n주가 &lt;급등&gt; &amp; 거래량 *증가*"
    header, section = sent.blocks
    assert header["text"] == {"type": "plain_text", "text": "📰 <삼성전자> & 뉴스"}
    assert section["text"]["text"] == "주가 &lt;급등&gt; &amp; 거래량 *증가*"


async def test_429_waits_retry_after_header_then_delivers_once(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_slack.fail_next("chat.postMessage", slack_error("ratelimited", 429, retry_after=3))
    async with running({"desk": bot(fake_slack)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("desk",)))
        await d.drain()
    assert len(fake_slack.messages) == 1
    assert clock.sleeps == [3.0]


async def test_5xx_retries_then_delivers_once(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_slack.fail_next("chat.postMessage", slack_error("internal_error", 500))
    async with running({"desk": bot(fake_slack)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("desk",)))
        await d.drain()
    assert len(fake_slack.messages) == 1
    assert [m for m, _ in fake_slack.requests].count("chat.postMessage") == 2


async def test_channel_not_found_stops_the_channel(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    spec = bot(fake_slack, channel="#nowhere")
    async with running({"desk": spec}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("desk",)))
        d.submit(alert("000660", channels=("desk",)))
        await d.drain()
        assert "channel_not_found" in str(d.workers["desk"].stopped)
    assert [m for m, _ in fake_slack.requests].count("chat.postMessage") == 1


async def test_invalid_auth_is_found_at_start(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    spec = bot(fake_slack, token="xoxb-revoked-secret")
    async with running({"desk": spec}, tmp_path / "s.db", clock) as d:
        await d.drain()
        error = d.workers["desk"].stopped
    assert error is not None and "invalid_auth" in str(error)
    assert "xoxb-revoked-secret" not in str(error)


async def test_webhook_delivers_and_honours_429(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_slack.fail_next("webhook", webhook_error(429, "rate_limited", retry_after=2))
    spec = {"type": "slack", "webhook_url": fake_slack.webhook_url}
    async with running({"hook": spec}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("hook",), text=TEXT))
        await d.drain()
    [sent] = fake_slack.messages
    assert sent.via == "webhook" and sent.text.startswith("📰 &lt;삼성전자&gt;")
    assert clock.sleeps == [2.0]


async def test_webhook_gone_is_permanent_and_url_never_shown(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_slack.fail_next("webhook", webhook_error(500, "oops"), webhook_error(404, "no_service"))
    spec = {"type": "slack", "webhook_url": fake_slack.webhook_url}
    async with running({"hook": spec}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("hook",)))
        await d.drain()
        error = str(d.workers["hook"].stopped)
    assert "no_service" in error and "fakewebhooksecret" not in error
    assert "hook: stopped" in caplog.text and "fakewebhooksecret" not in caplog.text


def test_options_need_a_token_and_channel_or_a_webhook() -> None:
    for bad in ({}, {"token": "x"}, {"token": "x", "channel": "#a", "webhook_url": "http://h"}):
        try:
            validate_options("slack", bad)
        except ValueError as exc:
            assert "token" in str(exc) or "channel" in str(exc)
        else:
            raise AssertionError(f"accepted {bad}")
