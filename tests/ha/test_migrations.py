"""Schema migrations on a real PostgreSQL: once each, in order, safe when instances start
together, and a newer schema refused."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from alertbot.ha.migrations import MIGRATIONS, Migration, SchemaTooNew, migrate

LATEST = max(m.version for m in MIGRATIONS)


async def versions(url: str) -> list[int]:
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch("SELECT version FROM alertbot_schema ORDER BY version")
    finally:
        await conn.close()
    return [row["version"] for row in rows]


async def test_a_fresh_database_gets_every_migration_once(pg_url: str) -> None:
    conn = await asyncpg.connect(pg_url)
    try:
        assert await migrate(conn) == [m.version for m in MIGRATIONS]
        assert await migrate(conn) == []
        assert await conn.fetchval("SELECT count(*) FROM ha_lease") == 0
    finally:
        await conn.close()
    assert await versions(pg_url) == list(range(1, LATEST + 1))


async def test_instances_starting_together_migrate_once(pg_url: str) -> None:
    conns = [await asyncpg.connect(pg_url) for _ in range(6)]
    try:
        results = await asyncio.gather(*(migrate(conn) for conn in conns))
    finally:
        await asyncio.gather(*(conn.close() for conn in conns))
    assert sorted(map(len, results)) == [0] * 5 + [len(MIGRATIONS)]
    assert await versions(pg_url) == list(range(1, LATEST + 1))


async def test_a_later_migration_applies_on_top(pg_url: str) -> None:
    later = (*MIGRATIONS, Migration(LATEST + 1, "extra", "CREATE TABLE extra (x INT)"))
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate(conn)
        assert await migrate(conn, later) == [LATEST + 1]
        assert await conn.fetchval("SELECT count(*) FROM extra") == 0
    finally:
        await conn.close()


async def test_a_schema_from_a_newer_alertbot_is_refused(pg_url: str) -> None:
    later = (*MIGRATIONS, Migration(LATEST + 1, "extra", "CREATE TABLE extra (x INT)"))
    conn = await asyncpg.connect(pg_url)
    try:
        await migrate(conn, later)
        with pytest.raises(SchemaTooNew, match=f"버전 {LATEST + 1}.*새롭습니다"):
            await migrate(conn)
    finally:
        await conn.close()
