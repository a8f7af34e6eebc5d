"""Faults a chat service answers with, through the real clients against the fakes: a message
the service refuses is set aside and never blocks the rest; a channel it refuses stops and
says so; sizes hold after escaping; nothing one alert does costs another its place."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import pytest

from alertbot.delivery.notifiers.split import split_text
from alertbot.delivery.store import DeliveryStore
from alertbot.sim.slack import FakeSlack, slack_error
from alertbot.sim.telegram import FakeTelegram, error_response
from alertbot.state import StateDB
from tests.delivery.conftest import VirtualClock, alert, running, slack, telegram

POISON = "독약"


def refuse_poison(method: str, params: dict[str, Any]) -> Any:
    """Telegram refuses any message holding POISON, in every form (HTML or plain)."""
    if method == "sendMessage" and POISON in str(params.get("text", "")):
        return error_response(400, "Bad Request: BUTTON_DATA_INVALID")
    return None


def telegram_texts(fake: FakeTelegram, chat: str = "424242") -> list[str]:
    return [html.unescape(m.text) for m in fake.messages if m.chat_id == chat]


async def test_a_refused_message_is_set_aside_and_the_rest_flows_also_after_restart(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_telegram.failures.append(refuse_poison)
    channels = {"phone": telegram(fake_telegram.base_url), "desk": slack(fake_slack)}
    path = tmp_path / "s.db"
    async with running(channels, path, clock, admin=("phone", "desk")) as d:
        d.submit(alert("005930", "삼성전자", text=f"⚡ VI {POISON}\n삼성전자(005930)"))
        await d.drain()
        d.submit(alert("000660", "SK하이닉스"))
        await d.drain()
        assert d.workers["phone"].stopped is None
        assert d.dead_letters() == 1
    poisoned = [p for m, p in fake_telegram.requests if POISON in str(p.get("text", ""))]
    assert len(poisoned) == 2, "once as formatted, once in the safe form"
    assert "parse_mode" not in poisoned[1] and "reply_markup" not in poisoned[1]
    texts = telegram_texts(fake_telegram)
    assert any("SK하이닉스(000660)" in t for t in texts), "later alerts flow"
    [notice] = [m.text for m in fake_slack.messages]
    assert "vi-watch" in notice and "005930" in notice and "button_data_invalid" in notice.lower()
    assert any("보관" in t and "005930" in t for t in texts), "the phone is told too"

    sent_before = len(fake_telegram.requests)
    async with running(channels, path, clock, admin=("phone", "desk")) as d:
        d.submit(alert("035420", "NAVER"))
        await d.drain()
    again = [p for _, p in fake_telegram.requests[sent_before:] if POISON in str(p.get("text"))]
    assert again == [], "a dead letter never blocks anything again, restart or not"
    assert any("NAVER(035420)" in t for t in telegram_texts(fake_telegram))
    state = StateDB(path)
    assert DeliveryStore(state).counts() == {}
    assert DeliveryStore(state).dead_letters() == 1
    state.close()


async def test_a_refused_digest_goes_one_by_one_and_only_the_bad_alert_is_set_aside(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    def refuse_poison_summary(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and "POISONED" in str(params.get("text", "")):
            return error_response(400, "Bad Request: can't parse entities")
        return None

    fake_telegram.failures.append(refuse_poison_summary)
    symbols = [f"00{i:04d}" for i in range(8)]
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        for i, symbol in enumerate(symbols):
            d.submit(alert(symbol, "POISONED" if i == 3 else "종목"))
        await d.drain()
        assert d.dead_letters() == 1
    shown = "\n".join(telegram_texts(fake_telegram))
    for i, symbol in enumerate(symbols):
        assert (f"({symbol})" in shown) == (i != 3), symbol


async def test_a_channel_refused_stops_tells_admin_and_drain_still_ends(
    tmp_path: Path,
    fake_telegram: FakeTelegram,
    clock: VirtualClock,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def chat_not_found(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and params.get("chat_id") == "999":
            return error_response(400, "Bad Request: chat not found")
        return None

    fake_telegram.failures.append(chat_not_found)
    channels = {
        "dead": telegram(fake_telegram.base_url, "999"),
        "phone": telegram(fake_telegram.base_url),
        "log": {"type": "console"},
    }
    async with running(channels, tmp_path / "s.db", clock, admin=("dead", "phone", "log")) as d:
        d.submit(alert("005930", channels=("dead",)))
        await d.drain()
        assert d.problems() == ["채널 dead 중지: telegram 400: Chat not found"]
        d.submit(alert("000660", channels=("dead", "phone")))  # a stopped channel gets more
        await d.drain()  # ends: a stopped channel owes nothing it can send
        assert d.pending() == 2
    notices = [t for t in telegram_texts(fake_telegram) if "중지" in t]
    assert len(notices) == 1 and "'dead'" in notices[0] and "chat not found" in notices[0].lower()
    assert "[log] 🤖 alertbot\n⚠️ 채널 'dead' 중지" in capsys.readouterr().out, "the console too"


async def test_a_notice_that_cannot_be_stored_costs_no_alert_its_place(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자"))
        d.notice(["phone"], "🤖 feed says \ud800 broken")  # a lone surrogate
        d.submit(alert("000660", "SK하이닉스"))
        await d.drain()
    shown = "\n".join(telegram_texts(fake_telegram))
    assert "삼성전자(005930)" in shown and "SK하이닉스(000660)" in shown
    assert "feed says ? broken" in shown


async def test_slack_digest_of_escaped_headlines_fits_every_block(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    async with running({"desk": slack(fake_slack)}, tmp_path / "s.db", clock) as d:
        for i in range(300):
            headline = f"📰 M&A <속보> & A&B 합병 {i:03d} & R&D & <공시> & M&A"
            d.submit(alert(f"{i:06d}", channels=("desk",), text=f"{headline}\n본문"))
        await d.drain()
        assert d.dead_letters() == 0 and d.workers["desk"].stopped is None
    posts = [p for m, p in fake_slack.requests if m == "chat.postMessage"]
    assert len(posts) == len(fake_slack.messages), "Slack refused none"
    sections = [b["text"]["text"] for m in fake_slack.messages for b in m.blocks]
    assert max(len(s) for s in sections) <= 3000
    found = re.findall(r"\((\d{6})\)", html.unescape("\n".join(sections)))
    assert sorted(found) == [f"{i:06d}" for i in range(300)], "every alert once"


def test_no_part_is_ever_empty() -> None:
    assert split_text("x" * 4096 + "\n", 4096) == ["x" * 4096]
    assert split_text("x" * 4096 + "\n\n  \n" + "y", 4096) == ["x" * 4096, "\n  \ny"]


async def test_a_text_ending_in_a_newline_at_the_limit_goes_in_one_part(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    text = "⚡ VI\n" + "가" * (4096 - 5) + "\n"
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", text=text))
        await d.drain()
        assert d.dead_letters() == 0
    assert [m for m, _ in fake_telegram.requests].count("sendMessage") == 1


async def test_slack_refusing_the_blocks_gets_the_text_alone(
    tmp_path: Path, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_slack.fail_next("chat.postMessage", slack_error("invalid_blocks"))
    async with running({"desk": slack(fake_slack)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", "삼성전자", channels=("desk",)))
        await d.drain()
        assert d.workers["desk"].stopped is None and d.dead_letters() == 0
    [sent] = fake_slack.messages
    assert sent.blocks == [] and sent.text.startswith("⚡ VI 발동 삼성전자(005930)")
