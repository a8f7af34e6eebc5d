"""Keeping the stock master current: restored from the state database at start, loaded from
the broker right after and once a day. A failed load is a warning, never a stop: the bot goes
on with what it has (yesterday's master, or the names the feeds send)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, time, timedelta

from alertbot.i18n import t
from alertbot.stocks.book import Stock, StockBook
from alertbot.stocks.store import StockStore

log = logging.getLogger("alertbot.stocks")

Loader = Callable[[], Awaitable[list[Stock]]]
DAILY_AT = time(7, 40)
"""After LS renews its tokens (07:00) and before the first session opens (NXT 08:00)."""
FIRST_WAIT = 10.0
"""Seconds the feeds wait for a first stock master when none was kept from the last run."""


class StockMaster:
    """The book the messages read, the store behind it and the brokers' loaders."""

    def __init__(
        self,
        book: StockBook,
        store: StockStore | None,
        loaders: Sequence[tuple[str, Loader]],
        *,
        warn: Callable[[str], None],
        clock: Callable[[], datetime],
    ) -> None:
        self.book = book
        self.store = store
        self.loaders = list(loaders)
        self.warn = warn
        self.clock = clock
        self.loaded = asyncio.Event()
        """Set after each refresh attempt (success or not): tests and the demo wait on it."""

    def restore(self) -> int:
        """Names from the last run's load, before any broker answers; returns how many."""
        stocks = self.store.load() if self.store is not None else []
        if stocks:
            self.book.replace(stocks)
            log.info("stock master: %d stocks restored from the state database", len(stocks))
        return len(stocks)

    async def refresh(self) -> bool:
        """Load from every broker in use; True when at least one answered."""
        merged: dict[str, Stock] = {}
        try:
            for broker, load in self.loaders:
                try:
                    stocks = await load()
                except Exception as exc:
                    log.warning("stock master: %s load failed: %s", broker, exc)
                    self.warn(
                        t("stocks.load_failed", broker=broker, error=exc, count=len(self.book))
                    )
                    continue
                for stock in stocks:  # the first broker wins; a later one fills in limits
                    known = merged.get(stock.code)
                    merged[stock.code] = _merge(known, stock) if known else stock
            if not merged:
                return False
            if self.store is not None:
                self.store.save(merged.values(), self.clock().timestamp())
                merged = {stock.code: stock for stock in self.store.load()}
            self.book.replace(merged.values())
            return True
        finally:
            self.loaded.set()

    async def start(
        self, loaders: Sequence[tuple[str, Loader]], first_wait: float = FIRST_WAIT
    ) -> asyncio.Task[None] | None:
        """Keep the master current from ``loaders`` in the background (the task returned;
        None when no broker can load it). With no names restored, give the first load up to
        ``first_wait`` seconds before returning, so the first alerts already carry names."""
        self.loaders = list(loaders)
        if not self.loaders:
            self.loaded.set()
            return None
        keeping = asyncio.create_task(self.keep(), name="stock-master")
        if not len(self.book):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.loaded.wait(), first_wait)
        return keeping

    async def keep(self) -> None:
        """Load now and every morning; a failure is only a warning."""
        await self.refresh()
        await self.run_daily()

    async def run_daily(self, at: time = DAILY_AT) -> None:
        """Refresh every day at ``at`` (KST, the clock's zone) until cancelled."""
        while True:
            await asyncio.sleep(seconds_until(self.clock(), at))
            await self.refresh()


def seconds_until(now: datetime, at: time) -> float:
    """Seconds from ``now`` to the next ``at`` in ``now``'s zone (a full day if it is now)."""
    target = datetime.combine(now.date(), at, now.tzinfo)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def _merge(first: Stock, later: Stock) -> Stock:
    """``first`` with the numbers it lacks taken from ``later`` (Kiwoom has no limits)."""
    return Stock(
        first.code,
        first.name,
        first.market or later.market,
        first.prev_close or later.prev_close,
        first.upper_limit or later.upper_limit,
        first.lower_limit or later.lower_limit,
    )
