"""Delivery faults seen from the running app: a dead chat makes ``/readyz`` answer 503 naming
it, a refused message shows in ``/status`` and the metrics, and a muted alert starts no
cooldown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from alertbot.app import App
from alertbot.sim.kiwoom import KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.ops_support import OWNER_CHAT, RULES, running_app

DEAD_CHAT = "-100999"
DESK = f"""  desk:
    type: telegram
    token: ${{TELEGRAM_BOT_TOKEN}}
    chat_id: "{DEAD_CHAT}"
    base_url: ${{TELEGRAM_BASE_URL}}
    commands: false
defaults:"""
TWO_CHATS = RULES.replace("defaults:", DESK).replace("notify: [phone]", "notify: [phone, desk]")


async def readyz(app: App) -> tuple[int, dict[str, Any]]:
    assert app.runtime.http is not None
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{app.runtime.http.port}/readyz") as response,
    ):
        return response.status, await response.json()


def chat_not_found(method: str, params: dict[str, Any]) -> Any:
    if method == "sendMessage" and str(params.get("chat_id")) == DEAD_CHAT:
        return error_response(400, "Bad Request: chat not found")
    return None


async def test_a_dead_chat_makes_readyz_503_naming_it(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    fake_telegram.failures.append(chat_not_found)
    async with running_app(tmp_path, kiwoom_sim, fake_telegram, rules=TWO_CHATS) as app:
        assert (await readyz(app))[0] == 200
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await fake_telegram.wait_for(
            lambda: any("중지" in m.text and "desk" in m.text for m in fake_telegram.messages)
        )
        status, body = await readyz(app)
        alerts = [m for m in fake_telegram.messages if m.chat_id == str(OWNER_CHAT)]
    assert status == 503
    assert any("desk" in p and "chat not found" in p.lower() for p in body["problems"]), body
    assert any("A 삼성전자(005930)" in m.text for m in alerts), "the working chat still gets it"


async def test_a_refused_message_shows_in_status_and_metrics(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    def too_long(method: str, params: dict[str, Any]) -> Any:
        if method == "sendMessage" and "B 삼성전자" in str(params.get("text")):
            return error_response(400, "Bad Request: message is too long")
        return None

    fake_telegram.failures.append(too_long)
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await fake_telegram.wait_for(lambda: any("보관" in m.text for m in fake_telegram.messages))
        await fake_telegram.updates.push_message(OWNER_CHAT, "/status")
        await fake_telegram.wait_for(
            lambda: any("보낼 알림" in m.text for m in fake_telegram.messages)
        )
        assert (await readyz(app))[0] == 200, "a refused message is not a dead channel"
        body = app.metrics.render().decode()
    status = next(m.text for m in fake_telegram.messages if "보낼 알림" in m.text)
    assert "따로 보관한 메시지: 1건" in status
    assert 'alertbot_dead_letters_total{channel="phone"} 1.0' in body
    notice = next(m.text for m in fake_telegram.messages if "보관" in m.text)
    assert "vi-b" in notice and "005930" in notice and "too long" in notice
