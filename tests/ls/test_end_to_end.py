"""Alerts the whole way: simulated LS (and Kiwoom) → app → fake Telegram, over real sockets."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim import kiwoom as kiwoom_sim_module
from alertbot.sim import ls as sim
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.ls import SIM_APPKEY, SIM_APPSECRET, LsSimulator
from alertbot.sim.telegram import FakeTelegram

CHANNELS = """
channels:
  phone:
    type: telegram
    token: ${TELEGRAM_BOT_TOKEN}
    chat_id: "424242"
    base_url: ${TELEGRAM_BASE_URL}
defaults:
  notify: [phone]
"""


def ls_env(ls: LsSimulator, tmp_path: Path) -> dict[str, str]:
    """App key login: the app issues its token from the simulator's token endpoint."""
    return {
        "LS_APPKEY": SIM_APPKEY,
        "LS_APPSECRET": SIM_APPSECRET,
        "LS_API_URL": ls.api_url,
        "LS_WS_URL": ls.ws_url,
        "ALERTBOT_RULES": str(tmp_path),
        "ALERTBOT_STATE": str(tmp_path / "state.db"),
    }


@pytest.fixture
def start_app(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> Callable[[str, dict[str, str]], AbstractAsyncContextManager[App]]:
    """``async with start_app(rules, env) as app:`` runs the real app on those rules."""

    @contextlib.asynccontextmanager
    async def start(rules: str, env: dict[str, str]) -> AsyncIterator[App]:
        (tmp_path / "rules.yaml").write_text(CHANNELS + rules, encoding="utf-8")
        telegram = {"TELEGRAM_BOT_TOKEN": "123:fake", "TELEGRAM_BASE_URL": fake_telegram.base_url}
        async with App(Settings.from_env(env), env=telegram) as app:
            yield app

    return start


@pytest.mark.parametrize("login", ["appkey", "token"])
async def test_vi_from_ls_reaches_telegram(
    tmp_path: Path, ls_sim: LsSimulator, fake_telegram: FakeTelegram, start_app, login: str
) -> None:
    """With LS_APPKEY/LS_APPSECRET the app issues its token; LS_TOKEN is used as given."""
    rules = """
rules:
  - name: vi-watch
    event: vi
    symbols: ["005930"]
"""
    env = ls_env(ls_sim, tmp_path)
    if login == "token":
        del env["LS_APPKEY"], env["LS_APPSECRET"]
        env["LS_TOKEN"] = sim.SIM_TOKEN
    async with start_app(rules, env):
        await ls_sim.wait_for(lambda: ls_sim.subscribed("VI_", "000000"))
        await ls_sim.push(sim.vi("000660", trigger=201500, static_ref=183200))  # not watched
        await ls_sim.push(
            sim.vi("005930", trigger=78400, static_ref=71280, hhmmss="090512", gubun="1")
        )
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) >= 1)
    assert len(ls_sim.token_requests) == (1 if login == "appkey" else 0)
    (message,) = fake_telegram.messages
    assert "005930" in message.text and "78,400" in message.text
    assert "발동" in message.text and "+9.99%" in message.text


async def test_both_feeds_run_in_oneapp(
    tmp_path: Path,
    ls_sim: LsSimulator,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    start_app,
) -> None:
    rules = """
rules:
  - name: vi-all
    event: vi
"""
    env = {
        **ls_env(ls_sim, tmp_path),
        "KIWOOM_TOKEN": kiwoom_sim_module.SIM_TOKEN,
        "KIWOOM_WS_URL": kiwoom_sim.url,
    }
    async with start_app(rules, env) as app:
        assert sorted(feed.name for feed in app.feeds) == ["kiwoom", "ls"]
        await ls_sim.wait_for(lambda: ls_sim.subscribed("VI_", "000000"))
        await kiwoom_sim.wait_for(
            lambda: any(("1h", "") in s.registrations for s in kiwoom_sim.live)
        )
        await kiwoom_sim.push([kiwoom_sim_module.vi_entry("005930", "삼성전자", price=78400)])
        await ls_sim.push(sim.vi("000660", trigger=201500, static_ref=183200))
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) >= 2)
    texts = sorted(m.text for m in fake_telegram.messages)
    assert any("000660" in t and "201,500" in t for t in texts)
    assert any("삼성전자(005930)" in t and "78,400" in t for t in texts)


async def test_circuit_breaker_and_sidecar_from_jif_reach_telegram(
    tmp_path: Path, ls_sim: LsSimulator, fake_telegram: FakeTelegram, start_app
) -> None:
    rules = """
rules:
  - name: market-halts
    event: market
    status: [circuit_breaker, sidecar]
"""
    async with start_app(rules, ls_env(ls_sim, tmp_path)):
        await ls_sim.wait_for(lambda: ls_sim.subscribed("JIF", "0"))
        for frame in (sim.jif("1", "21"), sim.jif("1", "64"), sim.jif("2", "61")):
            await ls_sim.push(frame)
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) >= 2)
    texts = [m.text for m in fake_telegram.messages]
    assert len(texts) == 2
    assert any("사이드카 매도 발동" in t for t in texts)
    assert any("서킷브레이커 1단계 발동" in t for t in texts)


async def test_keyword_news_from_nws_reaches_telegram(
    tmp_path: Path, ls_sim: LsSimulator, fake_telegram: FakeTelegram, start_app
) -> None:
    rules = """
rules:
  - name: battery-news
    event: news
    keywords: ["2차전지", "리튬"]
"""
    title = "STX, ‘2차전지 핵심’ 수산화리튬 사업 박차…中 영정리튬과 MOU"
    async with start_app(rules, ls_env(ls_sim, tmp_path)):
        await ls_sim.wait_for(lambda: ls_sim.subscribed("NWS", "NWS001"))
        await ls_sim.push(sim.news("반도체 수출 증가", realkey="n1", codes=("005930",)))
        await ls_sim.push(sim.news(title, realkey="n2", codes=("011810",)))
        await fake_telegram.wait_for(lambda: len(fake_telegram.messages) >= 1)
    (message,) = fake_telegram.messages
    assert title in message.text
