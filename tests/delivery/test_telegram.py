"""Telegram through python-telegram-bot against the fake Bot API: markup, splitting, and
every failure the service answers with."""

from __future__ import annotations

import html
import logging
import re
from datetime import timedelta
from pathlib import Path

import orjson
import pytest

from alertbot.delivery.notifiers.telegram import to_html
from alertbot.sim.fakehttp import Hang
from alertbot.sim.slack import FakeSlack
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.delivery.conftest import TOKEN, VirtualClock, alert, running, telegram


def plain(text: str) -> str:
    """What the user sees: tags removed, entities decoded."""
    return html.unescape(re.sub(r"</?b>", "", text))


async def test_html_escaping_of_markup_characters_and_korean(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    text = "📰 <삼성전자> & SK하이닉스 > 5%\n삼성전자(005930) 주가 <b>급등</b> & 거래량 급증"
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", text=text))
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) == 1)
    sent = fake_telegram.messages[0]
    assert sent.params["parse_mode"] == "HTML"
    assert sent.text == (
        "<b>📰 &lt;삼성전자&gt; &amp; SK하이닉스 &gt; 5%</b>\n"
        "삼성전자(005930) 주가 &lt;b&gt;급등&lt;/b&gt; &amp; 거래량 급증"
    )
    assert plain(sent.text) == text


async def test_long_message_splits_between_lines_never_inside_an_entity(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    lines = [f"{i:04d} <삼성전자> & 종목 {'가' * 40}" for i in range(200)]
    text = "📰 긴 알림\n" + "\n".join(lines)
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", text=text))
        await d.drain()
    parts = [m.text for m in fake_telegram.messages]
    assert len(parts) >= 3
    for part in parts:
        visible = plain(part)
        assert len(visible.encode("utf-16-le")) // 2 <= 4096
        assert part.count("<b>") == part.count("</b>")
        assert not re.search(r"&[a-z]*$", part), "an entity was cut"
    assert "\n".join(plain(p) for p in parts) == text
    with_button = [bool(m.params.get("reply_markup")) for m in fake_telegram.messages]
    assert with_button == [False] * (len(parts) - 1) + [True], "🔕 under the last part only"


def button_labels(fake: FakeTelegram) -> list[str]:
    """The inline buttons' texts under every message sent."""
    labels = []
    for message in fake.messages:
        markup = message.params.get("reply_markup")
        markup = orjson.loads(markup) if isinstance(markup, str) else markup or {}
        labels += [b["text"] for row in markup.get("inline_keyboard", []) for b in row]
    return labels


@pytest.mark.parametrize(("lang", "label"), [("ko", "🔕 1시간"), ("en", "🔕 1h")])
async def test_the_mute_button_speaks_the_language_in_use(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    clock: VirtualClock,
    request: pytest.FixtureRequest,
    lang: str,
    label: str,
) -> None:
    if lang == "en":
        request.getfixturevalue("english")
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930"))
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) == 1)
    assert button_labels(fake_telegram) == [label]


def test_to_html_bolds_only_the_headline() -> None:
    assert to_html("a<b\nc&d") == "<b>a&lt;b</b>\nc&amp;d"


async def test_options_silent_and_forum_topic(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    spec = telegram(
        fake_telegram.base_url, "-1001234", disable_notification=True, message_thread_id=7
    )
    async with running({"topic": spec}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("topic",)))
        await d.drain()
    params = fake_telegram.messages[0].params
    assert params["disable_notification"] in (True, "true", "True")
    assert int(params["message_thread_id"]) == 7
    assert fake_telegram.messages[0].chat_id == "-1001234"


