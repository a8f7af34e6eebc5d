"""Chat commands through the fake Telegram's getUpdates, with python-telegram-bot polling."""

from __future__ import annotations

from pathlib import Path

import orjson
from aiohttp import web

from alertbot.delivery import mute_button
from alertbot.ops.mutes import MuteStore
from alertbot.sim.kiwoom import KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram, error_response
from alertbot.state import StateDB
from tests.ops_support import (
    GROUP_CHAT,
    OWNER_CHAT,
    STRANGER_CHAT,
    get,
    running_app,
    texts,
)


async def _confirmed(telegram: FakeTelegram, update_id: int) -> None:
    """The poller has handled ``update_id`` once it asks for the updates after it."""
    await telegram.wait_for(lambda: telegram.updates.confirmed >= update_id)


async def test_allowed_chats_are_answered_strangers_ignored(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        await fake_telegram.updates.push_message(STRANGER_CHAT, "/status")
        await fake_telegram.updates.push_message(STRANGER_CHAT, "/mute vi-a")
        await fake_telegram.updates.push_message(OWNER_CHAT, "/status")
        await fake_telegram.wait_for(lambda: any("보낼 알림" in t for t in texts(fake_telegram)))
        last = await fake_telegram.updates.push_message(GROUP_CHAT, "/rules@alertbot_test_bot")
        await _confirmed(fake_telegram, last)
        await fake_telegram.wait_for(lambda: bool(texts(fake_telegram, GROUP_CHAT)))
        _, metrics = await get(app.runtime.http, "/metrics")
    assert texts(fake_telegram, STRANGER_CHAT) == []
    assert "alertbot_commands_ignored_total 2.0" in metrics
    assert app.mutes is not None and app.mutes.active() == []  # the stranger's /mute did nothing
    status = next(t for t in texts(fake_telegram) if "보낼 알림" in t)
    assert "kiwoom: 연결됨" in status
    assert "규칙: 2개" in status
    assert texts(fake_telegram, GROUP_CHAT) == ["vi-a — vi\nvi-b — vi"]


async def test_mute_and_unmute_commands(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        for text in ("/mute vi-a 2h", "/mute nope", "/mute vi-b soon"):
            await fake_telegram.updates.push_message(OWNER_CHAT, text)
        await fake_telegram.wait_for(lambda: any("soon" in t for t in texts(fake_telegram)))
        assert app.mutes is not None
        assert [(m.rule, m.symbol) for m in app.mutes.active()] == [("vi-a", "")]

        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400, hhmmss="090512")])
        await fake_telegram.wait_for(
            lambda: any(t.startswith("<b>B ") for t in texts(fake_telegram))
        )

        await fake_telegram.updates.push_message(OWNER_CHAT, "/unmute vi-a")
        await fake_telegram.wait_for(lambda: any("음소거 해제" in t for t in texts(fake_telegram)))
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400, hhmmss="093000")])
        await fake_telegram.wait_for(lambda: any("A 삼성전자" in t for t in texts(fake_telegram)))
    replies = [t for t in texts(fake_telegram) if not t.startswith("<b>")]
    assert "🔕 vi-a 2시간 음소거" in replies
    assert "'nope' 규칙이 없습니다. /rules 로 목록을 보세요." in replies
    assert "60s, 5m, 1h 같은 기간이어야 합니다 (입력: 'soon')" in replies
    alerts = [t.split("\n")[0] for t in texts(fake_telegram) if t.startswith("<b>")]
    # vi-a stayed quiet while muted, spoke again once unmuted
    assert [a for a in alerts if "삼성전자" in a] == [
        "<b>B 삼성전자(005930) 09:05:12</b>",
        "<b>A 삼성전자(005930) 09:30:00</b>",
        "<b>B 삼성전자(005930) 09:30:00</b>",
    ]


