"""Chaos, bounded and on loopback: the leader of a two-process group is killed with SIGKILL at
random moments during bursts of VIs, ten times over, a fresh standby started after each kill.

Lost means: an alert the group committed (its dedupe key is in the shared database) that no
message ever carried. Duplicate means: more than one unmarked message for one VI — a resend
after a kill must carry "🔁 재전송". Both must be zero. The random moments come from a fixed
seed, so a failure can be replayed.
"""

from __future__ import annotations

import asyncio
import random
import signal

import asyncpg
import pytest

from tests.ha.processes import LEADING, STANDING_BY, Group

LEASE = 2.0
"""Seconds: the ``group`` fixture (tests/ha/conftest.py) starts its processes with it."""
KILLS = 10
BURST = 6
SEED = 18


@pytest.mark.timeout(300)
async def test_killing_the_leader_mid_burst_loses_nothing_and_repeats_nothing_unmarked(
    group: Group, pg_url: str
) -> None:
    rng = random.Random(SEED)
    leader = await group.start("m0")
    await leader.wait_log(LEADING)
    standby = await group.start("m1")
    await standby.wait_log(STANDING_BY)
    pushed: list[str] = []
    to_a_settled_leader: list[str] = []
    for kill in range(KILLS):
        await group.session_registered(kill + 1)
        burst = [f"{kill:02d}{i:04d}" for i in range(BURST)]
        half = rng.randrange(1, BURST)
        await group.push_vis(burst[:half])
        await asyncio.sleep(rng.uniform(0.0, 0.4))  # not a wait: the random moment to kill
        leader.send(signal.SIGKILL)
        await standby.wait_log(LEADING)
        await group.session_registered(kill + 2)
        await group.push_vis(burst[half:])  # the rest of the burst, to the new leader
        pushed += burst
        to_a_settled_leader += burst[half:]
        leader, standby = standby, await group.start(f"m{kill + 2}")
        await standby.wait_log(STANDING_BY)

    committed = await _committed_symbols(pg_url)
    await group.delivered(committed, timeout=60)
    await group.outbox_empty()
    lost = [s for s in committed if sum(group.copies(s)) == 0]
    unmarked_twice = [s for s in pushed if group.copies(s)[0] > 1]
    print(
        f"chaos: {KILLS} kills, {len(pushed)} VIs pushed, {len(committed)} committed, "
        f"{len(lost)} lost, {len(unmarked_twice)} unmarked duplicates"
    )
    assert lost == [] and unmarked_twice == []
    assert set(to_a_settled_leader) <= set(committed)


async def _committed_symbols(url: str) -> list[str]:
    conn = await asyncpg.connect(url)
    try:
        keys = await conn.fetch("SELECT key FROM delivery_keys WHERE key LIKE 'vi-all|%'")
    finally:
        await conn.close()
    return sorted({key.split("|")[1].split(":")[1] for (key,) in keys})
