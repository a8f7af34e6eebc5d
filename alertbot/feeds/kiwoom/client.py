"""The Kiwoom WebSocket client: one connection, logged in, registered, read to the end.

``Feed.run`` supervises it (reconnect with backoff, silence watchdog); this module does one
session at a time and keeps what the server has registered in step with what the rules need:
REG/REMOVE for types × items, CNSRLST then CNSRREQ/CNSRCLR for condition searches. Nothing
survives a reconnect on the server side [field], so every session starts from nothing and
sends everything once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, ConnectionClosedOK

from alertbot.feeds.base import FatalFeedError, Feed, RetryLater
from alertbot.feeds.kiwoom import protocol
from alertbot.feeds.kiwoom.token import RenewableToken, TokenSource

log = logging.getLogger("alertbot.feeds.kiwoom")

LOGIN_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0
"""A dead server never answers the close handshake; don't let it delay the reconnect."""
KICKED_DELAY = 300.0
"""After R10001 (same app key elsewhere) wait this long: reconnecting at once would kick the
other session, which would kick us back."""
SILENCE_TIMEOUT = 120.0
"""The server PINGs regularly, so two minutes without any frame in market hours is a dead link."""
ITEMS_PER_REG = 100
"""The server caps items per registration (``등록 종목수 초과``) at an undocumented value."""
MAX_CONDITIONS = 10
"""Realtime condition searches per login [field]."""
STOP_TIMEOUT = 1.0
"""How long the goodbye (CNSRCLR, REMOVE) may take before the socket is closed anyway."""


@dataclass(eq=False)
class _Link:
    """What one live connection has asked the server for."""

    ws: ClientConnection
    registered: set[tuple[str, str]] = field(default_factory=set)
    names: dict[str, str] | None = None
    """seq → name from CNSRLST; ``None`` until it answers."""
    list_requested: bool = False
    conditions: dict[str, str] = field(default_factory=dict)
    """seq → name of every condition started (CNSRREQ sent) on this connection."""
    awaiting: list[str] = field(default_factory=list)
    """seqs whose CNSRREQ is not answered yet, in the order sent."""
    refused: set[str] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


def _numeric(seq: str) -> tuple[int, str]:
    return (len(seq), seq)


