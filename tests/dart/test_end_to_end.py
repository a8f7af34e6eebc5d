"""Disclosures the whole way: simulated OpenDART → the real app → fake Telegram, over sockets.

The app runs on the wall clock, so filings are dated today (KST); each test wakes the poller
(``poll_now``) instead of waiting out the poll interval, and waits on the fakes, never sleeps.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest
from aiohttp import web

from alertbot.app import App
from alertbot.feeds.dart.client import DartFeed
from alertbot.ops.logs import settings_secrets, setup_logging
from alertbot.settings import Settings
from alertbot.sim.dart import SIM_KEY, DartSimulator, filing, status_response
from alertbot.sim.telegram import FakeTelegram
from tests.dart.conftest import buyback, rcept

RULES = """
channels:
  phone:
    type: telegram
    token: ${TELEGRAM_BOT_TOKEN}
    chat_id: "424242"
    base_url: ${TELEGRAM_BASE_URL}
defaults:
  notify: [phone]
  admin: [phone]
rules:
  - name: buyback
    event: disclosure
    keywords: ["자기주식취득", "단일판매"]
    exclude: ["기재정정"]
    symbols: ["005930", "000660"]
"""
LINK = "https://dart.fss.or.kr/dsaf001/main.do?rcpNo="

StartApp = Callable[[], AbstractAsyncContextManager[App]]


def dart_env(dart: DartSimulator, tmp_path: Path) -> dict[str, str]:
    return {
        "DART_API_KEY": SIM_KEY,
        "DART_API_URL": dart.api_url,
        "ALERTBOT_RULES": str(tmp_path),
        "ALERTBOT_STATE": str(tmp_path / "state.db"),
    }


@pytest.fixture
def start_app(tmp_path: Path, dart_sim: DartSimulator, fake_telegram: FakeTelegram) -> StartApp:
    """``async with start_app() as app:`` runs the real app with only the DART feed."""
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")

    @contextlib.asynccontextmanager
    async def start() -> AsyncIterator[App]:
        settings = Settings.from_env(dart_env(dart_sim, tmp_path))
        env = {"TELEGRAM_BOT_TOKEN": "123:fake", "TELEGRAM_BASE_URL": fake_telegram.base_url}
        async with App(settings, env=env) as app:
            yield app

    return start


def dart_feed(app: App) -> DartFeed:
    (feed,) = [f for f in app.feeds if isinstance(f, DartFeed)]
    return feed


async def first_pass(app: App, dart: DartSimulator) -> DartFeed:
    """Wait until the feed has read the day once (what was there is remembered)."""
    await dart.wait_for(lambda: dart.calls >= 1)
    return dart_feed(app)


async def poll(feed: DartFeed, dart: DartSimulator) -> None:
    """Make the feed poll now, and wait until OpenDART has answered it."""
    calls = dart.calls
    feed.poll_now()
    await dart.wait_for(lambda: dart.calls > calls)


def alerts(telegram: FakeTelegram) -> list[str]:
    """Disclosure alerts as the trader reads them (Telegram's bold first line unmarked)."""
    texts = (re.sub(r"</?b>", "", m.text) for m in telegram.messages)
    return [text for text in texts if text.startswith("📑")]


async def test_matching_filing_is_one_alert_with_link_and_the_rest_are_not(
    start_app: StartApp, dart_sim: DartSimulator, fake_telegram: FakeTelegram
) -> None:
    earlier = buyback(1)
    dart_sim.file(earlier)  # filed before the bot started: remembered, not alerted
    async with start_app() as app:
        feed = await first_pass(app, dart_sim)
        wanted = buyback(5)
        dart_sim.file(
            wanted,
            filing(rcept(2), "삼성전자", "005930", "[기재정정]주요사항보고서(자기주식취득결정)"),
            filing(rcept(3), "카카오", "035720", "주요사항보고서(자기주식취득결정)"),
            filing(rcept(4), "삼성전자", "005930", "임원ㆍ주요주주특정증권등소유상황보고서"),
        )
        await poll(feed, dart_sim)
        await fake_telegram.wait_for(lambda: len(alerts(fake_telegram)) >= 1)
        await poll(feed, dart_sim)  # polled again: nothing new
        assert app.events.seen == 4
    (text,) = alerts(fake_telegram)
    first_line = text.splitlines()[0]
    assert first_line.startswith("📑 공시 삼성전자(005930) 주요사항보고서(자기주식취득결정) · ")
    assert "제출인 삼성전자" in text and f"{LINK}{wanted['rcept_no']}" in text
    assert earlier["rcept_no"] not in text


async def test_request_limit_for_a_while_then_filings_are_still_alerted(
    start_app: StartApp, dart_sim: DartSimulator, fake_telegram: FakeTelegram
) -> None:
    async with start_app() as app:
        feed = await first_pass(app, dart_sim)
        dart_sim.refuse("020")
        dart_sim.file(buyback(7))
        for _ in range(3):
            await poll(feed, dart_sim)
        dart_sim.refuse(None)
        await poll(feed, dart_sim)
        await fake_telegram.wait_for(lambda: len(alerts(fake_telegram)) == 1)
        assert not feed.status.stopped
    notices = [m.text for m in fake_telegram.messages if "요청 제한을 초과" in m.text]
    assert len(notices) == 1  # told once, not on every refused poll


@pytest.mark.parametrize("code", ["010", "011", "012", "901"])
async def test_a_refused_key_stops_the_feed_and_tells_the_admin_once(
    start_app: StartApp,
    dart_sim: DartSimulator,
    fake_telegram: FakeTelegram,
    code: str,
) -> None:
    dart_sim.refuse(code)
    async with start_app() as app:
        await fake_telegram.wait_for(
            lambda: any("dart 피드 중지" in m.text for m in fake_telegram.messages)
        )
        feed = dart_feed(app)
        assert feed.status.stopped and dart_sim.calls == 1
        assert any(f"피드 dart: {feed.status.stopped}" == p for p in app.view.readiness())
    (notice,) = [m.text for m in fake_telegram.messages if "dart 피드 중지" in m.text]
    assert "OpenDART가 인증키 또는 이 IP를 거부했습니다" in notice
    words = {"010": "등록되지 않은 키", "011": "사용할 수 없는 키", "012": "접근할 수 없는 IP"}
    assert words.get(code, "개인정보 보유기간") in notice and code in notice
    assert SIM_KEY not in notice


async def test_a_restart_does_not_resend(
    start_app: StartApp, dart_sim: DartSimulator, fake_telegram: FakeTelegram
) -> None:
    async with start_app() as app:
        feed = await first_pass(app, dart_sim)
        dart_sim.file(buyback(1))
        await poll(feed, dart_sim)
        await fake_telegram.wait_for(lambda: len(alerts(fake_telegram)) == 1)
    dart_sim.file(buyback(2))  # filed while the bot was down: new, so alerted
    async with start_app() as app:
        feed = await first_pass(app, dart_sim)
        await fake_telegram.wait_for(lambda: len(alerts(fake_telegram)) == 2)
        dart_sim.file(buyback(3))
        await poll(feed, dart_sim)
        await fake_telegram.wait_for(lambda: len(alerts(fake_telegram)) == 3)
        assert app.events.seen == 2  # the feed itself did not emit the first filing again
    links = [line for text in alerts(fake_telegram) for line in text.splitlines() if LINK in line]
    assert sorted(links) == [f"{LINK}{rcept(n)}" for n in (1, 2, 3)]


async def test_the_key_never_reaches_the_log(
    tmp_path: Path, start_app: StartApp, dart_sim: DartSimulator, fake_telegram: FakeTelegram
) -> None:
    stream = io.StringIO()
    settings = Settings.from_env(dart_env(dart_sim, tmp_path))
    handler = setup_logging("DEBUG", "json", settings_secrets(settings), stream=stream)
    loud = logging.getLogger("aiohttp")
    level, loud.level = loud.level, logging.DEBUG
    echo = f"<html>bad gateway for /api/list.json?crtfc_key={SIM_KEY}&page_no=1</html>"
    try:
        async with start_app() as app:
            feed = await first_pass(app, dart_sim)
            dart_sim.fail_next("list.json", web.Response(status=200, text=echo))
            dart_sim.fail_next("list.json", status_response("800"))
            dart_sim.file(buyback(1))
            await poll(feed, dart_sim)
            await dart_sim.wait_for(lambda: dart_sim.calls >= 3)
            await poll(feed, dart_sim)
            await fake_telegram.wait_for(lambda: len(alerts(fake_telegram)) == 1)
            dart_sim.refuse("010")
            await poll(feed, dart_sim)
            await fake_telegram.wait_for(
                lambda: any("dart 피드 중지" in m.text for m in fake_telegram.messages)
            )
    finally:
        logging.getLogger().removeHandler(handler)
        loud.level = level
    logged = stream.getvalue()
    assert all(params["crtfc_key"] == SIM_KEY for _, params in dart_sim.requests)
    assert "unreadable frame" in logged and "dart feed stopped" in logged
    assert SIM_KEY not in logged
    assert not any(SIM_KEY in m.text for m in fake_telegram.messages)
