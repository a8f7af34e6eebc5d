"""``alertbot setup slack`` with the real slack-sdk against the fake Slack."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alertbot.cli import main
from alertbot.onboarding.envfile import read_env_file
from alertbot.sim.slack import FakeSlack

TOKEN = "xoxb-setup-test"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack(tokens=[TOKEN]) as fake:
        yield fake


async def setup(slack: FakeSlack, tmp_path: Path, channel: str, token: str = TOKEN) -> int:
    argv = ["setup", "slack", "--token", token, "--channel", channel]
    argv += ["--base-url", slack.base_url, "--env-file", str(tmp_path / "alertbot.env")]
    return await asyncio.wait_for(asyncio.to_thread(main, argv), 10)


async def test_a_channel_name_becomes_its_id(
    slack: FakeSlack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await setup(slack, tmp_path, "#alerts") == 0
    assert "SLACK_CHANNEL=C0123456" in capsys.readouterr().out
    (message,) = slack.messages
    assert message.channel == "C0123456" and "연결 완료" in message.text
    values = read_env_file(tmp_path / "alertbot.env")
    assert values == {"SLACK_BOT_TOKEN": TOKEN, "SLACK_CHANNEL": "C0123456"}


@pytest.mark.parametrize(
    ("channel", "token", "says"),
    [
        ("#alerts", "xoxb-wrong", "invalid_auth"),
        ("#nowhere", TOKEN, "#alerts"),  # names the channels the bot is in
        ("#quiet", TOKEN, "/invite"),
    ],
)
async def test_what_stops_it_is_explained(
    slack: FakeSlack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    channel: str,
    token: str,
    says: str,
) -> None:
    slack.conversations.append({"id": "C0999", "name": "quiet", "is_member": False})
    assert await setup(slack, tmp_path, channel, token) == 1
    error = capsys.readouterr().err
    assert says in error and token not in error
    assert slack.messages == [] and not (tmp_path / "alertbot.env").exists()
