"""A running App against the Kiwoom simulator and the fake Telegram, for the ops tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from alertbot.app import App
from alertbot.feeds.base import Backoff
from alertbot.ops.config import OpsConfig
from alertbot.ops.http import OpsServer
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator
from alertbot.sim.telegram import FakeTelegram

OWNER_CHAT = 424242
GROUP_CHAT = -100777
STRANGER_CHAT = 999001
BOT_TOKEN = "7000000001:AAE-ops-test-token-0123456789abcdefgh"

RULES = f"""
channels:
  phone:
    type: telegram
    token: ${{TELEGRAM_BOT_TOKEN}}
    chat_id: "{OWNER_CHAT}"
    base_url: ${{TELEGRAM_BASE_URL}}
    allowed_chats: [{OWNER_CHAT}, {GROUP_CHAT}]
defaults:
  notify: [phone]
  admin: [phone]
  cooldown: 0s             # these tests send one stock's VI twice on purpose
rules:
  - name: vi-a
    event: vi
    message: "A {{display}} {{hhmmss}}"
  - name: vi-b
    event: vi
    message: "B {{display}} {{hhmmss}}"
"""

FAST = OpsConfig(
    feed_down_after=0.0,
    check_interval=0.005,
    drain_timeout=2.0,
    command_poll_timeout=1.0,
    command_retry_delay=0.05,
)


@asynccontextmanager
async def running_app(
    tmp_path: Path,
    sim: KiwoomSimulator,
    telegram: FakeTelegram,
    *,
    ops: OpsConfig = FAST,
    backoff: Backoff | None = None,
    rules: str = RULES,
    token: str = SIM_TOKEN,
    extra: Mapping[str, str] | None = None,
    reading: bool = True,
) -> AsyncIterator[App]:
    """Start the app (``extra``: more settings), wait until its feed is logged in and reading
    (unless ``reading`` is False: a feed the test keeps out), stop it on exit."""
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir(exist_ok=True)
    (rules_dir / "rules.yaml").write_text(rules, encoding="utf-8")
    settings = Settings.from_env(
        {
            "KIWOOM_TOKEN": token,
            "KIWOOM_WS_URL": sim.url,
            "ALERTBOT_RULES": str(rules_dir),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
            **(extra or {}),
        }
    )
    env = {"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_BASE_URL": telegram.base_url}
    async with App(settings, env=env, ops=ops, backoff=backoff) as app:
        if reading:
            await feed_reading(sim)
        yield app


async def feed_reading(sim: KiwoomSimulator) -> None:
    """Wait until a session registered VI and answered a PING: the client is in its read loop,
    which it enters only after marking itself logged in."""
    await sim.wait_for(lambda: any(("1h", "") in s.registrations for s in sim.live))
    await sim.ping()
    await sim.wait_for(lambda: bool(sim.live) and all(s.pings_unanswered == 0 for s in sim.live))


async def get(server: OpsServer | None, path: str) -> tuple[int, str]:
    """GET an ops endpoint over real HTTP (``app.runtime.http``, or an HA node's)."""
    assert server is not None, "not serving HTTP"
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, await response.text()


def texts(telegram: FakeTelegram, chat: int = OWNER_CHAT) -> list[str]:
    return [m.text for m in telegram.messages if m.chat_id == str(chat)]
