"""One alert the whole way: simulated Kiwoom → app → fake Telegram, over real sockets."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram

RULES = """
channels:
  phone:
    type: telegram
    token: ${TELEGRAM_BOT_TOKEN}
    chat_id: "424242"
    base_url: ${TELEGRAM_BASE_URL}
defaults:
  notify: [phone]
rules:
  - name: vi-watch
    event: vi
    symbols: ["005930"]
"""


async def test_vi_reaches_telegram(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    settings = Settings.from_env(
        {
            "KIWOOM_TOKEN": SIM_TOKEN,
            "KIWOOM_WS_URL": kiwoom_sim.url,
            "ALERTBOT_RULES": str(tmp_path),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
        }
    )
    env = {"TELEGRAM_BOT_TOKEN": "123:fake-token", "TELEGRAM_BASE_URL": fake_telegram.base_url}
    app = App(settings, env=env)
    await app.start()
    try:
        await kiwoom_sim.wait_for(
            lambda: any(("1h", "") in s.registrations for s in kiwoom_sim.live)
        )
        await kiwoom_sim.push(
            [
                vi_entry("000660", "SK하이닉스", price=201500),  # not on the watch list
                vi_entry("005930", "삼성전자", price=78400, hhmmss="090512"),
            ]
        )
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) >= 1)
    finally:
        await app.stop()
    assert len(fake_telegram.messages) == 1
    message = fake_telegram.messages[0]
    assert message.chat_id == "424242"
    assert message.token == "123:fake-token"
    assert "삼성전자(005930)" in message.text
    assert "78,400" in message.text
    assert message.params.get("parse_mode") == "HTML"


async def test_no_broker_credentials_says_which_to_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bot with rules but no feed is almost always a missing env file: say so at start."""
    rules = "channels:\n  log: {type: console}\ndefaults:\n  admin: [log]\nrules: []\n"
    (tmp_path / "rules.yaml").write_text(rules, encoding="utf-8")
    settings = Settings.from_env(
        {
            "ALERTBOT_RULES": str(tmp_path),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
        }
    )
    app = App(settings, env={}, watcher=None)
    await app.start()
    assert app.feeds == []
    await app.stop()
    printed = capsys.readouterr().out
    assert "피드: 없음" in printed and "KIWOOM_APPKEY" in printed and "LS_TOKEN" in printed
