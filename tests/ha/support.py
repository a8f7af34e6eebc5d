"""Helpers for the HA tests: a migrated database connection and a monotonic clock to steer."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import asyncpg

from alertbot.ha.migrations import migrate


@asynccontextmanager
async def migrated(url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        yield conn
    finally:
        await conn.close()


async def expire_lease(conn: asyncpg.Connection) -> None:
    """Move the lease's expiry into the past: the database's clock has passed it."""
    await conn.execute("UPDATE ha_lease SET expires = now() - interval '1 second'")


class SteeredClock:
    """A monotonic clock that moves only when told to (a pause the process did not see)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Cuttable:
    """A TCP forwarder on loopback in front of the database: ``cut()`` drops every connection
    and refuses new ones (the database became unreachable), ``restore()`` lets them in again."""

    def __init__(self, port: int) -> None:
        self.upstream = port
        self.port = 0
        self.open = True
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def __aenter__(self) -> Cuttable:
        self._server = await asyncio.start_server(self._forward, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.cut()
        assert self._server is not None
        self._server.close()

    def url(self, url: str) -> str:
        """``url`` (a TCP URL of the test cluster) pointed at the forwarder."""
        return url.replace(f":{self.upstream}/", f":{self.port}/")

    def cut(self) -> None:
        self.open = False
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def restore(self) -> None:
        self.open = True

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.open:
            writer.transport.abort()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        self._writers |= {writer, up_writer}
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except OSError:
        pass
    finally:
        writer.transport.abort()


async def poll_until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Ask ``check`` again and again until it says yes: for state only the server can tell
    (a backend waiting on a lock), which sends no event to wait on."""
    async with asyncio.timeout(timeout):
        while not await check():  # noqa: ASYNC110 - the server cannot notify us of this
            await asyncio.sleep(0.01)
