"""A Kiwoom WebSocket server on 127.0.0.1 that speaks the real wire format.

Used by tests, benchmarks and ``alertbot demo``. It behaves as the vendor documents and as the
field notes describe (reference/PROTOCOL_NOTES.md): LOGIN first with a token check, PING that
must be echoed, REG/REMOVE acknowledged with ``return_code``, REAL frames only for what a
session registered. Tests drive it with ``push`` and wait on what it saw with ``wait_for``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed

SIM_TOKEN = "sim-kiwoom-token"


@dataclass(eq=False)
class SimSession:
    """One client connection as the server sees it."""

    connection: ServerConnection
    id: int
    logged_in: bool = False
    registrations: set[tuple[str, str]] = field(default_factory=set)
    received: list[dict[str, Any]] = field(default_factory=list)
    pings_unanswered: int = 0

    def wants(self, type_: str, item: str) -> bool:
        return (type_, "") in self.registrations or (type_, item) in self.registrations


class KiwoomSimulator:
    """``async with KiwoomSimulator() as sim:`` then point the client at ``sim.url``."""

    def __init__(self, tokens: Iterable[str] = (SIM_TOKEN,), host: str = "127.0.0.1") -> None:
        self.tokens = set(tokens)
        self.host = host
        self.sessions: list[SimSession] = []
        self._server: Server | None = None
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> KiwoomSimulator:
        self._server = await serve(self._serve, self.host, 0, ping_interval=None)
        return self

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> KiwoomSimulator:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return self._server.sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/api/dostk/websocket"

    # ------------------------------------------------------------------ observation

    @property
    def live(self) -> list[SimSession]:
        """Sessions that are logged in and still open."""
        return [s for s in self.sessions if s.logged_in and s.connection.state.name == "OPEN"]

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every request from every session, in arrival order per session."""
        return [message for session in self.sessions for message in session.received]

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` holds (checked whenever the server state changes)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ scripting

    async def push(self, entries: list[dict[str, Any]]) -> int:
        """Send one REAL frame with these ``data`` entries to every session registered for them.

        Returns how many sessions got it.
        """
        sent = 0
        for session in self.live:
            wanted = [e for e in entries if session.wants(e.get("type", ""), e.get("item", ""))]
            if wanted:
                await self._send(session, {"trnm": "REAL", "data": wanted})
                sent += 1
        return sent

    async def send_raw(self, frame: str) -> None:
        """Send a frame exactly as given to every live session (malformed input tests)."""
        for session in self.live:
            await session.connection.send(frame)

    async def ping(self) -> None:
        """Send PING to every live session; its echo is recorded in ``received``."""
        for session in self.live:
            session.pings_unanswered += 1
            await self._send(session, {"trnm": "PING"})

    async def drop(self) -> None:
        """Close every connection without a close handshake reason, as a network fault would."""
        for session in list(self.live):
            await session.connection.close(code=1011, reason="simulated drop")

    # ------------------------------------------------------------------ server side

    async def _send(self, session: SimSession, message: dict[str, Any]) -> None:
        with contextlib.suppress(ConnectionClosed):
            await session.connection.send(orjson.dumps(message).decode())

    async def _serve(self, connection: ServerConnection) -> None:
        session = SimSession(connection, next(self._ids))
        self.sessions.append(session)
        await self._notify()
        try:
            async for frame in connection:
                try:
                    message = orjson.loads(frame)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(message, dict):
                    continue
                session.received.append(message)
                await self._answer(session, message)
                await self._notify()
        except ConnectionClosed:
            pass
        finally:
            await self._notify()

    async def _answer(self, session: SimSession, message: dict[str, Any]) -> None:
        trnm = message.get("trnm")
        if trnm == "LOGIN":
            if message.get("token") in self.tokens:
                session.logged_in = True
                await self._send(session, {"trnm": "LOGIN", "return_code": 0, "return_msg": ""})
            else:
                await self._send(
                    session,
                    {
                        "trnm": "LOGIN",
                        "return_code": 1,
                        "return_msg": "[CODE=8005, Token이 유효하지 않습니다]",
                    },
                )
                await session.connection.close()
            return
        if not session.logged_in:
            await self._send(
                session, {"trnm": "SYSTEM", "code": "R10004", "message": "LOGIN 미수신"}
            )
            await session.connection.close()
            return
        if trnm == "PING":
            session.pings_unanswered = max(0, session.pings_unanswered - 1)
        elif trnm in ("REG", "REMOVE"):
            self._apply_registration(session, message)
            await self._send(session, {"trnm": trnm, "return_code": 0, "return_msg": ""})

    @staticmethod
    def _apply_registration(session: SimSession, message: dict[str, Any]) -> None:
        if message.get("trnm") == "REG" and message.get("refresh") == "0":
            session.registrations.clear()
        for entry in message.get("data") or []:
            pairs = {(t, i) for t in entry.get("type") or [] for i in entry.get("item") or [""]}
            if message.get("trnm") == "REG":
                session.registrations |= pairs
            else:
                session.registrations -= pairs


def vi_entry(
    symbol: str,
    name: str,
    *,
    triggered: bool = True,
    price: int = 0,
    hhmmss: str = "090130",
    kind: str = "정적",
    up: bool = True,
    rate: str = "+10.00",
    count: int = 1,
    item: str | None = None,
) -> dict[str, Any]:
    """A ``1h`` REAL entry shaped like the vendor's example (reference/kiwoom/…-1h-….md)."""
    return {
        "type": "1h",
        "name": "VI발동/해제",
        "item": item if item is not None else symbol,
        "values": {
            "9001": symbol,
            "302": name,
            "13": "1077818",
            "14": "4201",
            "9068": "1" if triggered else "2",
            "9008": "101",
            "9075": "1",
            "1221": str(price),
            "1223": hhmmss,
            "1224": hhmmss,
            "1225": kind,
            "1236": str(price),
            "1237": "0",
            "1238": rate,
            "1239": "0.00",
            "1489": rate,
            "1490": str(count),
            "9069": "1" if up else "2",
            "1279": "+" + kind,
        },
    }
