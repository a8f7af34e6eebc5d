"""``alertbot record``: the configured feeds' raw frames into a file, to replay and test with.

The feeds are the ones ``alertbot run`` would start (same settings and environment), each
with the recorder as its ``on_raw``; events are parsed (the feeds must, to keep their
sessions right) and dropped, and nothing is sent to any chat. Admin notices go to the log.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from pathlib import Path

from alertbot.events import Event
from alertbot.feeds.base import Backoff
from alertbot.feeds.build import build_feeds
from alertbot.i18n import t
from alertbot.recording import RecordWriter
from alertbot.settings import Settings
from alertbot.subscriptions import Subscriptions

log = logging.getLogger("alertbot.record")

FLUSH_EVERY = 1.0
"""Seconds between flushes: a crash loses at most this much of the day."""
STOP_TIMEOUT = 5.0


class NoFeeds(Exception):
    """No broker has credentials: there is nothing to record."""


def recorded_subscriptions(rules: Subscriptions, symbols: Iterable[str] = ()) -> Subscriptions:
    """What the rules need, plus what a rule written tomorrow could want without naming a
    stock — every VI, fill, market status, headline and 상/하한가 report (a few frames a
    minute). Trades only for the rules' stocks and ``symbols``: a stream per stock is the
    expensive part."""
    return Subscriptions(
        vi=True,
        ticks=rules.ticks | frozenset(code for code in symbols if code),
        conditions=rules.conditions,
        fills=True,
        market=True,
        news=True,
        disclosures=True,
        limits=True,
    )


def _drop(_event: Event) -> None:
    """Events are the replay's business, not the recorder's."""


def _log_notice(text: str) -> None:
    log.warning("%s", text)


async def record(
    settings: Settings,
    out: Path,
    subscriptions: Subscriptions,
    stop: asyncio.Event,
    *,
    backoff: Backoff | None = None,
    flush_every: float = FLUSH_EVERY,
) -> RecordWriter:
    """Record until ``stop`` is set; the file is flushed and closed (a whole gzip) on return."""
    feeds = build_feeds(settings, on_event=_drop, on_notice=_log_notice, backoff=backoff)
    if not feeds:
        raise NoFeeds(t("record.no_feeds", fix=t("feeds.keys_fix")))
    with RecordWriter(out) as writer:
        tasks = []
        for feed in feeds:
            feed.on_raw = writer.write
            feed.set_subscriptions(subscriptions)
            tasks.append(asyncio.create_task(feed.run(), name=f"record-{feed.name}"))
        log.info("recording %s to %s", ", ".join(f.name for f in feeds), out)
        try:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=flush_every)
                writer.flush()
        finally:
            await asyncio.gather(*(feed.stop() for feed in feeds), return_exceptions=True)
            _, pending = await asyncio.wait(tasks, timeout=STOP_TIMEOUT)
            for task in pending:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return writer
