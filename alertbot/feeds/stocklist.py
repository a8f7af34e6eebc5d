"""Loading a broker's stock master over REST: paged requests, retries, token renewal.

Both brokers page the same way (a "more follows" header and an opaque key sent back
unchanged), so ``StockListLoader`` holds the loop and each broker's subclass only builds a
request and reads an answer (``feeds/kiwoom/stocklist.py``, ``feeds/ls/stocklist.py``).

Network faults, 5xx, rate limits and a refused token are retried with backoff (tenacity); a
refused token is invalidated first so the next try has a fresh one. What retrying cannot fix
raises ``StockListError``: the caller logs it and keeps yesterday's master.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from tenacity import (
    AsyncRetrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential,
)
from tenacity.wait import wait_base

from alertbot.i18n import t
from alertbot.stocks.book import Stock

log = logging.getLogger("alertbot.feeds")

TokenSource = Callable[[], Awaitable[str]]

MAX_PAGES = 500
"""A server that always says "more" must not keep the loader forever."""


class StockListError(Exception):
    """The list could not be loaded; ``str()`` says why, never with the token."""


class Transient(StockListError):
    """A fault that may pass: network, 5xx, rate limit, unreadable answer."""


class TokenRefused(Transient):
    """The server refused the token: renew it and try again."""


@dataclass(frozen=True, slots=True)
class Request:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Page:
    stocks: list[Stock]
    next_key: str | None
    """The key for the next page, None on the last one."""


def read_page(rows: object, parse: Callable[[object], Stock | None], more: str, key: str) -> Page:
    """A page from an answer's rows (unreadable ones left out) and its paging headers."""
    stocks = [stock for row in rows if (stock := parse(row))] if isinstance(rows, list) else []
    return Page(stocks, key if more.strip().upper() == "Y" and key.strip() else None)


class StockListLoader(ABC):
    """``await loader()`` → every stock of the markets it asks for."""

    broker = ""

    def __init__(
        self,
        api_url: str,
        token: TokenSource,
        *,
        attempts: int = 4,
        wait: wait_base | None = None,
        timeout: float = 20.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.token = token
        self.attempts = attempts
        self.wait = wait or wait_exponential(multiplier=1, min=1, max=30)
        self.timeout = timeout

    @abstractmethod
    def queries(self) -> Iterable[str]:
        """One paged listing per query (Kiwoom: a market each; LS: all in one)."""

    @abstractmethod
    def request(self, query: str, key: str | None, token: str) -> Request:
        """The request for one page (``key`` None: the first)."""

    @abstractmethod
    def read(self, status: int, headers: Mapping[str, str], body: Any) -> Page:
        """One answer's stocks and next key; raises ``Transient`` or ``StockListError``."""

    async def __call__(self) -> list[Stock]:
        stocks: dict[str, Stock] = {}
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            for query in self.queries():
                key: str | None = None
                for _ in range(MAX_PAGES):
                    page = await self._page(http, query, key)
                    stocks.update((stock.code, stock) for stock in page.stocks)
                    key = page.next_key
                    if key is None:
                        break
                else:
                    raise StockListError(
                        t("stocks.too_many_pages", broker=self.broker, pages=MAX_PAGES)
                    )
        log.info("%s: stock master loaded, %d stocks", self.broker, len(stocks))
        return list(stocks.values())

    async def _page(self, http: aiohttp.ClientSession, query: str, key: str | None) -> Page:
        retrying = AsyncRetrying(
            stop=stop_after_attempt(self.attempts),
            wait=self.wait,
            retry=retry_if_exception_type(Transient),
            reraise=True,
        )
        async for attempt in retrying:
            with attempt:
                return await self._fetch(http, query, key)
        raise AssertionError("unreachable: tenacity reraises")  # pragma: no cover

    async def _fetch(self, http: aiohttp.ClientSession, query: str, key: str | None) -> Page:
        try:
            token = await self.token()
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            raise Transient(t("stocks.no_token", broker=self.broker, error=error)) from None
        request = self.request(query, key, token)
        try:
            async with http.post(
                self.api_url + request.path,
                data=orjson.dumps(request.body),
                headers=request.headers,
            ) as response:
                status, headers, raw = response.status, response.headers, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            error = type(exc).__name__
            raise Transient(t("stocks.unreachable", broker=self.broker, error=error)) from None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            body = None
        try:
            return self.read(status, headers, body)
        except TokenRefused:
            invalidate = getattr(self.token, "invalidate", None)
            if invalidate is not None:
                invalidate()
            raise
