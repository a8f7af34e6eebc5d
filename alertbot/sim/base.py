"""What every broker WebSocket simulator shares: the server's lifecycle, its sessions, and
``wait_for`` so tests wait on server state instead of sleeping.

A simulator subclasses ``WebSocketSimulator`` and answers each decoded request in ``answer``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Self, TypeVar

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed


@dataclass(eq=False)
class Session:
    """One client connection as the server sees it."""

    connection: ServerConnection
    id: int
    received: list[dict[str, Any]] = field(default_factory=list)
    """Every JSON-object request, in arrival order."""

    @property
    def open(self) -> bool:
        return self.connection.state.name == "OPEN"


SessionT = TypeVar("SessionT", bound=Session)


class WebSocketSimulator(ABC, Generic[SessionT]):
    """``async with Sim() as sim:`` serves on an ephemeral loopback port until the block ends."""

    path = "/"

    def __init__(self, host: str = "127.0.0.1", ping_interval: float | None = 20.0) -> None:
        self.host = host
        self.ping_interval = ping_interval
        self.sessions: list[SessionT] = []
        self._server: Server | None = None
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()

    @abstractmethod
    def new_session(self, connection: ServerConnection, id: int) -> SessionT: ...

    @abstractmethod
    async def answer(self, session: SessionT, message: Any) -> None:
        """Answer one request; ``message`` is the decoded JSON, or None when it was not JSON."""

    async def start(self) -> Self:
        self._server = await serve(self._serve, self.host, 0, ping_interval=self.ping_interval)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}{self.path}"

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (checked whenever the server state changes)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def notify(self) -> None:
        """Wake ``wait_for``: call after any change a test may be waiting on."""
        async with self._changed:
            self._changed.notify_all()

    async def send(self, session: SessionT, message: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionClosed):
            await session.connection.send(orjson.dumps(message).decode())

    async def drop(self) -> None:
        """Close every connection abruptly, as a network fault or a gateway restart would."""
        for session in [s for s in self.sessions if s.open]:
            await session.connection.close(code=1011, reason="simulated drop")

    async def _serve(self, connection: ServerConnection) -> None:
        session = self.new_session(connection, next(self._ids))
        self.sessions.append(session)
        await self.notify()
        try:
            async for frame in connection:
                try:
                    message = orjson.loads(frame)
                except orjson.JSONDecodeError:
                    message = None
                if isinstance(message, dict):
                    session.received.append(message)
                await self.answer(session, message)
                await self.notify()
        except ConnectionClosed:
            pass
        finally:
            await self.notify()
