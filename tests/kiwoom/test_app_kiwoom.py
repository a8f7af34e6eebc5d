"""The app builds the Kiwoom feed from the environment: app key and secret, or a ready token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from alertbot.app import App
from alertbot.feeds.build import unserved
from alertbot.feeds.ls.client import LsFeed
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_APPKEY, SIM_SECRETKEY, SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram
from tests.conftest import static

RULES = """
channels:
  phone: {type: telegram, token: "123:fake", chat_id: "7", base_url: "${TELEGRAM_BASE_URL}"}
defaults: {notify: [phone]}
rules:
  - {name: vi-all, event: vi}
"""


@pytest.mark.parametrize(
    "credentials",
    [
        {"KIWOOM_APPKEY": SIM_APPKEY, "KIWOOM_SECRETKEY": SIM_SECRETKEY},
        {"KIWOOM_TOKEN": SIM_TOKEN},
        {"KIWOOM_APPKEY": SIM_APPKEY, "KIWOOM_SECRETKEY": SIM_SECRETKEY, "KIWOOM_TOKEN": "old"},
    ],
    ids=["app-key", "ready-token", "app-key-wins"],
)
async def test_vi_alert_with_each_kind_of_credentials(
    tmp_path: Path,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    credentials: dict[str, str],
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    settings = Settings.from_env(
        {
            **credentials,
            "KIWOOM_API_URL": kiwoom_sim.api_url,
            "KIWOOM_WS_URL": kiwoom_sim.url,
            "ALERTBOT_RULES": str(tmp_path),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
        }
    )
    app = App(settings, env={"TELEGRAM_BASE_URL": fake_telegram.base_url})
    await app.start()
    try:
        await kiwoom_sim.wait_for(
            lambda: any(("1h", "") in s.registrations for s in kiwoom_sim.live)
        )
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) == 1)
    finally:
        await app.stop()
    (session,) = kiwoom_sim.sessions
    issued = "KIWOOM_APPKEY" in credentials
    assert session.token == ("sim-issued-1" if issued else SIM_TOKEN)
    assert len(kiwoom_sim.token_requests) == int(issued)


UNSERVED = """
channels:
  log: {type: console}
defaults: {notify: [log], admin: [log]}
rules:
  - {name: vi-all, event: vi}
  - {name: halts, event: market}
  - {name: battery-news, event: news, keywords: ["2차전지"]}
  - {name: lithium-news, event: news, keywords: ["리튬"]}
"""


async def test_a_kiwoom_only_bot_names_the_rules_it_cannot_serve(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """Market status and news come from LS only: said once at start and in ``/status``."""
    (tmp_path / "rules.yaml").write_text(UNSERVED, encoding="utf-8")
    settings = Settings.from_env(
        {
            "KIWOOM_TOKEN": SIM_TOKEN,
            "KIWOOM_WS_URL": kiwoom_sim.url,
            "ALERTBOT_RULES": str(tmp_path),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
        }
    )
    caplog.set_level(logging.WARNING, "alertbot")
    app = App(settings, env={})
    await app.start()
    try:
        lines = app.view.unserved()
    finally:
        await app.stop()
    assert lines == [
        "실행 중인 피드(kiwoom)로는 market 규칙을 처리할 수 없습니다: halts",
        "실행 중인 피드(kiwoom)로는 news 규칙을 처리할 수 없습니다: battery-news, lithium-news",
    ]
    notices = [r.getMessage() for r in caplog.records if "실행 중인 피드" in r.getMessage()]
    assert len(notices) == 2


def test_an_ls_only_bot_cannot_serve_condition_rules() -> None:
    ls_only = [LsFeed("ws://unused", static(SIM_TOKEN), on_event=lambda _e: None)]
    rules = [("scanner", "condition"), ("fills", "fill"), ("halts", "market")]
    assert unserved(rules, ls_only) == [
        "실행 중인 피드(ls)로는 condition 규칙을 처리할 수 없습니다: scanner"
    ]
    assert unserved(rules, []) == []  # no feed at all: readiness says so already
