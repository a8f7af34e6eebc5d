"""The LS WebSocket client: one connection, subscribed to what the rules need, read to the end.

``Feed.run`` supervises it (reconnect with backoff and jitter, silence watchdog); this module
runs one session at a time, keeps the server's subscriptions in step with the rules (only the
difference is sent; everything again on a new connection) and checks every acknowledgement.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from alertbot.events import KST, MarketStatus, Tick
from alertbot.feeds.base import FatalFeedError, Feed
from alertbot.feeds.ls import protocol

log = logging.getLogger("alertbot.feeds.ls")

TokenSource = Callable[[], Awaitable[str]]
"""Returns a usable access token; may have ``invalidate()`` when it can issue a new one."""

CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0
"""A dead server never answers the close handshake; don't let it delay the reconnect."""
SILENCE_TIMEOUT = 300.0
"""LS sends no heartbeat, and a thinly traded stock can go minutes without a trade: only a
long silence while trades are expected (see ``_trades_expected``) means a dead link."""
TRADE_TRS = frozenset({protocol.KOSPI_TRADE, protocol.KOSDAQ_TRADE})


class LsFeed(Feed):
    name = "ls"

    def __init__(
        self,
        ws_url: str,
        token: TokenSource,
        *,
        silence_timeout: float | None = SILENCE_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(silence_timeout=silence_timeout, **kwargs)
        self.ws_url = ws_url
        self.token = token
        self._session_hours = self.market_hours
        self.market_hours = self._trades_expected
        self.confirmed: set[protocol.Topic] = set()
        """Topics the server acknowledged on the current connection."""
        self._ws: ClientConnection | None = None
        self._requested: set[protocol.Topic] = set()
        self._sync_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None
        self._token_refusals = 0
        self._market = protocol.MarketStates()
        self._last_trade: Tick | None = None
        """Its day is read only when the watchdog asks, not formatted for every trade."""
        self._refusals_reported: set[protocol.Topic] = set()
        """Refused topics already told to the admin: once, not again on every reconnect."""

    # ------------------------------------------------------------------ session

    async def session(self) -> None:
        self.secrets.add(await self.token())
        # No application-level ping is documented for LS (PROTOCOL_NOTES): websockets' own
        # protocol pings, left at the library defaults (20 s, 20 s), notice a dead peer.
        async with connect(
            self.ws_url,
            open_timeout=CONNECT_TIMEOUT,
            close_timeout=CLOSE_TIMEOUT,
            max_size=2**23,
        ) as ws:
            self._ws, self._failure = ws, None
            self._requested, self.confirmed = set(), set()
            try:
                if self.stopping:
                    return
                self.status.connected = True
                await self._sync()
                self.mark_up()
                log.info("ls: connected, %d subscriptions requested", len(self._requested))
                async for frame in ws:
                    self._handle(frame)
            finally:
                self._ws = None
        if self._failure is not None:
            raise self._failure

    def _handle(self, frame: str | bytes) -> None:
        received = self.clock()
        self.frame_received()
        if self.on_raw is not None:
            self.on_raw(self.name, frame, received)
        message = protocol.parse(frame, received)
        if isinstance(message, protocol.Data):
            self._on_data(message)
        elif isinstance(message, protocol.Ack):
            self._on_ack(message)
        else:
            self.count_unparsed(message.reason, frame)

    def _on_data(self, message: protocol.Data) -> None:
        event = message.event
        if isinstance(event, MarketStatus):
            if not self._market.changed(event):
                return
        elif isinstance(event, Tick):
            self._last_trade = event
        self.emit(event)

    def _on_ack(self, ack: protocol.Ack) -> None:
        topic = ack.topic
        if ack.ok:
            self._token_refusals = 0
            if topic in self._requested:
                self.confirmed.add(topic)
                self._refusals_reported.discard(topic)
            else:
                self.confirmed.discard(topic)
            return
        detail = self.redact(f"{ack.code} {ack.message}".strip())
        if ack.token_refused:
            self._token_refusals += 1
            invalidate = getattr(self.token, "invalidate", None)
            if invalidate is None or self._token_refusals > 1:
                raise FatalFeedError(f"LS refused the access token ({detail})")
            invalidate()
            raise ConnectionError(f"LS refused the access token ({detail}); issuing a new one")
        if topic in self._requested:
            self._requested.discard(topic)
            self.confirmed.discard(topic)
            text = f"LS refused the subscription {ack.tr_cd} {ack.tr_key!r}: {detail}"
            log.warning("ls: %s", text)
            if topic not in self._refusals_reported:
                self._refusals_reported.add(topic)
                self.on_notice(text)
        else:
            log.warning("ls: request for %s %r refused: %s", ack.tr_cd, ack.tr_key, detail)

    def _trades_expected(self, now: datetime) -> bool:
        """When silence means a dead link: the watchdog's ``market_hours`` for this feed.

        Trades stream all session long; VI, news and market status may be quiet for hours. A
        trade must also have arrived today, so a holiday (unknown here) is not taken for a
        silent feed.
        """
        if not self._session_hours(now):
            return False
        subscribed = any(tr_cd in TRADE_TRS for tr_cd, _ in self._requested)
        last = self._last_trade
        return (
            subscribed and last is not None and last.day == now.astimezone(KST).strftime("%Y%m%d")
        )

    # ------------------------------------------------------------------ subscriptions

    def subscriptions_changed(self) -> None:
        if self._ws is not None:
            task = asyncio.get_running_loop().create_task(self._sync_or_reconnect())
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _sync_or_reconnect(self) -> None:
        """A failure while re-subscribing ends the session; ``run`` reconnects (or stops)."""
        try:
            await self._sync()
        except Exception as exc:
            self._failure = exc
            if self._ws is not None:
                await self._ws.close()

    async def _sync(self) -> None:
        """Register what is wanted and missing, unregister what is no longer wanted."""
        async with self._sync_lock:
            ws = self._ws
            if ws is None:
                return
            wanted = protocol.wanted(self.subscriptions)
            added, removed = wanted - self._requested, self._requested - wanted
            if not added and not removed:
                return
            token = await self.token()
            self.secrets.add(token)
            for topic in sorted(added):
                await ws.send(protocol.request(token, topic, register=True))
                self._requested.add(topic)
            for topic in sorted(removed):
                await ws.send(protocol.request(token, topic, register=False))
                self._requested.discard(topic)
                self.confirmed.discard(topic)

    async def stop(self) -> None:
        await super().stop()
        if self._ws is not None:
            await self._ws.close()
