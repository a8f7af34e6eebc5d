"""The Kiwoom WebSocket client: one connection, logged in, registered, read to the end.

``Feed.run`` supervises it (reconnect with backoff); this module does one session at a time and
keeps the registrations the rules need in step with what the server has.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import ClientConnection, connect

from alertbot.events import now_kst
from alertbot.feeds.base import FatalFeedError, Feed
from alertbot.feeds.kiwoom import protocol

log = logging.getLogger("alertbot.feeds.kiwoom")

TokenSource = Callable[[], Awaitable[str]]
"""Returns a usable access token (issued, renewed or given)."""

LOGIN_TIMEOUT = 10.0


class KiwoomFeed(Feed):
    name = "kiwoom"

    def __init__(self, ws_url: str, token: TokenSource, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(**kwargs)
        self.ws_url = ws_url
        self.token = token
        self._ws: ClientConnection | None = None
        self._registered: set[tuple[str, str]] = set()

    def wanted(self) -> set[tuple[str, str]]:
        """(type, item) pairs the current subscriptions need."""
        pairs: set[tuple[str, str]] = set()
        if self.subscriptions.vi:
            pairs.add((protocol.TYPE_VI, protocol.ALL_ITEMS))
        return pairs

    async def session(self) -> None:
        async with connect(
            self.ws_url, ping_interval=None, open_timeout=LOGIN_TIMEOUT, max_size=2**23
        ) as ws:
            self.status.connected = True
            await self._login(ws)
            self._ws = ws
            self._registered = set()
            try:
                await self._sync_registrations()
                self.mark_up()
                log.info("kiwoom: logged in, %d registrations", len(self._registered))
                async for frame in ws:
                    await self._handle(ws, frame)
            finally:
                self._ws = None

    async def _login(self, ws: ClientConnection) -> None:
        await ws.send(protocol.login(await self.token()))
        async with asyncio.timeout(LOGIN_TIMEOUT):
            async for frame in ws:
                message = protocol.parse(frame, now_kst())
                if isinstance(message, protocol.Ping):
                    await ws.send(message.raw)
                elif isinstance(message, protocol.LoginResult):
                    if message.ok:
                        return
                    if message.auth_error:
                        raise FatalFeedError(f"LOGIN refused ({message.auth_error}): token invalid")
                    raise ConnectionError(f"LOGIN refused: {message.code} {message.message}")
        raise ConnectionError("closed before LOGIN was answered")

    async def _handle(self, ws: ClientConnection, frame: str | bytes) -> None:
        received = now_kst()
        self.status.last_frame_monotonic = asyncio.get_running_loop().time()
        if self.on_raw is not None:
            self.on_raw(self.name, frame, received)
        message = protocol.parse(frame, received)
        if isinstance(message, protocol.RealData):
            for event in message.events:
                self.emit(event)
            if message.skipped:
                self.status.unparsed += message.skipped
        elif isinstance(message, protocol.Ping):
            await ws.send(message.raw)
        elif isinstance(message, protocol.Ack):
            if not message.ok:
                log.warning(
                    "kiwoom: %s refused: %s %s", message.trnm, message.code, message.message
                )
        elif isinstance(message, protocol.SystemNotice):
            log.warning("kiwoom: SYSTEM %s %s", message.code, message.message)
        elif isinstance(message, protocol.Unparsed):
            self.status.unparsed += 1
            log.warning("kiwoom: unreadable frame (%s): %.120r", message.reason, frame)

    def subscriptions_changed(self) -> None:
        if self._ws is not None:
            asyncio.get_running_loop().create_task(self._sync_registrations())

    async def _sync_registrations(self) -> None:
        """Send REG for what is wanted and missing, REMOVE for what is no longer wanted."""
        ws = self._ws
        if ws is None:
            return
        wanted = self.wanted()
        for build, pairs in (
            (protocol.register, wanted - self._registered),
            (protocol.remove, self._registered - wanted),
        ):
            by_type: dict[str, list[str]] = defaultdict(list)
            for type_, item in sorted(pairs):
                by_type[type_].append(item)
            for type_, items in by_type.items():
                await ws.send(build([type_], items))
        self._registered = wanted

    async def stop(self) -> None:
        await super().stop()
        if self._ws is not None:
            await self._ws.close()
