"""Crash safety with a real process: ``alertbot run`` takes VIs while Telegram is down, is
killed with SIGKILL, restarts on the same state file, and — once Telegram is back — every
pending alert arrives exactly once. A third start sends nothing more."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]
SYMBOLS = ["005930", "000660", "035420", "051910", "006400"]
RULES = """
channels:
  phone: {type: telegram, token: "123:crash-test-token", chat_id: "424242", base_url: "%s"}
defaults: {notify: [phone], admin: [phone]}
rules:
  - {name: vi-all, event: vi}
"""


class Bot:
    """``python -m alertbot run`` as a child process, its log read line by line."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.log: list[str] = []

    async def start(self) -> Bot:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "alertbot", "run", cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return self

    async def wait_log(self, pattern: str, at_least: int = 0, timeout: float = 20.0) -> str:
        """Read the log until a line matches ``pattern`` (whose first group, if any, is a
        number of at least ``at_least``)."""
        assert self.process is not None and self.process.stderr is not None
        async with asyncio.timeout(timeout):
            while True:
                line = (await self.process.stderr.readline()).decode()
                assert line, f"bot exited; log:\n{''.join(self.log)}"
                self.log.append(line)
                match = re.search(pattern, line)
                if match and (not match.groups() or int(match.group(1)) >= at_least):
                    return line

    async def end(self, signum: int) -> int:
        assert self.process is not None
        self.process.send_signal(signum)
        async with asyncio.timeout(20):
            await self.process.communicate()
        return self.process.returncode or 0


async def test_kill_9_with_telegram_down_then_everything_once(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator
) -> None:
    telegram = FakeTelegram()
    await telegram.start()
    await telegram.stop()  # down, but its port is known
    (tmp_path / "rules.yaml").write_text(RULES % telegram.base_url, encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KIWOOM_TOKEN": SIM_TOKEN,
        "KIWOOM_WS_URL": kiwoom_sim.url,
        "ALERTBOT_RULES": str(tmp_path / "rules.yaml"),
        "ALERTBOT_STATE": str(tmp_path / "state.db"),
        "ALERTBOT_HTTP": "127.0.0.1:0",
    }

    first = await Bot(env).start()
    await kiwoom_sim.wait_for(lambda: any(("1h", "") in s.registrations for s in kiwoom_sim.live))
    await kiwoom_sim.push([vi_entry(s, f"종목{s}", price=10000) for s in SYMBOLS])
    # The alerts, and the "started" notice to admin, are all in the outbox.
    await first.wait_log(r"send failed .*; (\d+) pending", at_least=len(SYMBOLS))
    assert await first.end(signal.SIGKILL) == -signal.SIGKILL

    second = await Bot(env).start()
    await second.wait_log(r"outbox: (\d+) pending for phone", at_least=len(SYMBOLS))
    await second.wait_log(r"phone: (?:send|credentials check) failed")
    await telegram.start()  # the service comes back
    try:
        await telegram.wait_for(
            lambda: all(any(s in m.text for m in telegram.messages) for s in SYMBOLS),
            timeout=20,
        )
        assert await second.end(signal.SIGTERM) == 0
        third = await Bot(env).start()
        await third.wait_log(r"alertbot .* started")
        assert await third.end(signal.SIGTERM) == 0
    finally:
        await telegram.stop()
    assert not any("outbox:" in line for line in third.log), "nothing left over"
    text = "\n".join(m.text for m in telegram.messages)
    assert [text.count(f"({s})") for s in SYMBOLS] == [1] * len(SYMBOLS)