async def test_button_mutes_exactly_that_rule_and_symbol(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400, hhmmss="090512")])
        await fake_telegram.wait_for(  # both rules' alerts (paced at 1/s per chat) are out
            lambda: all(
                any(t.startswith(f"<b>{rule} ") for t in texts(fake_telegram)) for rule in "AB"
            )
        )
        alert = next(m for m in fake_telegram.messages if m.text.startswith("<b>A "))
        markup = alert.params["reply_markup"]
        markup = orjson.loads(markup) if isinstance(markup, str) else markup
        (button,) = markup["inline_keyboard"][0]
        assert button["text"] == "🔕 1시간"

        pressed = await fake_telegram.updates.push_callback(OWNER_CHAT, button["callback_data"])
        await _confirmed(fake_telegram, pressed)
        await fake_telegram.wait_for(
            lambda: any(m == "answerCallbackQuery" for m, _ in fake_telegram.requests)
        )
        before = len(fake_telegram.messages)
        await kiwoom_sim.push(
            [
                vi_entry("005930", "삼성전자", price=78400, hhmmss="093000"),
                vi_entry("000660", "SK하이닉스", price=201500, hhmmss="093000"),
            ]
        )
        await app.events.wait(3)
        assert app.delivery is not None
        await app.delivery.drain()
    answer = next(p for m, p in fake_telegram.requests if m == "answerCallbackQuery")
    assert answer["text"] == "🔕 vi-a · 005930 1시간 음소거"
    after = sorted(m.text.split("\n")[0] for m in fake_telegram.messages[before:])
    assert after == [
        "<b>A SK하이닉스(000660) 09:30:00</b>",
        "<b>B SK하이닉스(000660) 09:30:00</b>",
        "<b>B 삼성전자(005930) 09:30:00</b>",
    ]
    # the mute is in the state database: a restarted bot still honours it
    reopened = MuteStore(StateDB(tmp_path / "state.db"))
    assert reopened.muted("vi-a", "005930")
    assert not reopened.muted("vi-a", "000660")
    assert not reopened.muted("vi-b", "005930")


async def test_button_from_a_stranger_is_ignored(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        pressed = await fake_telegram.updates.push_callback(
            STRANGER_CHAT, mute_button.encode("vi-a", "005930")
        )
        await _confirmed(fake_telegram, pressed)
        last = await fake_telegram.updates.push_message(OWNER_CHAT, "/status")
        await _confirmed(fake_telegram, last)
    assert app.mutes is not None and app.mutes.active() == []
    assert not any(m == "answerCallbackQuery" for m, _ in fake_telegram.requests)


async def test_test_command_sends_a_sample_alert(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram):
        await fake_telegram.updates.push_message(OWNER_CHAT, "/test")
        await fake_telegram.wait_for(lambda: any("시험 알림" in t for t in texts(fake_telegram)))
    assert "시험 알림을 보냈습니다: phone" in texts(fake_telegram)


def test_long_rule_names_fit_the_button() -> None:
    rule = "삼성전자-반도체-관련주-VI-발동-감시-규칙-아주-긴-이름"
    data = mute_button.encode(rule, "005930")
    assert len(data.encode()) <= mute_button.LIMIT
    assert mute_button.decode(data, {"other", rule}) == (rule, "005930")
    assert mute_button.decode(data, {"other"}) is None
    assert mute_button.decode(mute_button.encode("vi-a", "005930"), {"vi-a"}) == ("vi-a", "005930")


async def test_polling_survives_a_failed_get_updates(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    failed: list[str] = []

    def bad_gateway_once(method: str, _params: dict[str, object]) -> web.Response | None:
        if method == "getUpdates" and not failed:
            failed.append(method)
            return error_response(502, "Bad Gateway")
        return None

    fake_telegram.failures.append(bad_gateway_once)
    async with running_app(tmp_path, kiwoom_sim, fake_telegram):
        await fake_telegram.updates.push_message(OWNER_CHAT, "/rules")
        await fake_telegram.wait_for(lambda: "vi-a — vi\nvi-b — vi" in texts(fake_telegram))
    assert failed == ["getUpdates"]
