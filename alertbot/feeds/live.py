"""The live client: a thin loop that moves frames between a WebSocket and a pure session.

Everything about the broker's conversation lives in the session (``feeds/<broker>/session.py``);
this loop only connects, hands each frame and its receive time to the session, sends what the
session answers, emits its events, ticks its timer, and turns the session's ``ending`` into the
exception ``Feed.run`` understands (reconnect with backoff, wait long, or stop).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterable
from typing import Any, ClassVar

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from alertbot.feeds.base import Feed
from alertbot.feeds.session import FatalFeedError, FeedError, FeedSilent, Session, TokenRefused
from alertbot.feeds.token import TokenSource
from alertbot.i18n import t

log = logging.getLogger("alertbot.feeds")

CONNECT_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0
"""A dead server never answers the close handshake; don't let it delay the reconnect."""
MAX_FRAME = 2**23
TIMER_INTERVAL = 1.0
"""How often the session's timer runs (login timeout, data watchdog, token renewal)."""
STOP_TIMEOUT = 1.0
STEP_BUDGET = 0.005
"""Seconds of frames handled in one go before the reader lets the rest of the bot run.
``recv`` returns queued frames without yielding, so a burst of alerting frames (1,500 VIs at
once) would hold the event loop — delivery, ``/healthz``, the other feed — for as long as
frames stay queued."""
"""How long the goodbye (stop searches, unregister) may take before the socket is closed."""


