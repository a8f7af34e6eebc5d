"""Kiwoom's stock master: ka10099 종목정보 리스트, one paged listing per market.

``POST {KIWOOM_API_URL}/api/dostk/stkinfo`` with ``api-id: ka10099`` and ``{"mrkt_tp": …}``;
a follow-up page sends ``cont-yn: Y`` and the previous answer's ``next-key`` unchanged
(reference/kiwoom/stock-list-ka10099.md). Kiwoom gives the previous close (``lastPrice``) but
no price limits. A refused token is REST ``return_code`` 3 with HTTP 200, not a 401.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from alertbot.feeds.stocklist import (
    Page,
    Request,
    StockListError,
    StockListLoader,
    TokenRefused,
    Transient,
    read_page,
)
from alertbot.feeds.values import strip_code, to_int, to_text
from alertbot.i18n import t
from alertbot.stocks.book import Stock

PATH = "/api/dostk/stkinfo"
TR = "ka10099"
SOURCE = f"kiwoom {TR}"
"""How its errors name the request."""
MARKETS = {"0": "KOSPI", "10": "KOSDAQ", "50": "KONEX", "8": "ETF", "60": "ETN"}
"""``mrkt_tp`` → the market as KRX writes it; the markets loaded, in this order."""
TOKEN_REFUSED = 3
RATE_LIMITED = frozenset({5, 1700})


class KiwoomStockList(StockListLoader):
    broker = "kiwoom"

    def queries(self) -> Iterable[str]:
        return MARKETS

    def request(self, query: str, key: str | None, token: str) -> Request:
        headers = {
            "Content-Type": "application/json;charset=UTF-8",
            "api-id": TR,
            "authorization": f"Bearer {token}",
        }
        if key is not None:
            headers |= {"cont-yn": "Y", "next-key": key}
        return Request(PATH, headers, {"mrkt_tp": query})

    def read(self, status: int, headers: Mapping[str, str], body: Any) -> Page:
        if status == 429 or status >= 500:
            raise Transient(f"{SOURCE}: HTTP {status}")
        if not isinstance(body, dict):
            raise Transient(t("stocks.not_json", source=SOURCE, status=status))
        code = to_int(body.get("return_code"), -1)
        message = to_text(body.get("return_msg"))[:120]
        if code == TOKEN_REFUSED:
            raise TokenRefused(t("stocks.token_refused", source=SOURCE, error=message))
        if code in RATE_LIMITED:
            raise Transient(t("stocks.rate_limited", source=SOURCE, error=message))
        if status != 200 or code != 0:
            raise StockListError(f"{SOURCE}: HTTP {status}, return_code {code} {message}")
        more, key = headers.get("cont-yn", ""), headers.get("next-key", "")
        return read_page(body.get("list"), parse_row, more, key)


def parse_row(row: object) -> Stock | None:
    """One ``list`` entry; None when it has no code or name."""
    if not isinstance(row, dict):
        return None
    code, name = strip_code(row.get("code")), to_text(row.get("name"))
    if not code or not name:
        return None
    market = to_text(row.get("marketCode"))
    return Stock(
        code=code,
        name=name,
        market=MARKETS.get(market, to_text(row.get("marketName"))),
        prev_close=max(to_int(row.get("lastPrice")), 0),
    )
