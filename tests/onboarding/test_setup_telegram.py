"""``alertbot setup telegram`` through the real CLI and python-telegram-bot against the fake
Bot API: the token is checked, the chat the user writes from is found and stored."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from alertbot.cli import main
from alertbot.onboarding.envfile import read_env_file
from alertbot.onboarding.init import ENV_TEMPLATE, starter
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.onboarding.conftest import HANGUL

TOKEN = "7000000001:AAE-setup-test-token-0123456789abcd"


async def setup(fake: FakeTelegram, env_file: Path, *extra: str) -> asyncio.Task[int]:
    """Start the command in a thread (it runs its own event loop, as from a shell)."""
    argv = ["setup", "telegram", "--token", TOKEN, "--base-url", fake.base_url]
    argv += ["--env-file", str(env_file), *extra]
    return asyncio.create_task(asyncio.to_thread(main, argv))


async def polling(fake: FakeTelegram) -> None:
    """The command is waiting in getUpdates: what the user sends now is seen."""
    await fake.wait_for(lambda: any(method == "getUpdates" for method, _ in fake.requests))


async def test_a_private_chat_id_is_found_confirmed_and_written(
    fake_telegram: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "alertbot.env"
    env_file.write_text(starter(ENV_TEMPLATE).read_text(encoding="utf-8"), encoding="utf-8")
    command = await setup(fake_telegram, env_file)
    await polling(fake_telegram)
    await fake_telegram.updates.push_message(424242, "안녕")
    assert await asyncio.wait_for(command, 10) == 0

    out = capsys.readouterr().out
    assert "@alertbot_test_bot" in out and "TELEGRAM_CHAT_ID=424242" in out
    (confirmation,) = fake_telegram.messages
    assert confirmation.chat_id == "424242" and "연결 완료" in confirmation.text
    values = read_env_file(env_file)
    assert values["TELEGRAM_CHAT_ID"] == "424242" and values["TELEGRAM_BOT_TOKEN"] == TOKEN
    text = env_file.read_text(encoding="utf-8")
    assert text.count("TELEGRAM_CHAT_ID=") == 1  # the template's line is filled, not repeated
    assert "# KIWOOM_APPKEY=" in text  # the rest of the file is left alone


async def test_a_forum_topic_gives_the_group_and_the_topic(
    fake_telegram: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "alertbot.env"
    command = await setup(fake_telegram, env_file)
    await polling(fake_telegram)
    await fake_telegram.updates.push_message(-1001234567890, "/start@alertbot_test_bot", 55, 7)
    assert await asyncio.wait_for(command, 10) == 0

    values = read_env_file(env_file)
    assert values["TELEGRAM_CHAT_ID"] == "-1001234567890"
    assert values["TELEGRAM_THREAD_ID"] == "7"
    (confirmation,) = fake_telegram.messages
    assert confirmation.params.get("message_thread_id") in (7, "7")
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"  # a new file holding a token


async def test_being_added_to_a_group_is_enough(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    env_file = tmp_path / "alertbot.env"
    command = await setup(fake_telegram, env_file)
    await polling(fake_telegram)
    await fake_telegram.updates.push_added(-100777, "트레이딩 데스크")
    assert await asyncio.wait_for(command, 10) == 0
    assert read_env_file(env_file)["TELEGRAM_CHAT_ID"] == "-100777"


async def test_a_message_sent_before_the_command_counts(
    fake_telegram: FakeTelegram, tmp_path: Path
) -> None:
    await fake_telegram.updates.push_message(424242, "/start")
    command = await setup(fake_telegram, tmp_path / "alertbot.env")
    assert await asyncio.wait_for(command, 10) == 0
    assert read_env_file(tmp_path / "alertbot.env")["TELEGRAM_CHAT_ID"] == "424242"


REFUSALS = {
    "getMe": (401, "Unauthorized"),
    "getUpdates": (409, "Conflict: terminated by other getUpdates request"),
}


@pytest.mark.parametrize(
    ("method", "lang", "says"),
    [
        ("getMe", "ko", "@BotFather"),
        ("getUpdates", "ko", "실행 중인 alertbot"),
        ("getMe", "en", "@BotFather"),
        ("getUpdates", "en", "running alertbot"),
    ],
)
async def test_a_refusal_says_what_to_do(
    fake_telegram: FakeTelegram,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
    method: str,
    lang: str,
    says: str,
) -> None:
    if lang == "en":
        request.getfixturevalue("english")
    fake_telegram.fail_next(method, error_response(*REFUSALS[method]))
    command = await setup(fake_telegram, tmp_path / "alertbot.env")
    assert await asyncio.wait_for(command, 10) == 1
    error = capsys.readouterr().err
    assert says in error and TOKEN not in error
    if lang == "en":
        assert not HANGUL.search(error)
    assert not (tmp_path / "alertbot.env").exists()


async def test_no_message_within_the_timeout(
    fake_telegram: FakeTelegram, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = await setup(fake_telegram, tmp_path / "alertbot.env", "--timeout", "1")
    assert await asyncio.wait_for(command, 10) == 1
    assert "메시지가 오지 않았습니다" in capsys.readouterr().err


def test_without_a_token_it_says_where_to_get_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["setup", "telegram", "--env-file", str(tmp_path / "none.env")]) == 1
    assert "@BotFather" in capsys.readouterr().err
