"""The leader lease: one row, renewed on the database's clock, with an epoch that fences.

Whoever holds an unexpired lease is the leader. Claiming is one statement: the holder extends
its own lease; anyone else takes it only once it has expired, and taking it (or re-taking it
after letting it lapse) increments the epoch. The epoch is the fencing token: a write that
matters runs in a transaction that first locks the lease row ``FOR SHARE`` and checks the
epoch is still current and unexpired (``fence``). A takeover must update that row, so it waits
for such a transaction to finish, and every transaction of the old epoch after it fails. A
leader paused past its lease (GC, ``SIGSTOP``, a partition) therefore records nothing when it
wakes. Expiry is compared with ``now()`` on the server, never with a client's clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from alertbot.state import StoreUnavailable

if TYPE_CHECKING:
    import asyncpg

LEADER = "leader"

CLAIM = """
WITH claimed AS (
    INSERT INTO ha_lease AS lease (name, holder, epoch, acquired, expires)
    VALUES ($1, $2, 1, now(), now() + make_interval(secs => $3))
    ON CONFLICT (name) DO UPDATE SET
        epoch = CASE WHEN lease.holder = excluded.holder AND lease.expires > now()
                     THEN lease.epoch ELSE lease.epoch + 1 END,
        acquired = CASE WHEN lease.holder = excluded.holder AND lease.expires > now()
                        THEN lease.acquired ELSE now() END,
        holder = excluded.holder,
        expires = excluded.expires
    WHERE lease.holder = excluded.holder OR lease.expires <= now()
    RETURNING holder, epoch, expires
)
SELECT holder, epoch, extract(epoch FROM expires - now())::float8 AS remaining FROM claimed
UNION ALL
SELECT holder, epoch, extract(epoch FROM expires - now())::float8 FROM ha_lease
WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM claimed)
"""

RELEASE = "UPDATE ha_lease SET expires = now() WHERE name = $1 AND holder = $2 AND epoch = $3"

FENCE = "SELECT 1 FROM ha_lease WHERE name = $1 AND epoch = $2 AND expires > now() FOR SHARE"


@dataclass(frozen=True, slots=True)
class Term:
    """Who holds the lease, under which epoch, and for how many more seconds (server clock)."""

    holder: str
    epoch: int
    remaining: float


class Fenced(StoreUnavailable):
    """A write under an epoch that is no longer the leader's: refused, nothing recorded."""


async def claim(conn: asyncpg.Connection, holder: str, seconds: float, name: str = LEADER) -> Term:
    """Take or extend the lease for ``seconds``; returns the term in force afterwards."""
    row = await conn.fetchrow(CLAIM, name, holder, seconds)
    assert row is not None, "the lease row exists once claimed"
    return Term(row["holder"], row["epoch"], max(row["remaining"], 0.0))


async def release(conn: asyncpg.Connection, holder: str, epoch: int, name: str = LEADER) -> None:
    """Let the lease lapse now (a clean stop): a standby need not wait for it to expire."""
    await conn.execute(RELEASE, name, holder, epoch)


async def fence(conn: asyncpg.Connection, epoch: int, name: str = LEADER) -> None:
    """Inside a transaction: go on only if ``epoch`` still leads; holds off a takeover until
    the transaction ends. Raises ``Fenced`` otherwise."""
    if await conn.fetchval(FENCE, name, epoch) is None:
        raise Fenced(f"epoch {epoch} no longer leads: write refused")
