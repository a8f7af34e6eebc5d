"""OpenDART 공시검색 (``/api/list.json``) as pure functions: build a query, read an answer.

No sockets and no clock: the session decides what to ask and when, the poller does the HTTP.
The fields and status codes are in docs/protocol/dart.md with their sources. The API key is
not part of anything built here: the poller adds it to the query at the last moment, so it
can never reach a recording, an event or a log line through this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from alertbot.events import CORP_CLASSES, Disclosure
from alertbot.i18n import t

SOURCE = "dart"
PATH = "/api/list.json"
PAGE_COUNT = 100
"""The most OpenDART returns per page."""

OK = "000"
NO_DATA = "013"
"""Nothing filed yet in the range: normal early in the day."""
LIMIT = "020"
"""The daily request limit is exceeded: slow down, keep going."""
KEY_REFUSED = frozenset({"010", "011", "012", "901"})
"""The key or this machine's IP is refused: nothing changes until a person acts."""
MAINTENANCE = frozenset({"800", "900"})
"""The service is down for maintenance or failed on its side: try again later."""


@dataclass(frozen=True, slots=True)
class Filing:
    """One row of ``list``, as OpenDART sent it (text fields, stripped)."""

    rcept_no: str
    corp_code: str = ""
    corp_name: str = ""
    stock_code: str = ""
    corp_cls: str = ""
    report_nm: str = ""
    flr_nm: str = ""
    rcept_dt: str = ""
    rm: str = ""

    def event(self, seen: datetime) -> Disclosure:
        """The filing as an event, stamped with the time the feed first saw it."""
        return Disclosure(
            source=SOURCE,
            time=seen,
            symbol=self.stock_code,
            name=self.corp_name,
            rcept_no=self.rcept_no,
            report=self.report_nm,
            filer=self.flr_nm,
            corp_code=self.corp_code,
            market=CORP_CLASSES.get(self.corp_cls, "other"),
            filed=self.rcept_dt,
            remark=self.rm,
        )


@dataclass(frozen=True, slots=True)
class ListAnswer:
    """A readable answer: a status, and for ``000`` one page of filings, newest first."""

    status: str
    message: str
    page_no: int = 1
    total_page: int = 0
    filings: tuple[Filing, ...] = ()
    skipped: int = 0
    """Rows without a usable ``rcept_no`` (counted, never alerted)."""


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Not an OpenDART answer (an HTML error page, a cut-off body): retried like a timeout."""

    reason: str


def query(day: str, page_no: int) -> dict[str, str]:
    """The parameters for one page of ``day``'s filings (``YYYYMMDD``), newest first."""
    return {
        "bgn_de": day,
        "end_de": day,
        "sort": "date",
        "sort_mth": "desc",
        "page_no": str(page_no),
        "page_count": str(PAGE_COUNT),
    }


def parse(body: str | bytes) -> ListAnswer | Unreadable:
    """Read a ``list.json`` body; never raises."""
    try:
        message = orjson.loads(body)
    except orjson.JSONDecodeError:
        return Unreadable(t("unparsed.not_json"))
    if not isinstance(message, dict) or not isinstance(message.get("status"), str | int):
        return Unreadable(t("unparsed.no_status"))
    status = _text(message.get("status")).zfill(3)
    text = _text(message.get("message"))
    if status != OK:
        return ListAnswer(status, text)
    rows = message.get("list")
    if not isinstance(rows, list):
        return Unreadable(t("unparsed.no_list"))
    filings = [_filing(row) for row in rows]
    kept = tuple(f for f in filings if f is not None)
    return ListAnswer(
        status,
        text,
        page_no=_number(message.get("page_no"), 1),
        total_page=_number(message.get("total_page"), 1),
        filings=kept,
        skipped=len(filings) - len(kept),
    )


def _filing(row: Any) -> Filing | None:
    if not isinstance(row, dict):
        return None
    rcept_no = _text(row.get("rcept_no"))
    if not (len(rcept_no) == 14 and rcept_no.isdigit()):
        return None
    return Filing(
        rcept_no=rcept_no,
        corp_code=_text(row.get("corp_code")),
        corp_name=_text(row.get("corp_name")),
        stock_code=_text(row.get("stock_code")),
        corp_cls=_text(row.get("corp_cls")),
        report_nm=_text(row.get("report_nm")),
        flr_nm=_text(row.get("flr_nm")),
        rcept_dt=_text(row.get("rcept_dt")),
        rm=_text(row.get("rm")),
    )


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str | int) else ""


def _number(value: Any, default: int) -> int:
    """Paging numbers arrive as numbers or as their text."""
    text = _text(value)
    return int(text) if text.isdigit() else default
