"""One state store per test, on each database the bot can use: the same tests run on the
embedded SQLite file and on PostgreSQL (under a leader's epoch), so neither drifts."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from alertbot.ha.lease import claim
from alertbot.ha.migrations import migrate
from alertbot.ha.store import PgState
from alertbot.stores import SqliteState

TERM = 3600.0
"""The test's lease: long enough never to lapse during a test."""


async def lead(url: str, holder: str = "tests", seconds: float = TERM) -> int:
    """Migrate the database and take the lease; the epoch to write under."""
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        return (await claim(conn, holder, seconds)).epoch
    finally:
        await conn.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqliteState | PgState]:
    if request.param == "sqlite":
        store: SqliteState | PgState = SqliteState(tmp_path / "state.db")
    else:
        url = request.getfixturevalue("pg_url")
        store = PgState(url, asyncio.run(lead(url)))
    try:
        yield store
    finally:
        store.close()