async def test_429_waits_exactly_retry_after_then_delivers_once(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    fake_telegram.fail_next("sendMessage", error_response(429, "Too Many Requests", 1))
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자"))
        await d.drain()
    sends = [m for m, _ in fake_telegram.requests if m == "sendMessage"]
    assert sends == ["sendMessage", "sendMessage"]
    assert len(fake_telegram.messages) == 1
    retry_wait, *pacing = clock.sleeps
    assert retry_wait == 1.0, "exactly the retry_after Telegram gave"
    assert sum(pacing) < 0.1, "then at most the rest of the 1/s per-chat window"


async def test_5xx_backs_off_and_delivers_once(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    clock: VirtualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_telegram.fail_next(
        "sendMessage",
        error_response(502, "Bad Gateway"),
        error_response(500, "Internal Server Error"),
        error_response(503, "Service Unavailable"),
    )
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자"))
        await d.drain()
    assert len([m for m, _ in fake_telegram.requests if m == "sendMessage"]) == 4
    assert len(fake_telegram.messages) == 1
    backoffs = [float(w) for w in re.findall(r"retry in ([\d.]+)s", caplog.text)]
    assert len(backoffs) == 3
    assert backoffs[0] <= backoffs[1] < backoffs[2] <= 30.0 + 0.5, "exponential, capped"


async def test_403_stops_the_channel_tells_admin_and_spares_others(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    def blocked(method: str, params: dict[str, object]) -> object:
        if method == "sendMessage" and params.get("chat_id") == "111":
            return error_response(403, "Forbidden: bot was blocked by the user")
        return None

    fake_telegram.failures.append(blocked)  # type: ignore[arg-type]
    channels = {
        "blocked": telegram(fake_telegram.base_url, "111"),
        "phone": telegram(fake_telegram.base_url, "222"),
        "desk": {"type": "slack", "token": "xoxb-fake-token", "channel": "#alerts"}
        | {"base_url": fake_slack.base_url},
    }
    async with running(channels, tmp_path / "s.db", clock, admin=("blocked", "desk")) as d:
        for i in range(3):
            d.submit(alert(f"00593{i}", channels=("blocked", "phone")))
        await d.drain()
        assert d.workers["blocked"].stopped is not None
    to_blocked = [
        p for m, p in fake_telegram.requests if m == "sendMessage" and p["chat_id"] == "111"
    ]
    assert len(to_blocked) == 1, "a permanent error is not retried"
    assert len([m for m in fake_telegram.messages if m.chat_id == "222"]) == 3
    notices = [m.text for m in fake_slack.messages]
    assert len(notices) == 1
    assert "blocked" in notices[0] and "403" in notices[0]
    assert TOKEN not in notices[0]


async def test_rejected_token_is_found_at_start_and_never_leaks(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_telegram.fail_next("getMe", error_response(401, "Unauthorized"))
    channels = {
        "phone": telegram(fake_telegram.base_url),
        "desk": {"type": "slack", "token": "xoxb-fake-token", "channel": "#alerts"}
        | {"base_url": fake_slack.base_url},
    }
    async with running(channels, tmp_path / "s.db", clock, admin=("phone", "desk")) as d:
        await fake_slack.wait_for(lambda: len(fake_slack.messages) == 1)
        error = d.workers["phone"].stopped
        problems = d.problems()
    assert error is not None and TOKEN not in str(error)
    assert "secret-telegram-token" not in fake_slack.messages[0].text
    rejected = (
        "telegram: 봇 토큰이 거부되었습니다 (The token `«redacted»` was rejected by the server.)"
    )
    assert problems == [f"채널 phone 중지: {rejected}"]
    assert f"채널 'phone' 중지: {rejected}" in fake_slack.messages[0].text


async def test_chat_migrated_sends_to_the_new_supergroup(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    fake_telegram.fail_next(
        "sendMessage",
        error_response(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-100777),
    )
    spec = telegram(fake_telegram.base_url, "-555")
    async with running({"group": spec}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("group",)))
        d.submit(alert("000660", channels=("group",)))
        await d.drain()
    assert [m.chat_id for m in fake_telegram.messages] == ["-100777", "-100777"]


async def test_read_timeout_resends_marked_as_a_possible_repeat(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    """The decision for "sent, but the answer was lost": send again (a lost alert is worse
    than a repeat), marked 🔁 재전송 so the trader can tell it from a new alert."""
    fake_telegram.fail_next("sendMessage", Hang(deliver=True))
    spec = telegram(fake_telegram.base_url, timeout=0.2)
    async with running({"phone": spec}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자"))
        await d.drain()
    texts = [m.text for m in fake_telegram.messages]
    assert len(texts) == 2
    assert "재전송" not in texts[0] and "🔁 재전송" in texts[1]


async def test_late_alert_is_delivered_and_marked(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자", created=clock.now() - timedelta(minutes=12)))
        await d.drain()
    headline = fake_telegram.messages[0].text.partition("\n")[0]
    assert headline == "<b>⚡ VI 발동 삼성전자(005930) · ⏰ 지연 12분</b>"


async def test_a_split_message_resumes_after_the_part_that_failed(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    calls = 0

    def second_send_fails(method: str, params: dict[str, object]) -> object:
        nonlocal calls
        if method == "sendMessage":
            calls += 1
            if calls == 2:
                return error_response(502, "Bad Gateway")
        return None

    fake_telegram.failures.append(second_send_fails)  # type: ignore[arg-type]
    text = "📰 긴 알림\n" + "\n".join(f"{i:04d} {'나' * 60}" for i in range(150))
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", text=text))
        await d.drain()
    parts = [plain(m.text) for m in fake_telegram.messages]
    assert len(parts) == 3 and calls == 4
    assert "\n".join(parts) == text, "each part once, in order"


async def test_no_log_line_carries_the_token(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    clock: VirtualClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    fake_telegram.fail_next("sendMessage", error_response(500, "oops"))
    fake_telegram.fail_next("getMe", error_response(401, "Unauthorized"))
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930"))
        await d.drain()
    assert "phone: stopped" in caplog.text
    assert "secret-telegram-token" not in caplog.text


async def test_html_the_service_refuses_still_goes_as_plain_text(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    fake_telegram.fail_next(
        "sendMessage", error_response(400, "Bad Request: can't parse entities: unexpected <")
    )
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자"))
        await d.drain()
        assert d.workers["phone"].stopped is None
    [sent] = fake_telegram.messages
    assert "parse_mode" not in sent.params
    assert sent.text.startswith("⚡ VI 발동 삼성전자(005930)\n")
