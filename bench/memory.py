"""Benchmark 4: peak RSS of the bot with 10,000 rules over 2,000 stocks after 200,000 frames.

Each figure comes from a fresh interpreter (this script run again as a child), so nothing a
previous measurement allocated is counted:

- idle: the interpreter with the bot's imports and nothing else (the baseline of this run);
- bot: the real ``App`` loading 10,000 rules from YAML, its ``KiwoomFeed`` connected to the
  simulator (bench/world.py, a process of its own, not counted) and 200,000 ``0B`` frames
  received, parsed and evaluated; peak RSS is read at the end.

    .venv/bin/python bench/memory.py

Target: bot peak ≤ 150 MB.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

FRAMES = 200_000
RULES = 10_000
POOL = 20_000


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set size in MB (Linux ``/proc`` and ``ru_maxrss`` in kB)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    current = pages * resource.getpagesize() / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def idle() -> dict[str, float]:
    import alertbot.app  # noqa: F401  - the imports the bot starts with

    current, peak = rss_mb()
    return {"current": current, "peak": peak}


async def bot() -> dict[str, float]:
    from socket_throughput import bot as run_bot
    from workload import SYMBOLS, quiet_rules_yaml, symbols
    from world import WorldProcess

    logging.basicConfig(level=logging.ERROR)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "rules.yaml").write_text(quiet_rules_yaml(RULES, symbols(SYMBOLS)), "utf-8")
        world = await WorldProcess.start(SYMBOLS, POOL)
        try:
            seconds = (await run_bot(world, FRAMES, folder)).wall
        finally:
            await world.close()
    current, peak = rss_mb()
    return {"current": current, "peak": peak, "seconds": seconds}


def child(kind: str) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, kind], check=True, capture_output=True, timeout=120
    ).stdout
    return orjson.loads(output.splitlines()[-1])


def main() -> None:
    base = child("idle")
    after = child("bot")
    print(f"idle interpreter with the bot's imports: {base['peak']:.1f} MB peak RSS")
    print(
        f"bot, {RULES:,} rules, 2,000 stocks, after {FRAMES:,} frames ({after['seconds']:.1f}s): "
        f"{after['peak']:.1f} MB peak, {after['current']:.1f} MB at the end"
    )
    print(
        f"bot peak / idle: {after['peak'] / base['peak']:.2f}×; bot peak - idle: "
        f"{after['peak'] - base['peak']:.1f} MB  (target: peak ≤ 150 MB)"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1:
        result = idle() if sys.argv[1] == "idle" else asyncio.run(bot())
        print(orjson.dumps(result).decode())
    else:
        main()
