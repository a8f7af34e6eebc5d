"""What only the PostgreSQL store must do: refuse every write that matters once its epoch is
superseded, never claim a row another transaction holds, and fail fast (and redacted) when
the database is away."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from alertbot.delivery.store import Entry, Submission
from alertbot.ha.lease import Fenced
from alertbot.ha.store import PgState
from alertbot.ops.mutes import Mute
from alertbot.state import StoreUnavailable
from tests.ha.support import Cuttable, expire_lease
from tests.pgcluster import Cluster
from tests.store.conftest import lead
from tests.store.test_state_store import NOW, fired


async def test_a_superseded_epoch_writes_nothing_that_matters(pg_url: str) -> None:
    old_epoch = await lead(pg_url, "old")
    old = PgState(pg_url, old_epoch)
    try:
        await asyncio.to_thread(old.delivery.commit, [fired("005930", "phone")], NOW)
        (row,) = await asyncio.to_thread(old.delivery.oldest, "phone", 10)
        conn = await asyncpg.connect(pg_url)
        try:
            await expire_lease(conn)
        finally:
            await conn.close()
        new_epoch = await lead(pg_url, "new")
        assert new_epoch == old_epoch + 1
        writes = [
            lambda: old.delivery.commit([fired("000660", "phone")], NOW),
            lambda: old.delivery.mark_sending([row.id]),
            lambda: old.delivery.set_aside([row.id], "refused", NOW),
            lambda: old.mutes.put(Mute("vi-all", "", None)),
            lambda: old.cooldowns.forget([("vi-all", "005930")]),
        ]
        for write in writes:
            with pytest.raises(Fenced):
                await asyncio.to_thread(write)
        (still,) = await asyncio.to_thread(old.delivery.oldest, "phone", 10)
        assert (still.id, still.uncertain) == (row.id, False)
        assert await asyncio.to_thread(old.mutes.load, NOW) == []
        new = PgState(pg_url, new_epoch)
        try:
            await asyncio.to_thread(new.delivery.mark_sending, [row.id])
            assert [e.uncertain for e in await asyncio.to_thread(new.delivery.oldest, "phone", 9)]
        finally:
            new.close()
    finally:
        old.close()


async def test_a_row_held_by_another_transaction_is_not_claimed(pg_url: str) -> None:
    state = PgState(pg_url, await lead(pg_url))
    conn = await asyncpg.connect(pg_url)
    try:
        notice = Submission([(Entry("phone", "notice", "🤖", NOW), None)])
        await asyncio.to_thread(state.delivery.commit, [fired("005930", "phone"), notice], NOW)
        first, second = await asyncio.to_thread(state.delivery.oldest, "phone", 10)
        async with conn.transaction():
            await conn.execute("SELECT 1 FROM outbox WHERE id = $1 FOR UPDATE", first.id)
            with pytest.raises(StoreUnavailable, match="1 of 2 rows"):
                await asyncio.to_thread(state.delivery.mark_sending, [first.id, second.id])
        rows = await asyncio.to_thread(state.delivery.oldest, "phone", 10)
        assert [e.uncertain for e in rows] == [False, False], "nothing claimed"
        await asyncio.to_thread(state.delivery.mark_sending, [first.id, second.id])
        rows = await asyncio.to_thread(state.delivery.oldest, "phone", 10)
        assert [e.uncertain for e in rows] == [True, True]
    finally:
        await conn.close()
        state.close()


async def test_an_unreachable_database_fails_fast_without_the_password(
    pg_cluster: Cluster, pg_url: str
) -> None:
    epoch = await lead(pg_url)
    async with Cuttable(pg_cluster.port) as link:
        state = PgState(link.url(pg_url), epoch)
        try:
            assert await asyncio.to_thread(state.delivery.counts) == {}
            link.cut()
            with pytest.raises(StoreUnavailable) as caught:
                await asyncio.to_thread(state.delivery.commit, [fired("005930", "phone")], NOW)
            assert pg_cluster.password not in str(caught.value)
            link.restore()
            (done,) = await asyncio.to_thread(
                state.delivery.commit, [fired("005930", "phone")], NOW
            )
            assert done.channels == ["phone"]
        finally:
            state.close()
