"""Helpers for the Kiwoom feed tests: a feed built for tests, run until it gives up."""

from __future__ import annotations

import asyncio
from typing import Any

from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.token import TokenSource
from tests.conftest import FAST, Recorder


def make_feed(url: str, token: TokenSource, recorder: Recorder, **kwargs: Any) -> KiwoomFeed:
    kwargs.setdefault("backoff", FAST)
    kwargs.setdefault("silence_timeout", None)
    return KiwoomFeed(url, token, on_event=recorder.event, on_notice=recorder.notice, **kwargs)


async def run_until_stopped(feed: KiwoomFeed) -> None:
    """Run the supervisor until it gives up for good (a fatal error); bounded."""
    async with asyncio.timeout(5):
        await feed.run()