class KiwoomFeed(Feed):
    name = "kiwoom"

    def __init__(
        self,
        ws_url: str,
        token: TokenSource,
        *,
        kicked_delay: float = KICKED_DELAY,
        silence_timeout: float | None = SILENCE_TIMEOUT,
        **kwargs: Any,
    ) -> None:
        super().__init__(silence_timeout=silence_timeout, **kwargs)
        self.ws_url = ws_url
        self.token = token
        self.kicked_delay = kicked_delay
        self._ws: ClientConnection | None = None
        """The open connection, from connect to close (``stop`` closes it, even mid-login)."""
        self._link: _Link | None = None
        self._condition_problems: set[str] = set()
        """Wanted conditions already reported to the admin (once, not on every reconnect)."""

    def wanted(self) -> set[tuple[str, str]]:
        """(type, item) pairs the current subscriptions need."""
        subscriptions = self.subscriptions
        pairs = {(protocol.TYPE_TRADE, code) for code in subscriptions.ticks if code}
        if subscriptions.vi:
            pairs.add((protocol.TYPE_VI, protocol.ALL_ITEMS))
        if subscriptions.fills:
            pairs.add((protocol.TYPE_FILL, protocol.ALL_ITEMS))
        return pairs

    # ------------------------------------------------------------------ one session

    async def session(self) -> None:
        token = await self.token()
        for attempt in (1, 2):
            self.secrets.add(token)
            async with connect(
                self.ws_url,
                ping_interval=None,  # the server's PING is the heartbeat [field]
                open_timeout=LOGIN_TIMEOUT,
                close_timeout=CLOSE_TIMEOUT,
                max_size=2**23,
            ) as ws:
                self._ws = ws
                try:
                    if self.stopping:
                        return
                    self.status.connected = True
                    refused = await self._login(ws, token)
                    if refused is None:
                        await self._serve(ws)
                        return
                finally:
                    self._ws = None
            token = await self._renew_after(refused, attempt)

    async def _renew_after(self, refused: protocol.LoginResult, attempt: int) -> str:
        """LOGIN refused for the token: renew it and try once more, else stop for good."""
        code = refused.auth_error
        if not isinstance(self.token, RenewableToken):
            raise FatalFeedError(
                f"LOGIN refused the access token ({code}); a fixed KIWOOM_TOKEN cannot be "
                "renewed: set a fresh one, or KIWOOM_APPKEY and KIWOOM_SECRETKEY"
            )
        if attempt > 1:
            raise FatalFeedError(
                f"LOGIN refused a freshly issued token too ({code}): check that the app key "
                "is for this server (real vs mock, KIWOOM_MOCK) and allowed from this IP"
            )
        log.warning("kiwoom: LOGIN refused the token (%s); issuing a new one", code)
        self.token.invalidate()
        return await self.token()

    async def _login(self, ws: ClientConnection, token: str) -> protocol.LoginResult | None:
        """Send LOGIN; ``None`` when accepted, the refusal when the token was refused."""
        await ws.send(protocol.login(token))
        async with asyncio.timeout(LOGIN_TIMEOUT):
            async for frame in ws:
                received = self.clock()
                self.frame_received()
                if self.on_raw is not None:
                    self.on_raw(self.name, frame, received)
                message = protocol.parse(frame, received)
                if isinstance(message, protocol.Ping):
                    await ws.send(message.raw)
                elif isinstance(message, protocol.SystemNotice):
                    self._on_system(message)
                elif isinstance(message, protocol.LoginResult):
                    if message.ok:
                        return None
                    if message.auth_error:
                        return message
                    raise ConnectionError(
                        f"LOGIN refused: {message.code} {self.redact(message.message)[:120]}"
                    )
        raise ConnectionError("closed before LOGIN was answered")

    async def _serve(self, ws: ClientConnection) -> None:
        link = _Link(ws)
        self._link = link
        try:
            await self._sync(link)
            self.mark_up()
            log.info("kiwoom: logged in, %d registrations", len(link.registered))
            while True:
                try:
                    # Bytes, not str: orjson reads the UTF-8 as it arrived, while a decoded
                    # str (Korean field names) would be re-encoded inside orjson; the two
                    # conversions cost more per 0B frame than the rest of the feed's work.
                    frame = await ws.recv(decode=False)
                except ConnectionClosedOK:
                    return
                answer = self._handle(link, frame)
                if answer is not None:
                    await answer
        finally:
            self._link = None
            for task in link.tasks:
                task.cancel()

    # ------------------------------------------------------------------ frames

    def _handle(self, link: _Link, frame: str | bytes) -> Awaitable[None] | None:
        """Act on one frame; what must still be awaited (a send) is returned.

        Synchronous so that a REAL frame, nearly every frame, costs no coroutine of its own.
        """
        received = self.clock()
        self.frame_received()
        if self.on_raw is not None:  # Kiwoom sends text frames only: record them as text
            text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
            self.on_raw(self.name, text, received)
        message = protocol.parse(frame, received, link.names)
        if isinstance(message, protocol.RealData):
            for event in message.events:
                self.emit(event)
            if message.skipped:
                self.count_unparsed(f"{message.skipped} REAL entries not understood", frame)
        elif isinstance(message, protocol.Ping):
            return link.ws.send(message.raw)
        elif isinstance(message, protocol.ConditionAnswer):
            self._on_condition_answer(link, message, received)
        elif isinstance(message, protocol.ConditionList):
            return self._on_condition_list(link, message)
        elif isinstance(message, protocol.Ack):
            if not message.ok:
                self._refused(f"{message.trnm} refused: {message.code} {message.message}")
        elif isinstance(message, protocol.SystemNotice):
            self._on_system(message)
        elif isinstance(message, protocol.Unparsed):
            self.count_unparsed(message.reason, frame)
        return None

    def _on_system(self, message: protocol.SystemNotice) -> None:
        """SYSTEM frames are never echoed; R10001 ends the session with a long pause."""
        if message.code != protocol.KICKED:
            log.warning("kiwoom: SYSTEM %s %s", message.code, message.message[:120])
            return
        minutes = self.kicked_delay / 60
        self.on_notice(
            f"kiwoom: another connection logged in with the same app key ({message.code}) "
            f"and ended this one. Waiting {minutes:.0f} min before reconnecting so the two "
            "do not keep kicking each other; close the other program or use another app key."
        )
        raise RetryLater(
            f"kicked by the same app key elsewhere ({message.code})", self.kicked_delay
        )

    def _refused(self, text: str) -> None:
        text = self.redact(text)[:200]
        log.warning("kiwoom: %s", text)
        self.on_notice(f"kiwoom: {text}")

    async def _on_condition_list(self, link: _Link, message: protocol.ConditionList) -> None:
        if not message.ok:
            self._refused(f"condition list (CNSRLST) refused: {message.code} {message.message}")
            return
        link.names = dict(message.conditions)
        await self._sync(link)

    def _on_condition_answer(
        self, link: _Link, message: protocol.ConditionAnswer, received: datetime
    ) -> None:
        """The first answer to CNSRREQ: what matches now, reported once as a snapshot."""
        seq = message.seq or (link.awaiting[0] if link.awaiting else "")
        if seq in link.awaiting:
            link.awaiting.remove(seq)
        name = link.conditions.get(seq)
        if name is None:
            return  # stopped (CNSRCLR) before its answer came
        if not message.ok:
            del link.conditions[seq]
            link.refused.add(seq)
            self._refused(f"condition {name}({seq}) refused: {message.code} {message.message}")
            return
        self.emit(protocol.snapshot(message, seq, name, received))

    # ------------------------------------------------------------------ subscriptions

    def subscriptions_changed(self) -> None:
        link = self._link
        if link is not None:
            task = asyncio.get_running_loop().create_task(self._sync_quietly(link))
            link.tasks.add(task)
            task.add_done_callback(link.tasks.discard)

    async def _sync_quietly(self, link: _Link) -> None:
        # A closed socket is the reader's to notice; the supervisor then reconnects.
        with contextlib.suppress(ConnectionClosed):
            await self._sync(link)

    async def _sync(self, link: _Link) -> None:
        """Send only the difference between what is wanted and what this connection has."""
        async with link.lock:
            wanted = self.wanted()
            for frame in _requests(protocol.register, wanted - link.registered):
                await link.ws.send(frame)
            for frame in _requests(protocol.remove, link.registered - wanted):
                await link.ws.send(frame)
            link.registered = wanted
            await self._sync_conditions(link)

    async def _sync_conditions(self, link: _Link) -> None:
        wanted = self.subscriptions.conditions
        self._condition_problems &= wanted | {""}
        if link.names is None:
            if wanted and not link.list_requested:
                link.list_requested = True
                await link.ws.send(protocol.condition_list())
            return
        seqs = self._resolve(link.names, wanted)
        link.refused &= seqs.keys()
        for seq in sorted(seqs.keys() - link.conditions.keys() - link.refused, key=_numeric):
            link.conditions[seq] = seqs[seq]
            link.awaiting.append(seq)
            await link.ws.send(protocol.condition_start(seq))
        for seq in sorted(link.conditions.keys() - seqs.keys(), key=_numeric):
            del link.conditions[seq]
            await link.ws.send(protocol.condition_stop(seq))

    def _resolve(self, names: dict[str, str], wanted: Iterable[str]) -> dict[str, str]:
        """Rule conditions (names, or seqs as digit strings) → seq → name, at most 10."""
        by_name = {name: seq for seq, name in names.items()}
        resolved: dict[str, str] = {}
        for entry in sorted(wanted):
            seq = by_name.get(entry.strip()) or (entry if entry in names else None)
            if seq is None:
                listed = ", ".join(list(by_name)[:20]) or "none"
                self._report_condition(
                    entry, f"condition {entry!r} is not in the account's list (listed: {listed})"
                )
                continue
            resolved[seq] = names[seq]
        if len(resolved) <= MAX_CONDITIONS:
            return resolved
        kept = sorted(resolved, key=_numeric)[:MAX_CONDITIONS]
        dropped = [resolved[seq] for seq in sorted(resolved.keys() - set(kept), key=_numeric)]
        self._report_condition(
            "",
            f"only {MAX_CONDITIONS} realtime condition searches are allowed per login; "
            f"not watching: {', '.join(dropped)}",
        )
        return {seq: resolved[seq] for seq in kept}

    def _report_condition(self, key: str, text: str) -> None:
        if key not in self._condition_problems:
            self._condition_problems.add(key)
            self._refused(text)

    async def stop(self) -> None:
        """Stop the condition searches (CNSRCLR) and unregister (REMOVE), then close.

        A courtesy to the server, bounded by ``STOP_TIMEOUT`` so a dead link cannot hold up a
        shutdown.
        """
        await super().stop()
        link = self._link
        if link is not None:
            with contextlib.suppress(Exception):
                async with asyncio.timeout(STOP_TIMEOUT), link.lock:
                    for seq in sorted(link.conditions, key=_numeric):
                        await link.ws.send(protocol.condition_stop(seq))
                    link.conditions.clear()
                    for frame in _requests(protocol.remove, link.registered):
                        await link.ws.send(frame)
                    link.registered = set()
        if self._ws is not None:
            await self._ws.close()


def _requests(
    build: Callable[[Iterable[str], Iterable[str]], str], pairs: set[tuple[str, str]]
) -> Iterator[str]:
    """REG or REMOVE frames for ``pairs``: one per type, at most ``ITEMS_PER_REG`` items each."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_, item in sorted(pairs):
        by_type[type_].append(item)
    for type_, items in by_type.items():
        for start in range(0, len(items), ITEMS_PER_REG):
            yield build([type_], items[start : start + ITEMS_PER_REG])
