"""``alertbot demo`` beside a running bot: it takes nothing of the bot's, and says nothing
the trader would read as a fault."""

from __future__ import annotations

import contextlib
import logging
import socket
from pathlib import Path

import pytest

from alertbot.demo import run_demo
from alertbot.settings import Settings

VI_ONLY = """
channels:
  log: {type: console}
defaults:
  notify: [log]
rules:
  - {name: vi-all, event: vi}
"""


async def test_the_demo_leaves_the_bots_http_port_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bot already serves ``/metrics`` on the default address: the demo still plays its
    day cleanly, with no error about the port."""
    address = Settings.from_env({}).http
    (tmp_path / "rules.yaml").write_text(VI_ONLY, encoding="utf-8")
    with contextlib.ExitStack() as stack:
        bot = stack.enter_context(socket.socket())
        with contextlib.suppress(OSError):  # in use already: by a bot, just as well
            bot.bind((address.host, address.port))
            bot.listen()
        with caplog.at_level(logging.WARNING):
            await run_demo(tmp_path)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert "VI 발동 삼성전자(005930)" in capsys.readouterr().out
