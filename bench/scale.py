"""Benchmark 6: 100,000 rules — start, memory, hot reload, the event loop's worst stall, and
``alertbot check``; and a burst of 1,500 VIs that all alert. The bot is ``python -m alertbot
run`` in a process of its own (bench/botproc.py) against bench/bot_world.py.

Every figure has its baseline in the same run:

- start to registered (process spawn → the simulator saw every code registered) and RSS
  after start: 100,000 rules against 10 rules over the same 2,000 stocks;
- hot reload: one rule on a new stock appended to the 100,000-rule file → the simulator sees
  it registered; the worst ``/healthz`` wait meanwhile (asked back to back from a thread)
  against the worst wait while the same bot idles for as long;
- ``alertbot check``: wall time and peak RSS at 100,000 rules against 10 rules;
- a burst of 1,500 VIs on 1,500 stocks, each alerting to Telegram (grouped into digests by
  delivery): the worst ``/healthz`` wait from the first VI until every stock was named on
  Telegram, against the idle figure.

    .venv/bin/python bench/scale.py [RULES]

Targets (issue 19): start ≤ 5 s; RSS ≤ 250 MB; reload ≤ 5 s; worst stall ≤ 50 ms in both the
reload and the burst; check ≤ 3 s and ≤ 250 MB.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from botproc import ROOT, BotProcess, Prober, quiet_rules, telegram_rules
from workload import SYMBOLS, symbols
from world import WorldProcess

RULES = 100_000
SMALL = 10
NEW_CODE = "200000"
VIS = 1_500
WORLD = str(Path(__file__).with_name("bot_world.py"))


def rules_text(base_url: str, count: int, codes: list[str]) -> str:
    return "\n".join(quiet_rules(base_url, count, codes)) + "\n"


def vi_rules_text(base_url: str, codes: list[str]) -> str:
    lines = telegram_rules(base_url)
    lines.append(f"  - {{name: vi, event: vi, symbols: [{', '.join(codes)}]}}")
    return "\n".join(lines) + "\n"


async def start_bot(world: WorldProcess, rules: Path, state: Path) -> tuple[BotProcess, float]:
    bot = await BotProcess.start(world.kiwoom_url, rules, state)
    await world.command("ready")
    ready = float(await world.expect("ready", timeout=600))
    return bot, ready - bot.started


async def idle_stall(bot: BotProcess, seconds: float) -> float:
    with Prober(bot) as prober:
        await asyncio.sleep(seconds)
        return await prober.finish()


async def reload(world: WorldProcess, bot: BotProcess, rules: Path) -> tuple[float, float]:
    """Seconds from the new rule written to it registered, and the worst wait meanwhile."""
    with Prober(bot) as prober:
        await asyncio.sleep(0.5)  # the prober's first answers: the loop idle before the change
        written = time.monotonic()
        with rules.open("a", encoding="utf-8") as file:
            file.write(f'  - {{name: fresh, event: price, symbol: "{NEW_CODE}", above: 9999999}}\n')
        await world.command(f"watch {NEW_CODE}")
        registered = float(await world.expect("registered", timeout=600))
        return registered - written, await prober.finish()


def check(rules: Path) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of ``alertbot check`` in a fresh process."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "alertbot", "check", str(rules)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"check {rules} failed")
    return time.perf_counter() - start, usage.ru_maxrss / 1024


async def burst(world: WorldProcess, folder: Path, codes: list[str]) -> tuple[float, float]:
    """Worst ``/healthz`` wait during a burst of VIs that all alert, and the idle worst."""
    rules = folder / "vi.yaml"
    rules.write_text(vi_rules_text(world.telegram_url, codes[:VIS]), encoding="utf-8")
    bot = await BotProcess.start(world.kiwoom_url, rules, folder / "vi.db")
    try:
        await world.command("ready 1h")  # VI rules register 1h, not trades
        await world.expect("ready", timeout=600)
        idle = await idle_stall(bot, 2.0)
        with Prober(bot) as prober:
            await world.command(f"vis {VIS}")
            await world.expect("done", timeout=600)
            return await prober.finish(), idle
    finally:
        await bot.stop()


async def main(count: int) -> None:
    codes = symbols(SYMBOLS)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        world = await WorldProcess.start(SYMBOLS, 0, WORLD)
        small, large = folder / "small.yaml", folder / "large.yaml"
        small.write_text(rules_text(world.telegram_url, SMALL, codes), encoding="utf-8")
        large.write_text(rules_text(world.telegram_url, count, codes), encoding="utf-8")
        try:
            bot, small_start = await start_bot(world, small, folder / "small.db")
            small_rss = bot.memory_mb()["rss"]
            await bot.stop()
            bot, large_start = await start_bot(world, large, folder / "large.db")
            large_rss = bot.memory_mb()["rss"]
            idle = await idle_stall(bot, 2.0)
            reload_seconds, reload_stall = await reload(world, bot, large)
            reload_peak = bot.memory_mb()["peak"]
            await bot.stop()
            vi_stall, vi_idle = await burst(world, folder, codes)
        finally:
            await world.close()
        check_small = check(small)
        check_large = check(large)
    ms = 1000
    print(f"{count:,} rules over {SYMBOLS:,} stocks (baseline: {SMALL} rules), bot as a process")
    print(
        f"start to registered: {large_start:5.2f}s vs {small_start:5.2f}s "
        f"({large_start / small_start:.1f}×; target ≤ 5 s)"
    )
    print(
        f"RSS after start:     {large_rss:5.0f} MB vs {small_rss:5.0f} MB "
        f"(+{large_rss - small_rss:.0f} MB; target ≤ 250 MB)"
    )
    print(f"hot reload:          {reload_seconds:5.2f}s to the new rule registered (target ≤ 5 s)")
    print(
        f"worst /healthz wait: {reload_stall * ms:5.0f} ms during the reload vs "
        f"{idle * ms:.0f} ms idle (target ≤ 50 ms); peak RSS by then {reload_peak:.0f} MB"
    )
    print(
        f"check:               {check_large[0]:5.2f}s / {check_large[1]:.0f} MB vs "
        f"{check_small[0]:.2f}s / {check_small[1]:.0f} MB (target ≤ 3 s / ≤ 250 MB)"
    )
    print(
        f"{VIS:,} VIs alerting:    worst /healthz wait {vi_stall * ms:5.0f} ms vs "
        f"{vi_idle * ms:.0f} ms idle (target ≤ 50 ms)"
    )


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else RULES))
