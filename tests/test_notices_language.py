"""The bot's runtime notices and ``/readyz`` reasons speak the catalog's language: Korean by
default, English with ``ALERTBOT_LANG=en`` — through the real app, feed, chat and HTTP."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import orjson

from alertbot.feeds.base import Backoff
from alertbot.sim.fakehttp import Hang
from alertbot.sim.kiwoom import SIM_APPKEY, SIM_SECRETKEY, KiwoomSimulator
from alertbot.sim.telegram import FakeTelegram
from tests.ops_support import FAST, OWNER_CHAT, get, running_app, texts

STOPPED_KO = (
    "⚠️ kiwoom 피드 중지: 접근 토큰이 거부되었습니다 (8005): 고정 토큰 KIWOOM_TOKEN은(는) "
    "갱신되지 않습니다. 새 토큰을 넣거나 KIWOOM_APPKEY, KIWOOM_SECRETKEY을(를) 설정하세요\n"
    "설정을 고친 뒤 alertbot을 다시 시작하세요."
)
STOPPED_EN = (
    "⚠️ kiwoom feed stopped: the access token was refused (8005): a fixed KIWOOM_TOKEN "
    "cannot be renewed: set a fresh one, or KIWOOM_APPKEY, KIWOOM_SECRETKEY\n"
    "Fix the setting and restart alertbot."
)


async def stopped_feed(
    tmp_path: Path, sim: KiwoomSimulator, telegram: FakeTelegram, marker: str
) -> tuple[str, int, list[str]]:
    """The admin notice naming ``marker`` (below the bot's header), and ``/readyz``'s status
    and reasons after it."""
    async with running_app(tmp_path, sim, telegram, token="expired-token", reading=False) as app:
        await telegram.wait_for(lambda: any(marker in t for t in texts(telegram, OWNER_CHAT)))
        status, body = await get(app.runtime.http, "/readyz")
    (notice,) = [t for t in texts(telegram, OWNER_CHAT) if marker in t]
    header, _, text = notice.partition("\n")
    assert header == "<b>🤖 alertbot</b>"
    return text, status, orjson.loads(body)["problems"]


async def test_a_stopped_feed_is_told_in_korean_by_default(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    notice, status, problems = await stopped_feed(tmp_path, kiwoom_sim, fake_telegram, "피드 중지")
    assert notice == STOPPED_KO
    assert "expired-token" not in notice
    assert status == 503
    reason = STOPPED_KO.removeprefix("⚠️ kiwoom 피드 중지: ").split("\n")[0]
    assert problems == [f"피드 kiwoom: {reason}"]


async def test_a_stopped_feed_is_told_in_english_with_alertbot_lang_en(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram, english: None
) -> None:
    notice, status, problems = await stopped_feed(
        tmp_path, kiwoom_sim, fake_telegram, "feed stopped"
    )
    assert notice == STOPPED_EN
    assert status == 503
    reason = STOPPED_EN.removeprefix("⚠️ kiwoom feed stopped: ").split("\n")[0]
    assert problems == [f"feed kiwoom: {reason}"]


async def test_stuck_delivery_is_a_korean_readyz_reason(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    def hang(method: str, _params: dict[str, object]) -> Hang | None:
        return Hang() if method == "sendMessage" else None

    fake_telegram.failures.append(hang)
    ops = replace(FAST, delivery_stuck_after=0.0)
    async with running_app(tmp_path, kiwoom_sim, fake_telegram, ops=ops) as app:
        status, body = await get(app.runtime.http, "/readyz")
        fake_telegram.failures.remove(hang)
        fake_telegram.release()
    assert status == 503
    (problem,) = orjson.loads(body)["problems"]
    assert re.fullmatch(r"전송 멈춤: 보낼 알림 1건, \d+초 동안 보낸 것 없음", problem), problem


async def test_a_feed_down_on_refused_tokens_says_why_in_korean(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    """Every fresh token refused: the down notice and /readyz give the feed's own words,
    not an exception class name."""
    kiwoom_sim.refuse_logins = 1_000
    issuing = {
        "KIWOOM_APPKEY": SIM_APPKEY,
        "KIWOOM_SECRETKEY": SIM_SECRETKEY,
        "KIWOOM_API_URL": kiwoom_sim.api_url,
    }
    hold = Backoff(initial=3600, maximum=3600)  # down for the whole test after one refusal
    async with running_app(
        tmp_path, kiwoom_sim, fake_telegram, backoff=hold, extra=issuing, reading=False
    ) as app:
        await fake_telegram.wait_for(lambda: any("연결이" in t for t in texts(fake_telegram)))
        status, body = await get(app.runtime.http, "/readyz")
    why = "접근 토큰이 거부되었습니다 (8005): 새 토큰을 발급합니다"
    (notice,) = [t for t in texts(fake_telegram) if "연결이" in t]
    down = rf"<b>🤖 alertbot</b>\n⚠️ kiwoom 연결이 \d+초째 끊겨 있습니다 \({re.escape(why)}\)"
    assert re.fullmatch(down, notice), notice
    assert (status, orjson.loads(body)["problems"]) == (503, [f"피드 kiwoom: {why}"])