class SessionFeed(Feed):
    """A broker feed over one WebSocket; subclasses name the session and the token hints."""

    connect_options: ClassVar[dict[str, Any]] = {}
    """Extra ``websockets.connect`` options (Kiwoom turns the library's own pings off)."""
    renew_on_timer = False
    """Ask the token source on every tick, so a token renewed on schedule is used at once."""
    token_var = "TOKEN"
    """The setting of a ready (unrenewable) token, named when the server refuses it."""
    key_vars = "APPKEY, SECRETKEY"
    """The app key settings to check when freshly issued tokens are refused again and again."""
    mock_var = "MOCK"
    """The setting that picks the real or the mock-trading server."""

    def __init__(
        self,
        ws_url: str,
        token: TokenSource,
        session: Session,
        *,
        timer_interval: float = TIMER_INTERVAL,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.ws_url = ws_url
        self.token = token
        self.session = session
        self.timer_interval = timer_interval
        self._ws: ClientConnection | None = None
        """The open connection, from connect to close (``stop`` closes it, even mid-login)."""
        self._send_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._refusals = 0
        """Token refusals in a row; the second one is told to the admin."""

    # ------------------------------------------------------------------ one connection

    async def connection(self) -> None:
        await self._use_token(await self.token())
        session = self.session
        try:
            async with connect(
                self.ws_url,
                open_timeout=CONNECT_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                max_size=MAX_FRAME,
                **self.connect_options,
            ) as ws:
                self._ws = ws
                try:
                    if self.stopping:
                        return
                    self.status.connected = True
                    await self._send(session.connected(self.clock()))
                    self._after_step()
                    ticker = asyncio.create_task(self._tick(ws), name=f"{self.name}-timer")
                    try:
                        await self._read(ws)
                    finally:
                        ticker.cancel()
                        await asyncio.gather(ticker, return_exceptions=True)
                finally:
                    self._ws = None
            if session.ending is not None:  # the timer ended it: the socket closed cleanly
                raise session.ending
        except TokenRefused as refused:
            self._token_refused(refused)
        except FeedSilent as silence:
            self.silent(silence)
        finally:
            if session.token_accepted:
                self._refusals = 0

    async def _read(self, ws: ClientConnection) -> None:
        session = self.session
        step = time.perf_counter()
        try:
            while True:
                try:
                    # Bytes, not str: orjson reads the UTF-8 as it arrived, while a decoded
                    # str would be re-encoded inside orjson, twice the work per frame.
                    frame = await ws.recv(decode=False)
                except ConnectionClosedOK:
                    return
                received = self.clock()
                self.frame_received()
                if self.on_raw is not None:
                    self.on_raw(self.name, _as_text(frame), received)
                unparsed = session.unparsed_frames
                events, answers = session.receive(frame, received)
                if events and self._silence_reported:
                    self._silence_reported = False  # data again: a later silence is news
                for event in events:
                    self.emit(event)
                if unparsed != session.unparsed_frames:
                    self.count_unparsed(session.last_unparsed, frame)
                if answers:
                    await self._send(answers)
                if (
                    session.ending is not None
                    or session.notices
                    or (session.ready is not self.status.logged_in)
                ):
                    self._after_step()
                if time.perf_counter() - step > STEP_BUDGET:
                    await asyncio.sleep(0)
                    step = time.perf_counter()
        except ConnectionClosed:
            if session.ending is None:
                raise

    def _after_step(self) -> None:
        """What a step may leave on the session: notices, a login, an ending."""
        session = self.session
        for notice in session.take_notices():
            text = self.redact(notice)
            log.warning("%s: %s", self.name, text)
            self.on_notice(text)
        if session.ready and not self.status.logged_in:
            self.mark_up()
            log.info("%s: connected and subscribed", self.name)
        if session.ending is not None:
            raise session.ending

    async def _tick(self, ws: ClientConnection) -> None:
        """The session's timer, and the token renewed on its schedule (LS: before 07:00)."""
        while True:
            await asyncio.sleep(self.timer_interval)
            if self.renew_on_timer:
                try:
                    await self._use_token(await self.token())
                except Exception as exc:  # the current token stays usable until it is refused
                    log.warning("%s: token renewal failed (%s); retrying", self.name, exc)
            frames = self.session.timer(self.clock())
            await self._send(frames)
            if self.session.notices or self.session.ending is not None:
                try:
                    self._after_step()
                except Exception:
                    await ws.close()  # the reader sees the close and raises the ending
                    return

    async def _use_token(self, token: str) -> None:
        if token != self.session.token:
            self.redact.add([token])
            self.session.token = token

    def _token_refused(self, refused: TokenRefused) -> None:
        """Renew and retry with backoff, for ever; a ready token cannot be renewed."""
        detail = self.redact(str(refused))
        if not self.token.renewable:
            fixed = t(
                "feed.fixed_token", error=detail, token_var=self.token_var, keys=self.key_vars
            )
            raise FatalFeedError(fixed) from None
        self.token.invalidate()
        self._refusals += 1
        if self._refusals == 2:
            self.on_notice(
                t(
                    "feed.token_refused_again",
                    feed=self.name,
                    error=detail,
                    keys=self.key_vars,
                    mock_var=self.mock_var,
                )
            )
        raise FeedError(t("feed.token_renewing", error=detail)) from None

    # ------------------------------------------------------------------ sending

    async def _send(self, frames: Iterable[str]) -> None:
        ws = self._ws
        if ws is None or not frames:
            return
        async with self._send_lock:
            for frame in frames:
                await ws.send(frame)

    def subscriptions_changed(self) -> None:
        frames = self.session.want(self.subscriptions)
        if frames and self._ws is not None:
            task = asyncio.get_running_loop().create_task(self._send_quietly(frames))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _send_quietly(self, frames: Iterable[str]) -> None:
        # A closed socket is the reader's to notice; the supervisor then reconnects.
        with contextlib.suppress(ConnectionClosed):
            await self._send(frames)

    async def stop(self) -> None:
        """Say goodbye (bounded by ``STOP_TIMEOUT``: a dead link must not hold a shutdown)."""
        await super().stop()
        ws = self._ws
        if ws is None:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(STOP_TIMEOUT):
                await self._send(self.session.goodbye())
        await ws.close()


def _as_text(frame: bytes) -> str | bytes:
    """Recorded as text when it is text (every broker frame); garbage stays bytes."""
    try:
        return frame.decode("utf-8")
    except UnicodeDecodeError:
        return frame
