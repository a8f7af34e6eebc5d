"""Leadership between instances on a real PostgreSQL: one leader, a standby that takes over,
a paused leader that knows it no longer leads, and a lost database that stops the leader."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from alertbot.ha.leadership import Leadership, Role, Status
from alertbot.ha.lease import Fenced, fence
from tests.ha.support import Cuttable, SteeredClock, migrated
from tests.pgcluster import Cluster

LEASE, RENEW = 1.0, 0.2
"""Short terms keep the tests quick; production uses 6 s and 2 s."""


class Watcher:
    """Records an instance's status changes; tests wait on them."""

    def __init__(self) -> None:
        self.seen: list[Status] = []
        self._changed = asyncio.Event()

    def __call__(self, status: Status) -> None:
        self.seen.append(status)
        self._changed.set()

    async def until(self, predicate: Callable[[Status], bool], timeout: float = 10.0) -> Status:
        async with asyncio.timeout(timeout):
            while not (self.seen and predicate(self.seen[-1])):
                self._changed.clear()
                await self._changed.wait()
        return self.seen[-1]


def leading(status: Status) -> bool:
    return status.role is Role.LEADER


@asynccontextmanager
async def instance(url: str, name: str, **options) -> AsyncIterator[tuple[Leadership, Watcher]]:  # type: ignore[no-untyped-def]
    watcher = Watcher()
    leadership = Leadership(
        url, watcher, me=name, lease_seconds=LEASE, renew_every=RENEW, **options
    )
    task = asyncio.create_task(leadership.run())
    try:
        yield leadership, watcher
    finally:
        leadership.stop()
        async with asyncio.timeout(10):
            await asyncio.gather(task, return_exceptions=True)


async def test_one_leader_and_one_standby_that_names_it(pg_url: str) -> None:
    async with migrated(pg_url):
        pass
    async with instance(pg_url, "a") as (a, seen_a):
        first = await seen_a.until(leading)
        async with instance(pg_url, "b") as (b, seen_b):
            standby = await seen_b.until(lambda s: s.leader == "a")
            assert standby.role is Role.STANDBY and standby.epoch == first.epoch
            assert a.acting() and not b.acting()
        assert seen_b.seen[-1].role is Role.STANDBY
        assert all(s.role is Role.STANDBY for s in seen_b.seen)


async def test_a_clean_stop_hands_over_under_a_new_epoch(pg_url: str) -> None:
    async with migrated(pg_url):
        pass
    async with instance(pg_url, "b") as (b, seen_b):
        first = await seen_b.until(leading)
        async with instance(pg_url, "a") as (a, seen_a):
            await seen_a.until(lambda s: s.leader == "b")
            b.stop()
            taken = await seen_a.until(leading)
            assert a.acting() and not b.acting()
            assert taken.epoch == first.epoch + 1


async def test_a_paused_leader_stops_acting_and_is_fenced(pg_url: str) -> None:
    """A leader frozen past its lease (GC pause, SIGSTOP) wakes believing nothing changed:
    its own clock must tell it that it no longer leads, and the database must refuse it."""
    async with migrated(pg_url) as conn:
        clock = SteeredClock()
        watcher = Watcher()
        old = Leadership(
            pg_url, watcher, me="old", lease_seconds=LEASE, renew_every=RENEW, clock=clock
        )
        task = asyncio.create_task(old.run())
        term = await watcher.until(leading)
        task.cancel()  # frozen: it neither renews nor steps down
        await asyncio.gather(task, return_exceptions=True)
        assert old.acting()
        async with instance(pg_url, "new") as (_, seen_new):
            taken = await seen_new.until(leading)
            assert taken.epoch == term.epoch + 1
            clock.now += LEASE  # the pause, as the old leader's monotonic clock saw it
            assert old.status.role is Role.LEADER and not old.acting()
            with pytest.raises(Fenced):
                async with conn.transaction():
                    await fence(conn, term.epoch)
            resumed = asyncio.create_task(old.run())
            try:
                status = await watcher.until(lambda s: s.leader == "new")
                assert status.role is Role.STANDBY and not old.acting()
            finally:
                old.stop()
                await resumed


async def test_a_leader_that_loses_the_database_stands_by_and_comes_back(
    pg_cluster: Cluster, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with migrated(pg_url), Cuttable(pg_cluster.port) as link:
        url = link.url(pg_url)
        async with instance(url, "a") as (a, seen):
            first = await seen.until(leading)
            link.cut()
            lost = await seen.until(lambda s: s.role is Role.STANDBY)
            assert not a.acting()
            assert lost.problem == "리더 임기(lease)가 갱신되지 못하고 끝남"  # /readyz says it
            link.restore()
            back = await seen.until(leading)
            assert a.acting() and back.epoch >= first.epoch and back.problem is None
    assert "PostgreSQL postgresql://alertbot:***@127.0.0.1" in caplog.text
    assert pg_cluster.password not in caplog.text
