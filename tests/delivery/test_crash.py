"""Crash safety with a real process: ``alertbot run`` takes VIs while Telegram is down, is
killed with SIGKILL, restarts on the same state file, and — once Telegram is back — every
pending alert arrives exactly once. A third start sends nothing more."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import sqlite3
import sys
from pathlib import Path

from alertbot.sim.fakehttp import Hang
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
        await third.wait_log(r"alertbot \S+ 시작: ")
        assert await third.end(signal.SIGTERM) == 0
    finally:
        await telegram.stop()
    assert not any("outbox:" in line for line in third.log), "nothing left over"
    text = "\n".join(m.text for m in telegram.messages)
    assert [text.count(f"({s})") for s in SYMBOLS] == [1] * len(SYMBOLS)


ADMIN_ON_CONSOLE = """
channels:
%s  log: {type: console}
defaults: {notify: [%s], admin: [log]}
rules:
  - {name: vi-all, event: vi}
"""


def rules(base_url: str, chats: list[str]) -> str:
    """Telegram channels ``c0``, ``c1``… (one chat each) and the console for notices."""
    channels = "".join(
        f'  c{i}: {{type: telegram, token: "123:crash-test-token", chat_id: "{chat}",'
        f' base_url: "{base_url}"}}\n'
        for i, chat in enumerate(chats)
    )
    return ADMIN_ON_CONSOLE % (channels, ", ".join(f"c{i}" for i in range(len(chats))))


def environment(tmp_path: Path, kiwoom_sim: KiwoomSimulator, rules_text: str) -> dict[str, str]:
    (tmp_path / "rules.yaml").write_text(rules_text, encoding="utf-8")
    return {
        "PATH": os.environ.get("PATH", ""),
        "KIWOOM_TOKEN": SIM_TOKEN,
        "KIWOOM_WS_URL": kiwoom_sim.url,
        "ALERTBOT_RULES": str(tmp_path / "rules.yaml"),
        "ALERTBOT_STATE": str(tmp_path / "state.db"),
        "ALERTBOT_HTTP": "127.0.0.1:0",
    }


async def registered(kiwoom_sim: KiwoomSimulator, seen: int) -> None:
    """A session opened after the first ``seen`` ones has registered for VIs."""
    await kiwoom_sim.wait_for(
        lambda: any(("1h", "") in s.registrations for s in kiwoom_sim.sessions[seen:]),
        timeout=20,
    )


async def test_sigkill_while_the_service_shows_a_message_resends_it_marked(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    env = environment(tmp_path, kiwoom_sim, rules(fake_telegram.base_url, ["424242"]))
    fake_telegram.fail_next("sendMessage", Hang(deliver=True))  # shown, never answered
    first = await Bot(env).start()
    await registered(kiwoom_sim, 0)
    await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
    await fake_telegram.wait_for(lambda: len(fake_telegram.messages) == 1, timeout=20)
    assert await first.end(signal.SIGKILL) == -signal.SIGKILL
    fake_telegram.release()

    second = await Bot(env).start()
    await fake_telegram.wait_for(lambda: len(fake_telegram.messages) == 2, timeout=20)
    assert await second.end(signal.SIGTERM) == 0
    shown, again = (m.text for m in fake_telegram.messages)
    assert "삼성전자(005930)" in shown and "재전송" not in shown
    assert "삼성전자(005930)" in again and "🔁 재전송" in again


KILLS = 20
BURST = 6


async def test_killed_at_random_moments_of_a_burst_loses_nothing_stored_and_marks_repeats(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    """``alertbot run`` is killed (SIGKILL) at a random moment of a burst, again and again;
    every alert that reached the outbox is delivered, and every repeat is marked."""
    chats = ["1001", "1002", "1003"]
    env = environment(tmp_path, kiwoom_sim, rules(fake_telegram.base_url, chats))
    fake_telegram.delay = 0.05  # every answer comes late: kills land mid-request
    rng = random.Random(20261127)
    symbols = iter(f"{100000 + i:06d}" for i in range(10_000))
    for _ in range(KILLS):
        seen = len(kiwoom_sim.sessions)
        bot = await Bot(env).start()
        await registered(kiwoom_sim, seen)
        await kiwoom_sim.push([vi_entry(next(symbols), "종목", price=1000) for _ in range(BURST)])
        target = len(fake_telegram.requests) + rng.randint(0, 4)
        with contextlib.suppress(TimeoutError):  # the bot may send everything before that
            await fake_telegram.wait_for(lambda t=target: len(fake_telegram.requests) >= t, 3)
        assert await bot.end(signal.SIGKILL) == -signal.SIGKILL

    with sqlite3.connect(tmp_path / "state.db") as db:
        committed = {_key_target(key) for (key,) in db.execute("SELECT key FROM delivery_keys")}
    assert len(committed) >= BURST, "alerts reached the outbox"

    def delivered() -> set[tuple[str, str]]:
        return {
            (symbol, message.chat_id)
            for message in fake_telegram.messages
            for symbol in re.findall(r"\((\d{6})\)", message.text)
        }

    last = await Bot(env).start()
    await last.wait_log(r"alertbot \S+ 시작: ")
    await fake_telegram.wait_for(lambda: committed <= delivered(), timeout=60)
    assert await last.end(signal.SIGTERM) == 0

    lost = committed - delivered()
    unmarked, marked = [], 0
    for chat in chats:
        shown: set[str] = set()
        for message in (m for m in fake_telegram.messages if m.chat_id == chat):
            found = set(re.findall(r"\((\d{6})\)", message.text))
            if found & shown:
                marked += "🔁 재전송" in message.text
                if "🔁 재전송" not in message.text:
                    unmarked.append(message.text)
            shown |= found
    print(f"{KILLS} kills: {len(committed)} stored, 0 lost, {marked} repeats all marked")
    assert (len(lost), len(unmarked)) == (0, 0), f"lost {sorted(lost)}; unmarked {unmarked}"


def _key_target(key: str) -> tuple[str, str]:
    """``vi-all|vi:005930:…|c1`` → (symbol, the channel's chat id)."""
    _rule, event, channel = key.split("|")
    return event.split(":")[1], f"100{int(channel[1:]) + 1}"
