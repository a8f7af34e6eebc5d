"""SIGTERM on a real ``python -m alertbot run``: polite goodbye to the broker, exit 0."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
from pathlib import Path

from alertbot.sim.fakehttp import Hang
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram
from tests.ops_support import BOT_TOKEN, RULES, feed_reading, texts

ROOT = Path(__file__).resolve().parents[1]


def bot_env(tmp_path: Path, sim: KiwoomSimulator, telegram: FakeTelegram) -> dict[str, str]:
    """The environment of a ``python -m alertbot run`` against the simulator and the fake."""
    return {
        **os.environ,
        "KIWOOM_TOKEN": SIM_TOKEN,
        "KIWOOM_WS_URL": sim.url,
        "ALERTBOT_RULES": str(tmp_path / "rules.yaml"),
        "ALERTBOT_STATE": str(tmp_path / "state.db"),
        "ALERTBOT_HTTP": "127.0.0.1:0",
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
        "TELEGRAM_BASE_URL": telegram.base_url,
    }


async def test_sigterm_unsubscribes_and_exits_zero(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    env = {**bot_env(tmp_path, kiwoom_sim, fake_telegram), "ALERTBOT_LOG_FORMAT": "json"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "alertbot",
        "run",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await feed_reading(kiwoom_sim)
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await fake_telegram.wait_for(lambda: any("A 삼성전자" in t for t in texts(fake_telegram)))
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    (session,) = kiwoom_sim.sessions
    await kiwoom_sim.wait_for(lambda: not session.registrations)  # the server reads on
    goodbye = [m for m in session.received if m.get("trnm") == "REMOVE"]
    assert goodbye and goodbye[0]["data"] == [{"item": [""], "type": ["1h"]}]
    assert BOT_TOKEN not in log


async def test_sigterm_with_the_chat_service_hanging_keeps_the_outbox(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    """Alerts not yet accepted by Telegram when SIGTERM arrives stay in the outbox, and the
    bot still exits 0 within its drain timeout instead of waiting on the hung request."""
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    fake_telegram.fail_next("sendMessage", *[Hang()] * 10)
    env = bot_env(tmp_path, kiwoom_sim, fake_telegram)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "alertbot", "run", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    assert process.stderr is not None
    seen: list[str] = []
    try:
        await feed_reading(kiwoom_sim)
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        async with asyncio.timeout(15):
            while not any("alert vi-b" in line for line in seen):
                line = await process.stderr.readline()
                assert line, "the bot exited early:\n" + "".join(seen)
                seen.append(line.decode())
        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(15):
            rest = await process.stderr.read()
            await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    log = "".join(seen) + rest.decode()
    assert process.returncode == 0, log
    with sqlite3.connect(tmp_path / "state.db") as db:
        pending = [row[0] for row in db.execute("SELECT text FROM outbox ORDER BY id")]
    assert any("A 삼성전자" in body for body in pending), pending
    assert any("B 삼성전자" in body for body in pending), pending
