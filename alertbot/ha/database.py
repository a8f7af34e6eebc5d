"""Connecting to PostgreSQL with asyncpg (the optional ``postgres`` extra), errors redacted.

Every failure to reach or use the database becomes ``DatabaseUnavailable`` naming the address
without its password: the callers (leadership, the store) stop acting and retry with backoff;
nothing ever falls back to the embedded SQLite file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alertbot.ha.url import redacted
from alertbot.i18n import t
from alertbot.state import StoreUnavailable

if TYPE_CHECKING:
    import asyncpg

CONNECT_TIMEOUT = 5.0


class DatabaseUnavailable(StoreUnavailable):
    """The database cannot be reached or refused the request; ``str()`` is safe to show."""


def driver():  # type: ignore[no-untyped-def]
    """The asyncpg module, or a clear error saying how to install it."""
    try:
        import asyncpg
    except ImportError:
        raise DatabaseUnavailable(t("ha.no_driver")) from None
    return asyncpg


def failures() -> tuple[type[BaseException], ...]:
    """The exceptions that mean "the database is not there or not usable right now"."""
    asyncpg = driver()
    return (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError)


async def connect(url: str, timeout: float = CONNECT_TIMEOUT) -> asyncpg.Connection:
    """One connection; statements are not cached (safe behind PgBouncer's transaction mode)."""
    asyncpg = driver()
    try:
        return await asyncpg.connect(url, timeout=timeout, statement_cache_size=0)
    except failures() as exc:
        raise unavailable(url, exc) from None


def unavailable(url: str, exc: BaseException) -> DatabaseUnavailable:
    """``exc`` as a ``DatabaseUnavailable`` that names the database but not its password."""
    detail = str(exc).replace(url, redacted(url)) or type(exc).__name__
    return DatabaseUnavailable(f"PostgreSQL {redacted(url)}: {detail}")
