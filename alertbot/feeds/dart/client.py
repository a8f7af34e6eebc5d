"""The OpenDART poller: a thin loop between aiohttp and the pure ``DartSession``.

It waits the delay the session asks for, GETs the page (HTTP errors, timeouts and unreadable
bodies are retried with tenacity; after a few the session ends and ``Feed.run`` reconnects
with its backoff), hands the answer to the session, emits the events, and keeps the filings
seen in the state database *after* emitting them (a crash in between resends, which delivery's
dedupe drops, rather than loses). The key joins the query only here and is a feed secret.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import aiohttp
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from alertbot.events import KST, Event
from alertbot.feeds.base import Feed
from alertbot.feeds.dart import protocol
from alertbot.feeds.dart.memory import SeenFilings
from alertbot.feeds.dart.session import DartSession, Request, weekday
from alertbot.feeds.session import FeedError
from alertbot.i18n import t

log = logging.getLogger("alertbot.feeds.dart")

TIMEOUT = 10.0
ATTEMPTS = 4
"""Tries of one request before the session ends and the supervisor's backoff takes over."""


class PollFailed(FeedError):
    """One request got no readable answer; the text names no secret."""


class DartFeed(Feed):
    name = "dart"
    serves = frozenset({"disclosure"})

    def __init__(
        self,
        api_url: str,
        api_key: str,
        *,
        poll: float = 5.0,
        seen: SeenFilings | None = None,
        business_day: Callable[[date], bool] = weekday,
        retry_wait: tuple[float, float] = (1.0, 30.0),
        timeout: float = TIMEOUT,
        **kwargs: Any,
    ) -> None:
        """``retry_wait``: first and longest pause between tries of one request; ``timeout``:
        seconds for one request, answer included."""
        super().__init__(**kwargs)
        self.url = api_url.rstrip("/") + protocol.PATH
        self._key = api_key
        self.redact.add([api_key])
        self.poll = poll
        self.seen = seen or SeenFilings(None)
        self.business_day = business_day
        self.retry_wait = retry_wait
        self.timeout = timeout
        self.session: DartSession | None = None
        """Outlives one HTTP session: what was seen and the quota spent survive a retry."""
        self._wake = asyncio.Event()

    def subscriptions_changed(self) -> None:
        self._wake.set()

    def poll_now(self) -> None:
        """Cut the current wait short (the demo plays a day faster than the poll interval)."""
        self._wake.set()

    async def stop(self) -> None:
        await super().stop()
        self._wake.set()

    # ------------------------------------------------------------------ session

    async def connection(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            dart = self._session()
            dart.want(self.subscriptions)
            dart.connected(self.clock())
            self._wake.clear()  # a pass begins now: an earlier wake asked for nothing more
            while not self.stopping:
                if not self.subscriptions.disclosures:
                    if not self.status.ready:
                        self.mark_up()  # idle by design: no disclosure rule, no quota spent
                    await self._sleep(None)
                    continue
                request = dart.request
                assert request is not None, "a session that ended has raised"
                if request.delay > 0 and await self._sleep(request.delay):
                    dart.hurry(self.clock())
                    continue
                if not self.stopping:
                    self._apply(dart, await self._fetch(http, dart, request))

    def _session(self) -> DartSession:
        if self.session is None:
            now = self.clock()
            today = now.astimezone(KST).strftime("%Y%m%d")
            self.seen.forget_before(now)
            started, known = self.seen.load(today)
            self.session = DartSession(
                day=today,
                known=known,
                started=started,
                poll=self.poll,
                business_day=self.business_day,
            )
        return self.session

    async def _sleep(self, seconds: float | None) -> bool:
        """Wait ``seconds`` (None: until woken); True when woken early. A wake that came
        while a request was under way is not lost: it ends this wait at once."""
        if self.stopping:
            return True
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            return False
        self._wake.clear()
        return True

    def _apply(self, dart: DartSession, events: Sequence[Event]) -> None:
        if dart.problem:
            log.warning("dart: %s", dart.problem)
        for notice in dart.take_notices():
            self.on_notice(notice)
        if dart.ending is not None:
            raise dart.ending
        if not self.status.ready:
            self.mark_up()
        for event in events:
            self.emit(event)
        for day, rcept_nos, started in dart.take_seen():
            self.seen.add(day, rcept_nos, started=started)

    async def _fetch(
        self, http: aiohttp.ClientSession, dart: DartSession, request: Request
    ) -> Sequence[Event]:
        """The request's events, tried again on HTTP errors, timeouts and unreadable bodies."""
        low, high = self.retry_wait
        retrying = AsyncRetrying(
            retry=retry_if_exception_type(PollFailed),
            wait=wait_exponential_jitter(multiplier=low, max=high, jitter=low),
            stop=stop_after_attempt(ATTEMPTS),
            before_sleep=self._retrying,
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                body = await self._get(http, request)
                now = self.clock()
                if self.on_raw is not None:
                    self.on_raw(protocol.SOURCE, body.decode("utf-8", "replace"), now)
                events, _ = dart.receive(body, now)
                if not dart.readable:
                    self.count_unparsed(dart.last_unparsed, body)
                    raise PollFailed(t("feed.unreadable", reason=dart.last_unparsed))
                return events
        raise AssertionError("unreachable: tenacity reraises the last failure")

    async def _get(self, http: aiohttp.ClientSession, request: Request) -> bytes:
        params = {"crtfc_key": self._key, **request.query()}
        try:
            async with http.get(self.url, params=params) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            # aiohttp's messages can carry the URL, and the URL carries the key.
            raise PollFailed(self.redact(f"{type(exc).__name__}: {exc}")) from None
        self.frame_received()
        if status != 200:
            raise PollFailed(f"HTTP {status}")
        return body

    def _retrying(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        pause = state.next_action.sleep if state.next_action else 0.0
        self.status.last_error = str(error)
        log.warning("dart: %s; trying again in %.1fs", error, pause)
