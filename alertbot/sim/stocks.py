"""The listed stocks the simulators serve (ka10099, t8436): every code the demo day and the
tests use, with real names and markets, and a previous close the demo day starts from."""

from __future__ import annotations

from collections.abc import Mapping

from alertbot.stocks.book import Stock

TICKS = ((2_000, 1), (5_000, 5), (20_000, 10), (50_000, 50), (200_000, 100), (500_000, 500))
"""KRX price bands (from 2023): below the bound, prices move in this step; above all, 1,000."""


def tick(price: int) -> int:
    return next((step for bound, step in TICKS if price < bound), 1_000)


def limits(prev_close: int) -> tuple[int, int]:
    """Today's upper and lower limit: ±30 % of the previous close, on the price grid."""
    up, down = prev_close * 13 // 10, -(-prev_close * 7 // 10)
    return up - up % tick(up), down + (-down % tick(down))


def _stock(code: str, name: str, market: str, prev_close: int) -> Stock:
    upper, lower = limits(prev_close)
    return Stock(code, name, market, prev_close, upper, lower)


SIM_STOCKS: tuple[Stock, ...] = (
    _stock("005930", "삼성전자", "KOSPI", 75_900),
    _stock("000660", "SK하이닉스", "KOSPI", 196_000),
    _stock("035420", "NAVER", "KOSPI", 212_000),
    _stock("373220", "LG에너지솔루션", "KOSPI", 402_000),
    _stock("042700", "한미반도체", "KOSPI", 98_500),
    _stock("010140", "삼성중공업", "KOSPI", 12_480),
    _stock("012450", "한화에어로스페이스", "KOSPI", 352_000),
    _stock("064350", "현대로템", "KOSPI", 118_300),
    _stock("272210", "한화시스템", "KOSPI", 31_250),
    _stock("003670", "포스코퓨처엠", "KOSPI", 214_500),
    _stock("005380", "현대차", "KOSPI", 221_000),
    _stock("068270", "셀트리온", "KOSPI", 178_900),
    _stock("000270", "기아", "KOSPI", 99_800),
    _stock("105560", "KB금융", "KOSPI", 84_700),
    _stock("000020", "동화약품", "KOSPI", 10_550),
    _stock("005385", "현대차우", "KOSPI", 107_900),
    _stock("011810", "STX", "KOSPI", 11_480),
    _stock("247540", "에코프로비엠", "KOSDAQ", 178_000),
    _stock("086520", "에코프로", "KOSDAQ", 96_300),
    _stock("196170", "알테오젠", "KOSDAQ", 312_500),
    _stock("028300", "HLB", "KOSDAQ", 61_800),
)


class StockListing:
    """One simulator's stock-list endpoint state: what it lists, how it pages, what it saw.

    Knobs: ``stocks``, ``page_size`` (rows per page, so tests and the demo page), ``fail``
    (answer the next N requests with HTTP 503), ``down`` (refuse every request with 503).
    """

    def __init__(self, stocks: tuple[Stock, ...] = SIM_STOCKS, page_size: int = 8) -> None:
        self.stocks = list(stocks)
        self.page_size = page_size
        self.fail = 0
        self.down = False
        self.requests: list[tuple[dict[str, str], object]] = []
        """(headers with lower-case names, body) of every request, in arrival order."""

    def record(self, headers: Mapping[str, str], body: object) -> None:
        self.requests.append(({name.lower(): value for name, value in headers.items()}, body))

    def unavailable(self) -> bool:
        """Should this request get a 503 (and count against ``fail``)?"""
        if self.fail > 0:
            self.fail -= 1
            return True
        return self.down

    def page(self, rows: list[Stock], key: str) -> tuple[list[Stock], str | None]:
        """The rows after ``key`` (``""``: from the start) and the key of the next page.

        Keys are opaque to the client: hex of ``page:<offset>``, as a real server's would be.
        """
        try:
            start = int(bytes.fromhex(key).decode().partition(":")[2]) if key else 0
        except ValueError:
            start = len(rows)
        end = start + self.page_size
        more = end < len(rows)
        return rows[start:end], f"page:{end}".encode().hex() if more else None
