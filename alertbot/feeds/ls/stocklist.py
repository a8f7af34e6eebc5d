"""LS Securities' stock master: t8436 주식종목조회 API용 (docs/protocol/ls-t8436-stock-list.md).

``POST {LS_API_URL}/stock/etc`` with the headers ``tr_cd: t8436``, ``tr_cont``, ``tr_cont_key``
and ``{"t8436InBlock": {"gubun": "0"}}`` (0 all, 1 KOSPI, 2 KOSDAQ). The answer's
``t8436OutBlock`` lists every stock with its previous close and today's upper and lower limit.
One answer usually holds the whole market; ``tr_cont: Y`` asks for the next page all the same.
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

PATH = "/stock/etc"
TR = "t8436"
SOURCE = f"ls {TR}"
"""How its errors name the request."""
OK_CODES = frozenset({"00000", "00001", "00133"})
"""``rsp_cd`` of a served answer (00133: "조회가 계속 됩니다", more pages follow)."""
TOKEN_CODES = frozenset({"IGW00121"})
"""[field] The gateway's "invalid token" code."""
MARKETS = {"1": "KOSPI", "2": "KOSDAQ"}
FUNDS = {"1": "ETF", "2": "ETN"}


class LsStockList(StockListLoader):
    broker = "ls"

    def queries(self) -> Iterable[str]:
        return ("0",)

    def request(self, query: str, key: str | None, token: str) -> Request:
        headers = {
            "content-type": "application/json; charset=utf-8",
            "authorization": f"Bearer {token}",
            "tr_cd": TR,
            "tr_cont": "N" if key is None else "Y",
            "tr_cont_key": key or "",
        }
        return Request(PATH, headers, {"t8436InBlock": {"gubun": query}})

    def read(self, status: int, headers: Mapping[str, str], body: Any) -> Page:
        answer = body if isinstance(body, dict) else {}
        code = to_text(answer.get("rsp_cd"))
        message = to_text(answer.get("rsp_msg"))[:120]
        if code in TOKEN_CODES or status == 401:
            error = f"{code} {message}".strip()
            raise TokenRefused(t("stocks.token_refused", source=SOURCE, error=error))
        if status == 429 or status >= 500 or not isinstance(body, dict):
            raise Transient(f"{SOURCE}: HTTP {status} {code} {message}".strip())
        if status != 200 or (code and code not in OK_CODES):
            raise StockListError(f"{SOURCE}: HTTP {status} {code} {message}".strip())
        more, key = headers.get("tr_cont", ""), headers.get("tr_cont_key", "")
        return read_page(answer.get(f"{TR}OutBlock"), parse_row, more, key)


def parse_row(row: object) -> Stock | None:
    """One ``t8436OutBlock`` entry; None when it has no code or name."""
    if not isinstance(row, dict):
        return None
    code, name = strip_code(row.get("shcode")), to_text(row.get("hname"))
    if not code or not name:
        return None
    fund = FUNDS.get(to_text(row.get("etfgubun")))
    return Stock(
        code=code,
        name=name,
        market=fund or MARKETS.get(to_text(row.get("gubun")), ""),
        prev_close=max(to_int(row.get("jnilclose")), 0),
        upper_limit=max(to_int(row.get("uplmtprice")), 0),
        lower_limit=max(to_int(row.get("dnlmtprice")), 0),
    )
