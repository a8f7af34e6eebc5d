"""asyncpg on a thread of its own, for the store's synchronous interface.

The delivery pipeline, the engine's cooldowns and the mutes call their store synchronously
from the event loop (as they call SQLite, whose fsync also holds the loop). This bridge gives
the PostgreSQL store the same shape: each call runs on a private event loop in one thread with
one connection and blocks for at most ``timeout``. Every store operation is one round trip
(one statement, or one server-side function), so the loop waits about as long as for SQLite.

A connection that fails is dropped and opened again on the next call; while the database is
away each call fails fast with ``DatabaseUnavailable`` and the caller keeps what it holds.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from alertbot.ha.database import DatabaseUnavailable, connect, driver, failures, unavailable
from alertbot.ha.lease import Fenced
from alertbot.i18n import t
from alertbot.state import StoreUnavailable

if TYPE_CHECKING:
    import asyncpg

T = TypeVar("T")

FENCED_STATE = "AB001"
"""The SQLSTATE ``alertbot_fence`` raises: this epoch no longer leads."""
HELD_STATE = "AB002"
"""The SQLSTATE ``alertbot_claim`` raises: some rows are held by another transaction."""


class HeldElsewhere(StoreUnavailable):
    """Rows to claim are locked by another transaction (or already gone): claim none, retry."""


CALL_TIMEOUT = 2.0


class Bridge:
    def __init__(self, url: str, timeout: float = CALL_TIMEOUT) -> None:
        self.url = url
        self.timeout = timeout
        self._conn: asyncpg.Connection | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="pg-store", daemon=True)
        self._thread.start()

    def call(self, operation: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        """Run ``operation(connection)`` on the bridge's loop and wait for its result."""
        future = asyncio.run_coroutine_threadsafe(self._run(operation), self._loop)
        try:
            return future.result(self.timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise DatabaseUnavailable(t("ha.timeout", seconds=self.timeout)) from None

    async def _run(self, operation: Callable[[asyncpg.Connection], Awaitable[T]]) -> T:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await connect(self.url, timeout=self.timeout)
            return await operation(self._conn)
        except driver().PostgresError as exc:
            message = exc.args[0] if exc.args else type(exc).__name__
            if exc.sqlstate == FENCED_STATE:
                raise Fenced(message) from None
            if exc.sqlstate == HELD_STATE:
                raise HeldElsewhere(message) from None
            raise unavailable(self.url, exc) from None
        except asyncio.CancelledError:
            self._drop()  # cancelled mid-statement: the connection's state is unknown
            raise
        except failures() as exc:
            self._drop()
            raise unavailable(self.url, exc) from None

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    def close(self) -> None:
        async def finish() -> None:
            if self._conn is not None:
                await self._conn.close(timeout=self.timeout)

        try:
            asyncio.run_coroutine_threadsafe(finish(), self._loop).result(self.timeout)
        except (concurrent.futures.TimeoutError, *failures(), DatabaseUnavailable):
            self._drop()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(self.timeout)
        self._loop.close()
