"""``StockBook``: code → ``Stock``, the one place messages look a stock's name up.

It imports nothing of the project: the feeds build ``Stock`` rows from their broker's list,
the engine reads names from a book handed to it by the composition root.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

VENUE_SUFFIXES = ("_NX", "_AL")
"""Kiwoom items name the venue after the code (``005930_NX``): one name serves them all."""


@dataclass(frozen=True, slots=True)
class Stock:
    """One listed stock as the broker's master gives it (0 where the broker gives nothing)."""

    code: str
    name: str
    market: str = ""
    """As KRX writes it: ``KOSPI``, ``KOSDAQ``, ``KONEX``, ``ETF``, ``ETN``, … (empty: unknown)."""
    prev_close: int = 0
    upper_limit: int = 0
    lower_limit: int = 0


def bare_code(code: str) -> str:
    """``005930_NX`` → ``005930``; ``A005930`` → ``005930``."""
    for suffix in VENUE_SUFFIXES:
        if code.endswith(suffix):
            code = code[: -len(suffix)]
    if len(code) == 7 and code[0] in "AQ" and code[1:].isdigit():
        code = code[1:]
    return code


class StockBook:
    """The master loaded from the broker, plus names the feeds sent for codes it lacks."""

    def __init__(self, stocks: Iterable[Stock] = ()) -> None:
        self._stocks: dict[str, Stock] = {}
        self._learned: dict[str, str] = {}
        self.replace(stocks)

    def __len__(self) -> int:
        return len(self._stocks)

    def replace(self, stocks: Iterable[Stock]) -> None:
        """Use a freshly loaded master (one assignment: readers never see half of it)."""
        self._stocks = {stock.code: stock for stock in stocks if stock.code and stock.name}

    def learn(self, code: str, name: str) -> None:
        """A name a feed sent with an event: used where the master has none (a new listing)."""
        if code and name and code not in self._stocks:
            self._learned[code] = name

    def get(self, code: str) -> Stock | None:
        return self._stocks.get(code) or self._stocks.get(bare_code(code))

    def name(self, code: str) -> str:
        """The stock's name, or ``""`` when neither the master nor a feed gave one."""
        stock = self.get(code)
        if stock is not None:
            return stock.name
        return self._learned.get(code) or self._learned.get(bare_code(code), "")

    def market(self, code: str) -> str:
        stock = self.get(code)
        return stock.market if stock is not None else ""
