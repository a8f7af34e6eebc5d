"""``ALERTBOT_LANG=en``: ``init`` and ``setup`` speak English — their output, their errors and
the starter files they write — and what ``init`` writes still passes ``check``. (Telegram's
refusals and doctor's lines are tried in both languages next to their Korean tests.)"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from alertbot import i18n
from alertbot.cli import main
from alertbot.onboarding.envfile import set_env_values
from alertbot.sim.slack import FakeSlack
from alertbot.sim.telegram import FakeTelegram
from tests.onboarding.conftest import HANGUL

pytestmark = pytest.mark.usefixtures("english")
TOKEN = "7000000001:AAE-english-test-token-0123456789ab"
SLACK_TOKEN = "xoxb-english"


def test_init_writes_english_starter_files_that_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Created" in out and "alertbot setup telegram" in out and not HANGUL.search(out)
    rules, env = tmp_path / "rules", tmp_path / "alertbot.env"
    for written in (rules / "alerts.yaml", env):
        assert not HANGUL.search(written.read_text(encoding="utf-8")), written

    assert main(["check", str(rules)]) == 0
    filled = {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_CHAT_ID": "42"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in filled.items():
            patch.setenv(name, value)
        assert main(["check", "--strict", str(rules)]) == 0

    assert main(["init", str(tmp_path)]) == 0
    again = capsys.readouterr().out
    assert "Kept" in again and not HANGUL.search(again)


async def test_setup_telegram_in_english(
    fake_telegram: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["setup", "telegram", "--token", TOKEN, "--base-url", fake_telegram.base_url]
    argv += ["--env-file", str(tmp_path / "alertbot.env")]
    command = asyncio.create_task(asyncio.to_thread(main, argv))
    await fake_telegram.wait_for(lambda: any(m == "getUpdates" for m, _ in fake_telegram.requests))
    await fake_telegram.updates.push_added(-100777, "트레이딩 데스크")
    assert await asyncio.wait_for(command, 10) == 0

    out = capsys.readouterr().out.replace("트레이딩 데스크", "")  # the chat's own title
    assert "Token OK" in out and "TELEGRAM_CHAT_ID=-100777" in out
    assert not HANGUL.search(out) and TOKEN not in out
    (confirmation,) = fake_telegram.messages
    assert "connected" in confirmation.text and not HANGUL.search(confirmation.text)


def test_setup_without_a_token_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    none = str(tmp_path / "none.env")
    assert main(["setup", "telegram", "--env-file", none]) == 1
    assert main(["setup", "slack", "--channel", "#alerts", "--env-file", none]) == 1
    error = capsys.readouterr().err
    assert "@BotFather" in error and "SLACK_BOT_TOKEN" in error and not HANGUL.search(error)


@pytest.mark.parametrize(
    ("channel", "token", "says"),
    [
        ("#alerts", "xoxb-wrong", "invalid_auth"),
        ("#nowhere", SLACK_TOKEN, "#alerts"),
        ("#quiet", SLACK_TOKEN, "/invite"),
    ],
)
async def test_setup_slack_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], channel: str, token: str, says: str
) -> None:
    async with FakeSlack(tokens=[SLACK_TOKEN]) as slack:
        slack.conversations.append({"id": "C0999", "name": "quiet", "is_member": False})
        argv = ["setup", "slack", "--token", token, "--channel", channel]
        argv += ["--base-url", slack.base_url, "--env-file", str(tmp_path / "alertbot.env")]
        assert await asyncio.wait_for(asyncio.to_thread(main, argv), 10) == 1
        error = capsys.readouterr().err
        assert says in error and not HANGUL.search(error) and token not in error

        argv[5] = "#alerts"
        argv[3] = SLACK_TOKEN
        assert await asyncio.wait_for(asyncio.to_thread(main, argv), 10) == 0
        out = capsys.readouterr().out
        assert "SLACK_CHANNEL=C0123456" in out and not HANGUL.search(out)
        assert SLACK_TOKEN not in out
        (message,) = slack.messages
        assert "connected" in message.text and not HANGUL.search(message.text)


def test_doctor_speaks_the_language_of_its_env_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The English starter env file says ALERTBOT_LANG=en: the bot will speak English, so
    doctor reading that file does too, whatever the shell says."""
    assert main(["init", str(tmp_path)]) == 0
    monkeypatch.setenv("ALERTBOT_LANG", "ko")  # the shell says Korean, the file English
    i18n.use(None)
    capsys.readouterr()
    env_file = tmp_path / "alertbot.env"
    set_env_values(env_file, {"ALERTBOT_RULES": str(tmp_path / "rules")})
    set_env_values(env_file, {"ALERTBOT_STATE": str(tmp_path / "state.db")})
    assert main(["doctor", "--dry-run", "--env-file", str(env_file)]) == 1  # no broker, no token
    out = capsys.readouterr().out
    assert out.startswith("✅ Rules: ") and "Items to fix: 2." in out and not HANGUL.search(out)
