"""The PostgreSQL schema, versioned: each migration runs once, in order, at start.

Two instances starting together must not both create the same table: the whole check-and-
apply runs in one transaction holding a transaction-level advisory lock, so the second waits,
then finds everything applied. (A transaction-level lock, unlike a session lock, also holds
behind PgBouncer's transaction pooling.) A database already migrated by a newer alertbot is
refused rather than used with a schema this version does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncpg

from alertbot.ha.store_sql import STORE_SQL
from alertbot.i18n import t

LOCK_KEY = 0x616C_6572_7462  # "alertb": any fixed bigint shared by every alertbot version


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "leader lease",
        """
        CREATE TABLE ha_lease (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            epoch BIGINT NOT NULL,
            acquired TIMESTAMPTZ NOT NULL,
            expires TIMESTAMPTZ NOT NULL
        );
        """,
    ),
    Migration(2, "state store", STORE_SQL),
)

VERSIONS = """
CREATE TABLE IF NOT EXISTS alertbot_schema (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


class SchemaTooNew(Exception):
    """The database was migrated by a newer alertbot."""


async def migrate(
    conn: asyncpg.Connection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> list[int]:
    """Apply the migrations the database lacks; returns the versions applied now."""
    known = max(m.version for m in migrations)
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
        await conn.execute(VERSIONS)
        rows = await conn.fetch("SELECT version FROM alertbot_schema")
        applied = {row["version"] for row in rows}
        newest = max(applied, default=0)
        if newest > known:
            raise SchemaTooNew(t("ha.schema_too_new", version=newest, known=known))
        done = []
        for migration in sorted(migrations, key=lambda m: m.version):
            if migration.version in applied:
                continue
            await conn.execute(migration.sql)
            await conn.execute(
                "INSERT INTO alertbot_schema (version, name) VALUES ($1, $2)",
                migration.version,
                migration.name,
            )
            done.append(migration.version)
        return done
