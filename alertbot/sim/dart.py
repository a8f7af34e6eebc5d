"""OpenDART's 공시검색 (``GET /api/list.json``) on loopback, for tests, the demo and replays.

It answers like the service (docs/protocol/dart.md): the key is checked (``010`` otherwise),
dates and paging are validated (``100``), today's filings come newest first in pages of
``page_count``, an empty range is ``013``. Faults are injected the ``FakeHTTPService`` way:
``fail_next("list.json", status_response("020"))`` for the next calls, or ``refuse(status)``
for every call until ``refuse(None)``.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from aiohttp import web

from alertbot.sim.fakehttp import FakeHTTPService

SIM_KEY = "d2a7c3f0e1b94e8a9f6c5d4b3a2918070605f4e3"
"""A key the simulator accepts (40 characters, like a real one)."""
METHOD = "list.json"

MESSAGES = {
    "000": "정상",
    "010": "등록되지 않은 키입니다.",
    "011": (
        "사용할 수 없는 키입니다. 오픈API에 등록되었으나, "
        "일시적으로 사용 중지된 키를 통하여 검색하는 경우 발생합니다."
    ),
    "012": "접근할 수 없는 IP입니다.",
    "013": "조회된 데이타가 없습니다.",
    "020": (
        "요청 제한을 초과하였습니다. 일반적으로는 20,000건 이상의 요청에 대하여 이 에러 "
        "메시지가 발생되나, 요청 제한이 다르게 설정된 경우에는 이에 준하여 발생됩니다."
    ),
    "100": ("필드의 부적절한 값입니다. 필드 설명에 없는 값을 사용한 경우에 발생하는 메시지입니다."),
    "800": "시스템 점검으로 인한 서비스가 중지 중입니다.",
    "900": "정의되지 않은 오류가 발생하였습니다.",
    "901": (
        "사용자 계정의 개인정보 보유기간이 만료되어 사용할 수 없는 키입니다. "
        "관리자 이메일(opendart@fss.or.kr)로 문의하시기 바랍니다."
    ),
}
"""The service's own words, as its guide lists them."""
_DAY = re.compile(r"^\d{8}$")


def filing(
    rcept_no: str,
    corp_name: str,
    stock_code: str,
    report_nm: str,
    *,
    corp_cls: str = "Y",
    flr_nm: str | None = None,
    corp_code: str = "00126380",
    rm: str = "유",
) -> dict[str, str]:
    """One ``list`` row; ``rcept_dt`` is the date inside ``rcept_no``."""
    return {
        "corp_code": corp_code,
        "corp_name": corp_name,
        "stock_code": stock_code,
        "corp_cls": corp_cls,
        "report_nm": report_nm,
        "rcept_no": rcept_no,
        "flr_nm": corp_name if flr_nm is None else flr_nm,
        "rcept_dt": rcept_no[:8],
        "rm": rm,
    }


def status_response(status: str, message: str | None = None) -> web.Response:
    """An answer carrying only a status, as OpenDART sends its errors (HTTP 200)."""
    body = {"status": status, "message": MESSAGES.get(status, "") if message is None else message}
    return web.Response(body=orjson.dumps(body), content_type="application/json")


class DartSimulator(FakeHTTPService):
    """``async with DartSimulator() as dart:``; ``dart.file(row, …)`` publishes filings."""

    def __init__(self, key: str = SIM_KEY, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.key = key
        self.filings: list[dict[str, str]] = []
        """Every filing published, oldest first."""

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/api/list.json", self._list)

    @property
    def api_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def file(self, *rows: dict[str, str]) -> None:
        """Publish filings: they appear on the next poll."""
        self.filings.extend(rows)

    def refuse(self, status: str | None) -> None:
        """Answer every call with ``status`` from now on (``None``: answer normally again)."""
        self.failures = [] if status is None else [lambda _m, _p: status_response(status)]

    async def _list(self, request: web.Request) -> web.Response:
        params = dict(request.query)
        return await self.answer(METHOD, params, lambda: self._page(params))

    async def _page(self, params: dict[str, str]) -> web.Response:
        if params.get("crtfc_key") != self.key:
            return status_response("010")
        bgn, end = params.get("bgn_de", ""), params.get("end_de", "")
        page_no, page_count = params.get("page_no", "1"), params.get("page_count", "10")
        if not (_DAY.match(bgn) and _DAY.match(end)) or bgn > end:
            return status_response("100")
        if not (page_no.isdigit() and page_count.isdigit() and 1 <= int(page_count) <= 100):
            return status_response("100")
        newest_first = params.get("sort_mth", "desc") == "desc"
        rows = sorted(
            (row for row in self.filings if bgn <= row["rcept_dt"] <= end),
            key=lambda row: row["rcept_no"],
            reverse=newest_first,
        )
        if not rows:
            return status_response("013")
        size, number = int(page_count), max(int(page_no), 1)
        total_page = -(-len(rows) // size)
        body = {
            "status": "000",
            "message": "정상",
            "page_no": number,
            "page_count": size,
            "total_count": len(rows),
            "total_page": total_page,
            "list": rows[(number - 1) * size : number * size],
        }
        return web.Response(body=orjson.dumps(body), content_type="application/json")
