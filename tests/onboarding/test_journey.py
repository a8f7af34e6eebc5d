"""The whole way in, as a new user walks it: ``init``, ``setup telegram``, ``doctor``, then the
bot sends its first real alert to the chat that setup found — against the simulators."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from alertbot.app import App
from alertbot.cli import main
from alertbot.onboarding.envfile import read_env_file, set_env_values
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_APPKEY, SIM_SECRETKEY, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram

TOKEN = "7000000001:AAE-journey-token-0123456789abcdefg"
CHAT = 55501234
SAYS = {"ko": ("모두 정상입니다.", "VI 발동"), "en": ("All good.", "VI triggered")}
"""What doctor's last line and the first alert read in each language."""


@pytest.mark.parametrize("lang", list(SAYS))
async def test_from_init_to_the_first_alert(
    tmp_path: Path,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    lang: str,
) -> None:
    if lang == "en":
        request.getfixturevalue("english")
    all_good, vi_alert = SAYS[lang]
    assert main(["init", str(tmp_path)]) == 0
    rules, env_file = tmp_path / "rules", tmp_path / "alertbot.env"

    setup = ["setup", "telegram", "--token", TOKEN, "--base-url", fake_telegram.base_url]
    waiting = asyncio.create_task(asyncio.to_thread(main, [*setup, "--env-file", str(env_file)]))
    await fake_telegram.wait_for(lambda: any(m == "getUpdates" for m, _ in fake_telegram.requests))
    await fake_telegram.updates.push_message(CHAT, "/start")
    assert await asyncio.wait_for(waiting, 10) == 0

    # What the user adds by hand: broker keys (here the simulator's), where the state lives,
    # and — only because this Telegram is a fake — its address in the channel.
    set_env_values(
        env_file,
        {
            "KIWOOM_APPKEY": SIM_APPKEY,
            "KIWOOM_SECRETKEY": SIM_SECRETKEY,
            "KIWOOM_API_URL": kiwoom_sim.api_url,
            "KIWOOM_WS_URL": kiwoom_sim.url,
            "ALERTBOT_RULES": str(rules),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
            "TELEGRAM_BASE_URL": fake_telegram.base_url,
        },
    )
    starter = (rules / "alerts.yaml").read_text(encoding="utf-8")
    (rules / "alerts.yaml").write_text(
        starter.replace(
            "    chat_id: ${TELEGRAM_CHAT_ID}",
            "    chat_id: ${TELEGRAM_CHAT_ID}\n    base_url: ${TELEGRAM_BASE_URL}",
        ),
        encoding="utf-8",
    )
    assert main(["check", "--strict", str(rules)]) == 1  # the shell has not read the env file
    doctor = ["doctor", "--dry-run", "--env-file", str(env_file)]
    assert await asyncio.wait_for(asyncio.to_thread(main, doctor), 30) == 0
    assert all_good in capsys.readouterr().out

    env = read_env_file(env_file)
    app = App(Settings.from_env(env), env=env)
    await app.start()
    try:
        await kiwoom_sim.wait_for(
            lambda: any(("1h", "") in s.registrations for s in kiwoom_sim.live)
        )
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await fake_telegram.wait_for(
            lambda: any(vi_alert in m.text for m in fake_telegram.messages)
        )
    finally:
        await app.stop()
    alert = next(m for m in fake_telegram.messages if vi_alert in m.text)
    assert alert.chat_id == str(CHAT) and "삼성전자(005930)" in alert.text
