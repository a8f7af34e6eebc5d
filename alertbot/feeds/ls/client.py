"""The LS WebSocket client: one connection, subscribed to what the rules need, read to the end.

``Feed.run`` supervises it (reconnect with backoff and jitter); this module runs one session
at a time, keeps the server's subscriptions in step with the rules (only the difference is
sent; everything again on a new connection), checks every acknowledgement, and hands the
watchdog the session's read loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from websockets.asyncio.client import ClientConnection, connect

from alertbot.events import KST, MarketStatus, Tick, now_kst
from alertbot.feeds.base import FatalFeedError, Feed
from alertbot.feeds.ls import protocol
from alertbot.feeds.watchdog import Watchdog

log = logging.getLogger("alertbot.feeds.ls")

TokenSource = Callable[[], Awaitable[str]]
"""Returns a usable access token; may have ``invalidate()`` when it can issue a new one."""

CONNECT_TIMEOUT = 10.0
TRADE_TRS = frozenset({protocol.KOSPI_TRADE, protocol.KOSDAQ_TRADE})


class LsFeed(Feed):
    name = "ls"

    def __init__(  # type: ignore[no-untyped-def]
        self, ws_url: str, token: TokenSource, *, watchdog: Watchdog | None = None, **kwargs
    ) -> None:
        super().__init__(**kwargs)
        self.ws_url = ws_url
        self.token = token
        self.watchdog = watchdog or Watchdog()
        self.confirmed: set[protocol.Topic] = set()
        """Topics the server acknowledged on the current connection."""
        self._ws: ClientConnection | None = None
        self._requested: set[protocol.Topic] = set()
        self._sync_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._failure: BaseException | None = None
        self._token_text = ""
        self._token_refusals = 0
        self._market: dict[str, tuple[str, str]] = {}
        self._trade_day = ""

    # ------------------------------------------------------------------ session

    async def session(self) -> None:
        self._token_text = await self.token()
        # No application-level ping is documented for LS (PROTOCOL_NOTES): websockets' own
        # protocol pings, left at the library defaults, are what notice a dead peer.
        async with connect(self.ws_url, open_timeout=CONNECT_TIMEOUT, max_size=2**23) as ws:
            self.status.connected = True
            self._ws, self._failure = ws, None
            self._requested, self.confirmed = set(), set()
            try:
                await self._sync()
                self.mark_up()
                log.info("ls: connected, %d subscriptions requested", len(self._requested))
                await self.watchdog.guard(
                    self._read(ws), lambda: self.status.last_frame_monotonic, self._expects_traffic
                )
            finally:
                self._ws = None
        if self._failure is not None:
            raise self._failure

    async def _read(self, ws: ClientConnection) -> None:
        async for frame in ws:
            self._handle(frame)

    def _handle(self, frame: str | bytes) -> None:
        received = now_kst()
        self.status.last_frame_monotonic = asyncio.get_running_loop().time()
        if self.on_raw is not None:
            self.on_raw(self.name, frame, received)
        message = protocol.parse(frame, received)
        if isinstance(message, protocol.Data):
            self._on_data(message)
        elif isinstance(message, protocol.Ack):
            self._on_ack(message)
        else:
            self.status.unparsed += 1
            log.warning("ls: unreadable frame skipped (%s): %s", message.reason, self._trim(frame))

    def _on_data(self, message: protocol.Data) -> None:
        event = message.event
        if isinstance(event, MarketStatus):
            # JIF has no time of its own: a status repeated (after a reconnect, say) is the
            # same state, not a new change, and must not alert twice.
            state = (event.status_code, event.day)
            if self._market.get(event.market_code) == state:
                return
            self._market[event.market_code] = state
        elif isinstance(event, Tick):
            self._trade_day = event.day
        self.emit(event)

    def _on_ack(self, ack: protocol.Ack) -> None:
        topic = ack.topic
        if ack.ok:
            self._token_refusals = 0
            if topic in self._requested:
                self.confirmed.add(topic)
            else:
                self.confirmed.discard(topic)
            return
        detail = self._redact(f"{ack.code} {ack.message}".strip())
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
            self.on_notice(text)
        else:
            log.warning("ls: request for %s %r refused: %s", ack.tr_cd, ack.tr_key, detail)

    def _expects_traffic(self) -> bool:
        """Trades stream all session long; VI, news and market status may be quiet for hours.

        A trade must also have arrived today, so that a holiday (unknown here) is not taken
        for a silent feed.
        """
        today = self.watchdog.now().astimezone(KST).strftime("%Y%m%d")
        subscribed = any(tr_cd in TRADE_TRS for tr_cd, _ in self._requested)
        return subscribed and self._trade_day == today

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
            self._token_text = await self.token()
            for topic in sorted(added):
                await ws.send(protocol.request(self._token_text, topic, register=True))
                self._requested.add(topic)
            for topic in sorted(removed):
                await ws.send(protocol.request(self._token_text, topic, register=False))
                self._requested.discard(topic)
                self.confirmed.discard(topic)

    # ------------------------------------------------------------------ helpers

    def _redact(self, text: str) -> str:
        return text.replace(self._token_text, "***") if self._token_text else text

    def _trim(self, frame: str | bytes) -> str:
        """An unreadable frame for the log: short, and never with the token in it."""
        text = frame if isinstance(frame, str) else frame.decode("utf-8", "replace")
        return repr(self._redact(text)[:160])

    async def stop(self) -> None:
        await super().stop()
        if self._ws is not None:
            await self._ws.close()
