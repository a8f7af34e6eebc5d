"""Shared fixtures: simulators and fakes on loopback, the vendors' golden frames, and what
every feed test needs (a recorder to wait on, a settable clock, a running supervisor)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alertbot import i18n
from alertbot.events import KST, Event
from alertbot.feeds.base import Backoff, Feed
from alertbot.feeds.token import FixedToken
from alertbot.ops.logs import quiet_libraries
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.telegram import FakeTelegram
from tests.pgcluster import Cluster, start_cluster

GOLDEN = Path(__file__).resolve().parent / "golden"


@pytest.fixture(autouse=True, scope="session")
def _quiet_libraries() -> None:
    """As ``setup_logging`` does in every command: no module quiets them on import."""
    quiet_libraries()


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``ALERTBOT_LANG=en`` for one test; the next reads the language afresh."""
    monkeypatch.setenv("ALERTBOT_LANG", "en")
    i18n.use(None)
    yield
    monkeypatch.delenv("ALERTBOT_LANG")
    i18n.use(None)


def golden(name: str) -> str:
    """A vendor example frame stored under tests/golden (see its README for the sources)."""
    return (GOLDEN / name).read_text(encoding="utf-8")


@pytest.fixture
async def kiwoom_sim() -> AsyncIterator[KiwoomSimulator]:
    async with KiwoomSimulator() as simulator:
        yield simulator


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL server for the whole run (started on first use)."""
    cluster = start_cluster()
    try:
        yield cluster
    finally:
        cluster.remove()


_databases = itertools.count(1)


@pytest.fixture
def pg_url(pg_cluster: Cluster) -> str:
    """A fresh, empty database on the throwaway server: its URL, password included."""
    return pg_cluster.create_database(f"test_{next(_databases)}")


FAST = Backoff(initial=0.01, maximum=0.05)
"""Reconnect at once in tests; production keeps its own defaults."""


class Recorder:
    """Collects a feed's events and admin notices; tests wait on it, never sleep."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.notices: list[str] = []
        self._changed = asyncio.Event()

    def event(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    def notice(self, text: str) -> None:
        self.notices.append(text)
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


class FakeClock:
    """A KST clock that moves only when told to."""

    def __init__(self, start: datetime = datetime(2025, 3, 4, 9, 0, tzinfo=KST)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def static(token: str) -> FixedToken:
    """A token source for a ready token."""
    return FixedToken(token)


@asynccontextmanager
async def running(feed: Feed) -> AsyncIterator[asyncio.Task[None]]:
    """Run the feed's supervisor for the block; stop it (bounded) afterwards."""
    task = asyncio.create_task(feed.run())
    try:
        yield task
    finally:
        await feed.stop()
        try:
            async with asyncio.timeout(5):
                await task
        except TimeoutError:
            task.cancel()
            raise
