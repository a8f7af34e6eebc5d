"""What every broker simulator shares: the WebSocket server and its sessions, the REST side
(the token endpoint) on its own port, and ``wait_for`` so tests wait on server state instead
of sleeping.

A simulator subclasses ``WebSocketSimulator``, answers each decoded request in ``answer`` and
lists its REST routes in ``http_routes``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Self, TypeVar

import orjson
from aiohttp import web
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
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class WebSocketSimulator(ABC, Generic[SessionT]):
    """``async with Sim() as sim:`` serves on an ephemeral loopback port until the block ends."""

    path = "/"

    def __init__(self, host: str = "127.0.0.1", ping_interval: float | None = 20.0) -> None:
        self.host = host
        self.ping_interval = ping_interval
        self.sessions: list[SessionT] = []
        self._server: Server | None = None
        self._http: web.AppRunner | None = None
        self._api_port = 0
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()

    @abstractmethod
    def new_session(self, connection: ServerConnection, id: int) -> SessionT: ...

    @abstractmethod
    async def answer(self, session: SessionT, message: Any) -> None:
        """Answer one request; ``message`` is the decoded JSON, or None when it was not JSON."""

    def http_routes(self) -> list[tuple[str, str, Handler]]:
        """(method, path, handler) served at ``api_url``; none by default."""
        return []

    async def start(self) -> Self:
        self._server = await serve(self._serve, self.host, 0, ping_interval=self.ping_interval)
        routes = self.http_routes()
        if routes:
            app = web.Application()
            for method, path, handler in routes:
                app.router.add_route(method, path, handler)
            self._http = web.AppRunner(app, access_log=None)
            await self._http.setup()
            await web.TCPSite(self._http, self.host, 0).start()
            self._api_port = self._http.addresses[0][1]
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        if self._http is not None:
            await self._http.cleanup()
            self._http = None

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

    @property
    def api_url(self) -> str:
        """The REST base the broker's ``*_API_URL`` points at."""
        assert self._http is not None, "start() first, with http_routes"
        return f"http://{self.host}:{self._api_port}"

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
