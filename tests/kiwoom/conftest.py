"""Helpers for the Kiwoom feed tests: a recorder for what the feed reports, a running feed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

from alertbot.events import KST, Event
from alertbot.feeds.base import Backoff
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.kiwoom.token import TokenSource

FAST = Backoff(initial=0.01, maximum=0.05)
"""Reconnect at once in tests; production keeps its own defaults."""


class Recorder:
    """Collects the feed's events and admin notices; tests wait on it, never sleep."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.notices: list[str] = []
        self._changed = asyncio.Event()

    def event(self, event: Event) -> None:
        self.events.append(event)
        self._changed.set()

    def notice(self, text: str) -> None:
        self.notices.append(text)
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self._changed.clear()
                await self._changed.wait()


class FakeClock:
    """A KST clock that moves only when told to."""

    def __init__(self, start: datetime = datetime(2025, 3, 4, 9, 0, tzinfo=KST)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


def static(token: str) -> TokenSource:
    async def get() -> str:
        return token

    return get


def make_feed(url: str, token: TokenSource, recorder: Recorder, **kwargs: Any) -> KiwoomFeed:
    kwargs.setdefault("backoff", FAST)
    kwargs.setdefault("silence_timeout", None)
    return KiwoomFeed(url, token, on_event=recorder.event, on_notice=recorder.notice, **kwargs)


async def run_until_stopped(feed: KiwoomFeed) -> None:
    """Run the supervisor until it gives up for good (a fatal error); bounded."""
    async with asyncio.timeout(5):
        await feed.run()


@asynccontextmanager
async def running(feed: KiwoomFeed) -> AsyncIterator[asyncio.Task[None]]:
    """Run the feed's supervisor for the block; stop it (bounded) afterwards."""
    task = asyncio.create_task(feed.run())
    try:
        yield task
    finally:
        await feed.stop()
        try:
            async with asyncio.timeout(5):
                await task
        except TimeoutError:
            task.cancel()
            raise
