"""Takeover time of an HA group: SIGKILL the leader, time until the standby's broker session
is logged in and registered — when VIs flow again — over 10 kills, with the production lease.

    .venv/bin/python bench/ha_takeover.py

Real ``alertbot run`` processes, a throwaway PostgreSQL, the Kiwoom simulator (one session
per app key) and the fake Telegram server, all on loopback (tests/ha/processes.py). After
each kill a fresh standby joins, so every kill finds a standby that has been waiting.

Baselines in the same run: the lease (a standby cannot take over before the dead leader's
lease runs out, which is between lease − renewal and lease after the kill: 4–6 s by default),
and a cold start (spawn → registered session) of the first bot, the most a takeover can add
on top of the lease (a standby is already running: it pays only for logging in and
registering).
"""

from __future__ import annotations

import asyncio
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alertbot.ha.leadership import LEASE, RENEW  # noqa: E402
from alertbot.sim.kiwoom import KiwoomSimulator  # noqa: E402
from alertbot.sim.telegram import FakeTelegram  # noqa: E402
from tests.ha.processes import LEADING, STANDING_BY, Group  # noqa: E402
from tests.pgcluster import start_cluster  # noqa: E402

KILLS = 10


async def measure(url: str, folder: Path) -> tuple[float, list[float]]:
    async with KiwoomSimulator() as kiwoom, FakeTelegram() as telegram:
        group = Group(folder, url, kiwoom, telegram, lease=LEASE)
        try:
            started = time.monotonic()
            leader = await group.start("m0")
            await group.session_registered(1, timeout=60)
            cold = time.monotonic() - started
            await leader.wait_log(LEADING)
            standby = await group.start("m1")
            await standby.wait_log(STANDING_BY)
            takeovers = []
            for kill in range(KILLS):
                leader.send(signal.SIGKILL)
                killed = time.monotonic()
                await group.session_registered(kill + 2, timeout=60)
                takeovers.append(time.monotonic() - killed)
                print(f"  kill {kill + 1:2d}: session back after {takeovers[-1]:.2f} s", flush=True)
                leader, standby = standby, await group.start(f"m{kill + 2}")
                await standby.wait_log(STANDING_BY)
        finally:
            await group.close()
    return cold, takeovers


def main() -> None:
    cluster = start_cluster()
    folder = tempfile.TemporaryDirectory()
    try:
        url = cluster.create_database("bench")
        cold, takeovers = asyncio.run(measure(url, Path(folder.name)))
    finally:
        folder.cleanup()
        cluster.remove()
    median, worst = statistics.median(takeovers), max(takeovers)
    print(f"takeover after SIGKILL of the leader, {KILLS} kills, lease {LEASE:g} s")
    print(f"  median {median:.2f} s   max {worst:.2f} s   (target: max ≤ 10 s)")
    print(f"  baselines: lease {LEASE:g} s (renewed every {RENEW:g} s), cold start {cold:.2f} s")
    print(f"  median / lease = {median / LEASE:.2f}   max / lease = {worst / LEASE:.2f}")


if __name__ == "__main__":
    main()
