"""Real ``alertbot run`` processes for the HA tests: a group on one PostgreSQL, the Kiwoom
simulator (one session per app key) and the fake Telegram server, all on loopback.

Each member's log is read continuously (a full pipe would stall the process) and kept, so a
test can wait for a line that is already past. Each member sends with its own bot token, so
the fake Telegram server can tell which member delivered each message.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
from pathlib import Path

import asyncpg

from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram
from tests.ha.support import poll_until
from tests.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[2]
CHAT = "424242"
RULES = """
channels:
  phone: {type: telegram, token: "${TELEGRAM_BOT_TOKEN}", chat_id: "%s", base_url: "%s"}
defaults: {notify: [phone], admin: [phone]}
rules:
  - {name: vi-all, event: vi}
"""
LEADING = r"leader: this instance"
STANDING_BY = r"standby: leader \S+, epoch"


class Member:
    """One ``python -m alertbot run`` of the group."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        self.token = f"{100 + ord(name[0])}:member-{name}"
        self.port = free_port()
        self.env = {
            **env,
            "TELEGRAM_BOT_TOKEN": self.token,
            "ALERTBOT_HTTP": f"127.0.0.1:{self.port}",
        }
        self.process: asyncio.subprocess.Process | None = None
        self.log: list[str] = []
        self._changed = asyncio.Event()
        self._reader: asyncio.Task[None] | None = None

    async def start(self) -> Member:
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "alertbot", "run", cwd=ROOT, env=self.env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while line := await self.process.stderr.readline():
            self.log.append(line.decode(errors="replace"))
            self._changed.set()
        self._changed.set()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def wait_log(self, pattern: str, since: int = 0, timeout: float = 30.0) -> int:
        """Until a log line from index ``since`` on matches; returns the index after it."""
        regex = re.compile(pattern)
        async with asyncio.timeout(timeout):
            while True:
                for index in range(since, len(self.log)):
                    if regex.search(self.log[index]):
                        return index + 1
                if self._reader is not None and self._reader.done():
                    raise AssertionError(f"{self.name} exited; log:\n{''.join(self.log)}")
                self._changed.clear()
                await self._changed.wait()

    def send(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    async def end(self, signum: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Signal the process (unless it is gone) and wait for it; its exit status."""
        assert self.process is not None
        if self.process.returncode is None:
            if signum != signal.SIGKILL:
                self.process.send_signal(signal.SIGCONT)  # a stopped process cannot stop
            self.process.send_signal(signum)
        async with asyncio.timeout(timeout):
            await self.process.wait()
            if self._reader is not None:
                await self._reader
        return self.process.returncode or 0


class Group:
    """The world of one HA test: simulators, rules, and the members started so far."""

    def __init__(
        self,
        tmp_path: Path,
        url: str,
        kiwoom: KiwoomSimulator,
        telegram: FakeTelegram,
        lease: float,
    ) -> None:
        kiwoom.one_session_per_key = True
        self.kiwoom = kiwoom
        self.telegram = telegram
        rules = tmp_path / "rules.yaml"
        rules.write_text(RULES % (CHAT, telegram.base_url), encoding="utf-8")
        self.env = {
            "PATH": os.environ.get("PATH", ""),
            "KIWOOM_TOKEN": SIM_TOKEN,
            "KIWOOM_WS_URL": kiwoom.url,
            "ALERTBOT_RULES": str(rules),
            "ALERTBOT_STATE": url,
            "ALERTBOT_HA_LEASE": str(lease),
        }
        self.members: list[Member] = []
        self.url = url

    async def start(self, name: str) -> Member:
        member = await Member(name, self.env).start()
        self.members.append(member)
        return member

    async def close(self) -> None:
        await asyncio.gather(*(m.end(signal.SIGKILL) for m in self.members if m.alive))

    def logins(self) -> int:
        """Sessions that ever logged in to the simulator."""
        return sum(1 for s in self.kiwoom.sessions if s.logged_in)

    async def session_registered(self, logins: int, timeout: float = 30.0) -> None:
        """Until the ``logins``-th session is logged in, live, and registered for VIs."""
        await self.kiwoom.wait_for(
            lambda: (
                self.logins() >= logins
                and any(("1h", "") in s.registrations for s in self.kiwoom.live)
            ),
            timeout=timeout,
        )

    async def push_vis(self, symbols: list[str]) -> None:
        await self.kiwoom.push([vi_entry(s, f"종목{s}", price=10000) for s in symbols])

    def texts(self, token: str | None = None) -> list[str]:
        return [m.text for m in self.telegram.messages if token is None or m.token == token]

    async def delivered(self, symbols: list[str], timeout: float = 30.0) -> None:
        """Until every symbol's VI is in a message (alone or in a digest)."""
        await self.telegram.wait_for(
            lambda: all(any(f"({s})" in t for t in self.texts()) for s in symbols),
            timeout=timeout,
        )

    async def outbox_empty(self) -> None:
        """Until the shared outbox holds nothing (every send's row deleted)."""
        conn = await asyncpg.connect(self.url)
        try:
            await poll_until(lambda: _empty(conn))
        finally:
            await conn.close()

    def copies(self, symbol: str) -> tuple[int, int]:
        """(unmarked, marked "🔁 재전송") messages naming ``symbol``'s VI."""
        naming = [t for t in self.texts() if f"({symbol})" in t]
        marked = sum(1 for t in naming if "재전송" in t)
        return len(naming) - marked, marked


async def _empty(conn: asyncpg.Connection) -> bool:
    return await conn.fetchval("SELECT count(*) FROM outbox") == 0
