"""The lease row on a real PostgreSQL: one holder, epochs that only grow, and fencing that
refuses every write of a superseded epoch — even one that started before the takeover."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from alertbot.ha.lease import Fenced, Term, claim, fence, release
from tests.ha.support import expire_lease, migrated, poll_until


async def test_one_holder_until_the_lease_expires_then_a_new_epoch(pg_url: str) -> None:
    async with migrated(pg_url) as conn:
        first = await claim(conn, "a", 6.0)
        assert (first.holder, first.epoch) == ("a", 1)
        assert 0 < first.remaining <= 6.0
        assert (await claim(conn, "b", 6.0)).holder == "a"
        assert (await claim(conn, "a", 6.0)).epoch == 1  # a renewal keeps the epoch
        await expire_lease(conn)
        taken = await claim(conn, "b", 6.0)
        assert (taken.holder, taken.epoch) == ("b", 2)
        assert (await claim(conn, "a", 6.0)).holder == "b"


async def test_a_holder_that_let_its_lease_lapse_comes_back_under_a_new_epoch(pg_url: str) -> None:
    async with migrated(pg_url) as conn:
        await claim(conn, "a", 6.0)
        await expire_lease(conn)
        assert (await claim(conn, "a", 6.0)).epoch == 2


async def test_release_lets_a_standby_take_over_at_once(pg_url: str) -> None:
    async with migrated(pg_url) as conn:
        term = await claim(conn, "a", 6.0)
        await release(conn, "b", term.epoch)  # not the holder: no effect
        assert (await claim(conn, "b", 6.0)).holder == "a"
        await release(conn, "a", term.epoch)
        assert (await claim(conn, "b", 6.0)).holder == "b"


async def test_a_superseded_epoch_is_fenced(pg_url: str) -> None:
    async with migrated(pg_url) as conn:
        old = await claim(conn, "a", 6.0)
        async with conn.transaction():
            await fence(conn, old.epoch)
        await expire_lease(conn)
        with pytest.raises(Fenced):  # expired, even before anyone took over
            async with conn.transaction():
                await fence(conn, old.epoch)
        new = await claim(conn, "b", 6.0)
        with pytest.raises(Fenced):
            async with conn.transaction():
                await fence(conn, old.epoch)
        async with conn.transaction():
            await fence(conn, new.epoch)


async def test_a_takeover_waits_for_the_old_epochs_write_in_flight(pg_url: str) -> None:
    """The fence is a lock, not a snapshot: a write that passed it commits before the new
    epoch begins, and the takeover never overlaps it."""
    async with migrated(pg_url) as old, migrated(pg_url) as new:
        await old.execute("CREATE TABLE writes (epoch BIGINT)")
        term = await claim(old, "a", 1.0)
        writing = old.transaction()
        await writing.start()
        await fence(old, term.epoch)
        pid = new.get_server_pid()
        takeover = asyncio.create_task(_claim_when_expired(new, "b"))
        query = "SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = $1"
        await poll_until(lambda: old.fetchval(query, pid))
        assert not takeover.done()
        await old.execute("INSERT INTO writes VALUES ($1)", term.epoch)
        await writing.commit()
        async with asyncio.timeout(10):
            assert (await takeover).epoch == term.epoch + 1
        with pytest.raises(Fenced):
            async with old.transaction():
                await fence(old, term.epoch)
        assert await old.fetchval("SELECT count(*) FROM writes") == 1


async def _claim_when_expired(conn: asyncpg.Connection, holder: str) -> Term:
    """Claim until the lease (about to expire) is ours."""
    term = await claim(conn, holder, 6.0)
    while term.holder != holder:
        await asyncio.sleep(term.remaining)
        term = await claim(conn, holder, 6.0)
    return term
