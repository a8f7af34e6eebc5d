"""/readyz is honest about a bot that can never alert: no rules, or no feed for real channels."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
from prometheus_client.parser import text_string_to_metric_families

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.ops_support import feed_reading, get, running_app

TELEGRAM_RULE = """
channels:
  phone: {type: telegram, token: "7000000001:AAE-ready", chat_id: "42", base_url: "BASE"}
defaults: {notify: [phone], admin: [phone]}
rules:
  - {name: vi-all, event: vi}
"""
CONSOLE_RULE = """
channels:
  log: {type: console}
defaults: {notify: [log]}
rules:
  - {name: vi-all, event: vi}
"""
NO_RULES = """
channels:
  log: {type: console}
rules: []
"""


@asynccontextmanager
async def started(tmp_path: Path, rules: str, env: dict[str, str]) -> AsyncIterator[App]:
    folder = tmp_path / "rules"
    folder.mkdir(parents=True)
    (folder / "rules.yaml").write_text(rules, encoding="utf-8")
    settings = Settings.from_env(
        {
            "ALERTBOT_RULES": str(folder),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
            **env,
        }
    )
    async with App(settings, env={}) as app:
        yield app


async def readyz(app: App) -> tuple[int, list[str]]:
    status, body = await get(app.runtime.http, "/readyz")
    return status, orjson.loads(body)["problems"]


async def test_no_feed_for_a_telegram_channel_is_not_ready(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    rules = TELEGRAM_RULE.replace("BASE", fake_telegram.base_url)
    async with started(tmp_path, rules, {}) as app:
        status, problems = await readyz(app)
    assert status == 503
    (problem,) = problems
    assert "피드 없음" in problem and "KIWOOM_APPKEY" in problem and "LS_APPKEY" in problem


async def test_console_only_rules_need_no_feed(tmp_path: Path) -> None:
    async with started(tmp_path, CONSOLE_RULE, {}) as app:
        assert await readyz(app) == (200, [])


async def test_zero_rules_is_not_ready_even_with_a_feed(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator
) -> None:
    feed = {"KIWOOM_TOKEN": SIM_TOKEN, "KIWOOM_WS_URL": kiwoom_sim.url}
    async with started(tmp_path, NO_RULES, feed) as app:
        await kiwoom_sim.wait_for(lambda: bool(kiwoom_sim.live))
        status, problems = await readyz(app)
    assert status == 503
    assert [p for p in problems if p.startswith("규칙 0개")] == [
        f"규칙 0개: {tmp_path / 'rules'}에 규칙이 없습니다 — "
        "폴더 경로(ALERTBOT_RULES, 볼륨 마운트)를 확인하세요"
    ]


async def test_a_rule_and_a_logged_in_feed_are_ready(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator
) -> None:
    feed = {"KIWOOM_TOKEN": SIM_TOKEN, "KIWOOM_WS_URL": kiwoom_sim.url}
    async with started(tmp_path, CONSOLE_RULE, feed) as app:
        await feed_reading(kiwoom_sim)
        assert await readyz(app) == (200, [])


async def test_a_stopped_channel_shows_in_metrics_until_restart(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        assert app.delivery is not None
        await asyncio.wait_for(app.delivery.drain(), 5)  # the start notice went out
        assert stopped(await get(app.runtime.http, "/metrics")) == 0
        fake_telegram.fail_next("sendMessage", error_response(403, "Forbidden: bot was kicked"))
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await app.events.wait(1)
        await asyncio.wait_for(app.delivery.drain(), 5)  # ends once the channel has stopped
        assert stopped(await get(app.runtime.http, "/metrics")) == 1
        status, problems = await readyz(app)
    assert status == 503 and any("phone" in p for p in problems)


def stopped(answer: tuple[int, str]) -> float:
    (value,) = [
        sample.value
        for family in text_string_to_metric_families(answer[1])
        for sample in family.samples
        if sample.name == "alertbot_channel_stopped" and sample.labels == {"channel": "phone"}
    ]
    return value


async def test_a_bot_not_started_or_stopping_is_not_ready(tmp_path: Path) -> None:
    """Before its start and from its stop on, the bot takes no event: /readyz says so."""
    app = App(Settings.from_env({"ALERTBOT_STATE": str(tmp_path / "s.db")}), env={})
    assert app.view.readiness() == ["시작 중이거나 멈추는 중입니다 (알림을 받지 않음)"]


async def test_reasons_are_english_with_alertbot_lang_en(
    tmp_path: Path, fake_telegram: FakeTelegram, english: None
) -> None:
    """The same reasons, in English; the machine parts (env var names, the path) unchanged."""
    rules = TELEGRAM_RULE.replace("BASE", fake_telegram.base_url)
    async with started(tmp_path / "feedless", rules, {}) as app:
        no_feed = await readyz(app)
    async with started(tmp_path / "empty", NO_RULES, {}) as app:
        no_rules = await readyz(app)
    assert no_feed == (
        503,
        [
            "no feed: no broker keys are set — set KIWOOM_APPKEY and KIWOOM_SECRETKEY "
            "(or KIWOOM_TOKEN), LS_APPKEY and LS_APPSECRET (or LS_TOKEN), or DART_API_KEY"
        ],
    )
    assert no_rules == (
        503,
        [
            f"0 rules: {tmp_path / 'empty' / 'rules'} holds no rules — check the folder path "
            "(ALERTBOT_RULES, volume mount)"
        ],
    )
