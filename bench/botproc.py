"""The bot as a user runs it: ``python -m alertbot run`` in a process of its own.

The whole-bot benchmarks measure from outside, so everything on the path counts (the receive
loop, decoding, events, metrics, logging, delivery) and nothing of the benchmark shares the
bot's interpreter. Memory is read from ``/proc/PID/status`` (VmRSS now, VmHWM the peak).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import urllib.request
from pathlib import Path

from workload import price_rule

from alertbot.sim.kiwoom import SIM_TOKEN

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def quiet_rules(base_url: str, count: int, codes: list[str]) -> list[str]:
    """A rule file's lines: ``count`` price rules that never fire and together watch every
    code (as ``workload.quiet_ruleset``), all notifying one Telegram channel."""
    share = max(1, -(-len(codes) // count))
    lines = telegram_rules(base_url)
    for index in range(count):
        start = index * share % len(codes)
        watched = codes[start : start + share]
        key, level = price_rule(index, watched).levels[0]
        quoted = ", ".join(f'"{code}"' for code in watched)
        lines.append(f"  - {{name: r{index}, event: price, symbols: [{quoted}], {key}: {level}}}")
    return lines


def telegram_rules(base_url: str) -> list[str]:
    """A rule file's head: one Telegram channel (no command polling) that every rule notifies."""
    return [
        "channels:",
        "  tg:",
        "    type: telegram",
        '    token: "123:bench-token"',
        '    chat_id: "100000"',
        f'    base_url: "{base_url}"',
        "    commands: false",
        "defaults:",
        "  notify: [tg]",
        "  admin: []",
        "rules:",
    ]


class BotProcess:
    """A running ``alertbot run`` pointed at a bench world's simulator."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.port = port
        self.started = time.monotonic()

    @classmethod
    async def start(cls, kiwoom_url: str, rules: Path, state: Path) -> BotProcess:
        port = free_port()
        env = {
            **os.environ,
            "KIWOOM_TOKEN": SIM_TOKEN,
            "KIWOOM_WS_URL": kiwoom_url,
            "ALERTBOT_RULES": str(rules),
            "ALERTBOT_STATE": str(state),
            "ALERTBOT_HTTP": f"127.0.0.1:{port}",
            "ALERTBOT_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),
        }
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "alertbot", "run", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
        )  # fmt: skip
        bot = cls(process, port)
        bot.started = started
        return bot

    def memory_mb(self) -> dict[str, float]:
        """Resident now and at the peak, in MB."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        return {
            "rss": int(fields["VmRSS"].split()[0]) / 1024,
            "peak": int(fields["VmHWM"].split()[0]) / 1024,
        }

    def healthz_wait(self) -> float:
        """Seconds one ``/healthz`` request took (blocking: call it from a thread)."""
        start = time.perf_counter()
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=30) as r:
            r.read()
        return time.perf_counter() - start

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


class Prober:
    """Asks ``/healthz`` back to back from a thread; the worst wait is the loop's worst stall
    as a client sees it (an answer needs the bot's event loop)."""

    def __init__(self, bot: BotProcess) -> None:
        self.bot = bot
        self.waits: list[float] = []
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def __enter__(self) -> Prober:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.waits.append(await asyncio.to_thread(self.bot.healthz_wait))
            except OSError:
                await asyncio.sleep(0.01)  # not serving yet (start-up)
            await asyncio.sleep(0.005)

    async def finish(self) -> float:
        self._stop.set()
        assert self._task is not None
        await self._task
        return max(self.waits, default=float("nan"))

    def __exit__(self, *_: object) -> None:
        self._stop.set()
