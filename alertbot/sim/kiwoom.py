"""A Kiwoom server on 127.0.0.1 that speaks the real wire formats: token REST and WebSocket.

Used by tests, benchmarks and ``alertbot demo``. It behaves as the vendor documents and as the
field notes describe (reference/PROTOCOL_NOTES.md): au10001 tokens with an ``expires_dt``,
LOGIN first with a token check, PING that must be echoed (about 5 unanswered end the session),
REG/REMOVE acknowledged with ``return_code``, CNSRLST before CNSRREQ, REAL frames only for what
a session registered, SYSTEM R10001 when the same app key logs in elsewhere. Tests drive it with
``push``/``kick``/``drop`` and wait on what it saw with ``wait_for``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
from aiohttp import web
from websockets.asyncio.server import ServerConnection

from alertbot.events import now_kst
from alertbot.sim.base import Handler, Session, WebSocketSimulator
from alertbot.sim.stocks import StockListing
from alertbot.stocks.book import Stock
from alertbot.subscriptions import Subscriptions

SIM_TOKEN = "sim-kiwoom-token"
"""A ready token that never expires (``KIWOOM_TOKEN`` in tests and the demo)."""
SIM_APPKEY = "sim-appkey"
SIM_SECRETKEY = "sim-secretkey"
SIM_CONDITIONS = (("0", "급등주"), ("1", "거래량 급증"), ("2", "52주 신고가"))
MAX_CONDITIONS = 10
MAX_ITEMS_PER_REG = 100
KICKED = "동일한 App key로 접속이 이루어져 접속을 종료합니다"


@dataclass(eq=False)
class SimSession(Session):
    """One client connection as the server sees it."""

    logged_in: bool = False
    token: str = ""
    registrations: set[tuple[str, str]] = field(default_factory=set)
    listed: bool = False
    """CNSRLST was asked on this connection (the server wants it before CNSRREQ)."""
    conditions: set[str] = field(default_factory=set)
    """seqs of the realtime condition searches running on this connection."""
    snapshots: int = 0
    """CNSRREQ answers sent with current matches."""
    pings_unanswered: int = 0

    def wants(self, entry: Mapping[str, Any]) -> bool:
        """Would the real server send this REAL entry to this session?"""
        type_, item = entry.get("type", ""), entry.get("item", "")
        if type_ == "02":
            return str((entry.get("values") or {}).get("841", "")).strip() in self.conditions
        return (type_, "") in self.registrations or (type_, item) in self.registrations

    def requests(self, trnm: str) -> list[dict[str, Any]]:
        return [message for message in self.received if message.get("trnm") == trnm]


class KiwoomSimulator(WebSocketSimulator[SimSession]):
    """``async with KiwoomSimulator() as sim:`` then point the client at ``sim.url``/``api_url``.

    Scripting knobs (set them any time): ``refuse_logins`` (refuse the next N LOGINs with 8005),
    ``refuse_registrations`` (the next N REGs),
    ``refuse_conditions`` (seqs whose CNSRREQ fails),
    ``fail_token_requests`` (HTTP 503 for the next N), ``conditions`` (seq → name), ``matches``
    (seq → codes matching now), ``token_lifetime``, ``clock`` (the server's now, for expiry).
    """

    def __init__(
        self,
        tokens: Iterable[str] = (SIM_TOKEN,),
        host: str = "127.0.0.1",
        *,
        appkey: str = SIM_APPKEY,
        secretkey: str = SIM_SECRETKEY,
        conditions: Iterable[tuple[str, str]] = SIM_CONDITIONS,
        matches: Mapping[str, Iterable[str]] | None = None,
        token_lifetime: timedelta = timedelta(hours=24),
        clock: Callable[[], datetime] = now_kst,
    ) -> None:
        super().__init__(host, ping_interval=None)  # the server's own PING is the heartbeat
        self.tokens: dict[str, datetime | None] = dict.fromkeys(tokens)
        """Accepted tokens → expiry (``None``: never)."""
        self.appkey = appkey
        self.secretkey = secretkey
        self.conditions = dict(conditions)
        self.matches = {seq: list(codes) for seq, codes in (matches or {}).items()}
        self.token_lifetime = token_lifetime
        self.clock = clock
        self.refuse_logins = 0
        self.refuse_registrations = 0
        """Refuse the next N REGs, as for an app without real-time data rights."""
        self.fail_token_requests = 0
        self.refuse_conditions: set[str] = set()
        """seqs whose CNSRREQ the server answers with an error."""
        """Answer the next N token requests with HTTP 503, as an overloaded gateway would."""
        self.token_requests: list[dict[str, Any]] = []
        self.issued: list[str] = []
        self.one_session_per_key = False
        """As the real server: a LOGIN ends the other sessions of its token with R10001."""
        self.stock_list = StockListing()
        """ka10099 (종목정보 리스트): what it lists, its page size, scripted failures."""

    path = "/api/dostk/websocket"

    def http_routes(self) -> list[tuple[str, str, Handler]]:
        """``POST {api_url}/oauth2/token`` issues tokens (``KIWOOM_API_URL``);
        ``/api/dostk/stkinfo`` serves ka10099, paged with ``cont-yn``/``next-key``."""
        return [
            ("POST", "/oauth2/token", self._issue_token),
            ("POST", "/api/dostk/stkinfo", self._stock_info),
        ]

    # ------------------------------------------------------------------ observation

    @property
    def live(self) -> list[SimSession]:
        """Sessions that are logged in and still open."""
        return [s for s in self.sessions if s.logged_in and s.open]

    @property
    def received(self) -> list[dict[str, Any]]:
        """Every request from every session, in arrival order per session."""
        return [message for session in self.sessions for message in session.received]

    def covers(self, wanted: Subscriptions, session: SimSession | None = None) -> bool:
        """Has a live session (or ``session``) registered everything ``wanted`` needs?

        Conditions count when the server knows them (by name or seq); unknown ones cannot run.
        """
        pairs = {("0B", code) for code in wanted.ticks}
        if wanted.vi:
            pairs.add(("1h", ""))
        if wanted.fills:
            pairs.add(("00", ""))
        by_name = {name: seq for seq, name in self.conditions.items()}
        seqs = {by_name.get(c, c) for c in wanted.conditions} & self.conditions.keys()
        candidates = [session] if session is not None else self.live
        return any(
            s.open and s.logged_in and pairs <= s.registrations and seqs <= s.conditions
            for s in candidates
        )

    # ------------------------------------------------------------------ scripting

    async def push(self, entries: list[dict[str, Any]]) -> int:
        """Send one REAL frame with these ``data`` entries to every session that asked for them.

        Returns how many sessions got it.
        """
        return sum(1 for count in await self._push(entries) if count)

    async def push_entries(self, entries: list[dict[str, Any]]) -> int:
        """``push``, returning how many entries went out over all sessions.

        Each entry the client understands is one event: callers wait for that many.
        """
        return sum(await self._push(entries))

    async def _push(self, entries: list[dict[str, Any]]) -> list[int]:
        sent: list[int] = []
        for session in self.live:
            wanted = [entry for entry in entries if session.wants(entry)]
            if wanted:
                await self.send(session, real_frame(wanted))
            sent.append(len(wanted))
        return sent

    async def send_raw(self, frame: str | bytes) -> None:
        """Send a frame exactly as given to every live session (malformed input tests)."""
        for session in self.live:
            await session.connection.send(frame)

    async def ping(self) -> None:
        """PING every live session; after 5 unanswered the session is ended, as the server does."""
        for session in self.live:
            if session.pings_unanswered >= 5:
                await self.send(
                    session, {"trnm": "SYSTEM", "code": "R10002", "message": "PING 미응답"}
                )
                await session.connection.close()
                continue
            session.pings_unanswered += 1
            await self.send(session, {"trnm": "PING"})

    async def system(self, code: str, message: str, *, close: bool = False) -> None:
        """Send a SYSTEM frame to every live session (and end them when ``close``)."""
        for session in self.live:
            await self.send(session, {"trnm": "SYSTEM", "code": code, "message": message})
            if close:
                await session.connection.close()

    async def kick(self) -> None:
        """R10001: the same app key logged in elsewhere, so these sessions end."""
        await self.system("R10001", KICKED, close=True)

    def revoke(self, token: str) -> None:
        """The server forgets a token: the next LOGIN with it is refused with 8005."""
        self.tokens.pop(token, None)

    # ------------------------------------------------------------------ token endpoint

    async def _issue_token(self, request: web.Request) -> web.Response:
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return _json(
                {"return_code": 1, "return_msg": "[1517:입력 값 형식이 올바르지 않습니다]"}
            )
        self.token_requests.append(body)
        await self.notify()
        if self.fail_token_requests > 0:
            self.fail_token_requests -= 1
            return web.Response(status=503, text="<html>Service Unavailable</html>")
        if body.get("grant_type") != "client_credentials":
            return _json({"return_code": 1, "return_msg": "[8012:grant_type의 값이 맞지 않습니다]"})
        if body.get("appkey") != self.appkey or body.get("secretkey") != self.secretkey:
            return _json(
                {"return_code": 3, "return_msg": "[8001:App Key와 Secret Key 검증에 실패했습니다]"}
            )
        token = f"sim-issued-{len(self.issued) + 1}"
        expires = self.clock() + self.token_lifetime
        self.tokens[token] = expires
        self.issued.append(token)
        return _json(
            {
                "expires_dt": expires.strftime("%Y%m%d%H%M%S"),
                "token_type": "bearer",
                "token": token,
                "return_code": 0,
                "return_msg": "정상적으로 처리되었습니다",
            }
        )

    async def _stock_info(self, request: web.Request) -> web.Response:
        """ka10099 as the vendor documents it (reference/kiwoom/stock-list-ka10099.md)."""
        listing = self.stock_list
        try:
            body = orjson.loads(await request.read())
        except orjson.JSONDecodeError:
            body = None
        listing.record(request.headers, body)
        await self.notify()
        if listing.unavailable():
            return web.Response(status=503, text="<html>Service Unavailable</html>")
        if request.headers.get("api-id") != "ka10099":
            return _json(
                {"return_code": 2, "return_msg": "[1504:해당 URI에서 지원하지 않는 API ID]"}
            )
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or not self._token_ok(auth.removeprefix("Bearer ")):
            return _json({"return_code": 3, "return_msg": "[8005:Token이 유효하지 않습니다]"})
        market = body.get("mrkt_tp") if isinstance(body, dict) else None
        if not isinstance(market, str) or not market:
            return _json({"return_code": 2, "return_msg": "[1511:필수 입력 값에 값이 누락]"})
        key = request.headers.get("next-key", "") if request.headers.get("cont-yn") == "Y" else ""
        rows = [s for s in listing.stocks if KIWOOM_MARKETS.get(s.market) == market]
        shown, next_key = listing.page(rows, key)
        answer = {
            "return_code": 0,
            "return_msg": "정상적으로 처리되었습니다",
            "list": [_stock_row(stock, market) for stock in shown],
        }
        headers = {"api-id": "ka10099", "cont-yn": "Y" if next_key else "N"}
        headers["next-key"] = next_key or ""
        response = _json(answer)
        response.headers.update(headers)
        return response

    # ------------------------------------------------------------------ WebSocket side

    def new_session(self, connection: ServerConnection, id: int) -> SimSession:
        return SimSession(connection, id)

    def _token_ok(self, token: object) -> bool:
        if not isinstance(token, str) or token not in self.tokens:
            return False
        expires = self.tokens[token]
        return expires is None or self.clock() < expires

    async def answer(self, session: SimSession, message: Any) -> None:
        if not isinstance(message, dict):
            return  # the real server ignores what is not a JSON object
        trnm = message.get("trnm")
        if trnm == "LOGIN":
            await self._login(session, message.get("token"))
            return
        if not session.logged_in:
            await self.send(
                session, {"trnm": "SYSTEM", "code": "R10004", "message": "LOGIN 미수신"}
            )
            await session.connection.close()
            return
        if trnm == "PING":
            session.pings_unanswered = max(0, session.pings_unanswered - 1)
        elif trnm == "REG" and self.refuse_registrations > 0:
            self.refuse_registrations -= 1
            refusal = {"return_code": 1, "return_msg": "실시간 시세 사용 권한이 없습니다"}
            await self.send(session, {"trnm": trnm, **refusal})
        elif trnm in ("REG", "REMOVE"):
            await self.send(session, {"trnm": trnm, **self._apply_registration(session, message)})
        elif trnm == "CNSRLST":
            session.listed = True
            pairs = [[seq, name] for seq, name in self.conditions.items()]
            await self.send(session, {**_ok("CNSRLST"), "data": pairs})
        elif trnm == "CNSRREQ":
            await self.send(session, self._start_condition(session, message))
        elif trnm == "CNSRCLR":
            seq = str(message.get("seq", "")).strip()
            session.conditions.discard(seq)
            await self.send(session, {**_ok("CNSRCLR"), "seq": seq})

    async def _login(self, session: SimSession, token: object) -> None:
        if self.refuse_logins > 0 or not self._token_ok(token):
            self.refuse_logins = max(0, self.refuse_logins - 1)
            await self.send(
                session,
                {
                    "trnm": "LOGIN",
                    "return_code": 1,
                    "return_msg": "[CODE=8005, Token이 유효하지 않습니다]",
                },
            )
            await session.connection.close()
            return
        if self.one_session_per_key:
            for older in [s for s in self.live if s.token == str(token)]:
                await self.send(older, {"trnm": "SYSTEM", "code": "R10001", "message": KICKED})
                # The server does not wait for the old client's goodbye (it may be frozen).
                older.connection.transport.close()
        session.logged_in = True
        session.token = str(token)
        await self.send(session, {**_ok("LOGIN"), "sor_yn": "Y"})

    @staticmethod
    def _apply_registration(session: SimSession, message: dict[str, Any]) -> dict[str, Any]:
        entries = message.get("data") or []
        if any(len(entry.get("item") or []) > MAX_ITEMS_PER_REG for entry in entries):
            return {"return_code": 1, "return_msg": "등록 종목수 초과"}
        if message.get("trnm") == "REG" and message.get("refresh") == "0":
            session.registrations.clear()
        for entry in entries:
            pairs = {(t, i) for t in entry.get("type") or [] for i in entry.get("item") or [""]}
            if message.get("trnm") == "REG":
                session.registrations |= pairs
            else:
                session.registrations -= pairs
        return {"return_code": 0, "return_msg": ""}

    def _start_condition(self, session: SimSession, message: dict[str, Any]) -> dict[str, Any]:
        seq = str(message.get("seq", "")).strip()
        answer: dict[str, Any] = {"trnm": "CNSRREQ", "seq": f"{seq} "}  # trailing space [doc]
        if not session.listed:
            return {**answer, "return_code": 1, "return_msg": "조건검색 목록조회를 먼저 요청하세요"}
        if seq not in self.conditions or seq in self.refuse_conditions:
            return {**answer, "return_code": 1, "return_msg": "조건검색식이 존재하지 않습니다"}
        codes = self.matches.get(seq, [])
        if message.get("search_type") != "1":
            rows = [{"9001": f"A{code}", "302": "", "10": "000000000"} for code in codes]
            return {**answer, "cont_yn": "N", "next_key": "", "return_code": 0, "data": rows}
        if seq not in session.conditions and len(session.conditions) >= MAX_CONDITIONS:
            return {**answer, "return_code": 1, "return_msg": "실시간 조건검색 등록 개수 초과"}
        session.conditions.add(seq)
        session.snapshots += 1
        data = [{"jmcode": f"A{code}"} for code in codes]
        return {**answer, "return_code": 0, "return_msg": "", "data": data}


def _ok(trnm: str) -> dict[str, Any]:
    return {"trnm": trnm, "return_code": 0, "return_msg": ""}


KIWOOM_MARKETS = {"KOSPI": "0", "KOSDAQ": "10", "KONEX": "50", "ETF": "8", "ETN": "60"}
"""Our market name → ka10099 ``mrkt_tp``."""


def _stock_row(stock: Stock, market: str) -> dict[str, str]:
    """One ka10099 ``list`` row: every value a string, numbers zero-padded [doc]."""
    return {
        "code": stock.code,
        "name": stock.name,
        "listCount": "0000000100000000",
        "auditInfo": "정상",
        "regDay": "19750611",
        "lastPrice": f"{stock.prev_close:08d}",
        "state": "증거금20%|담보대출|신용가능",
        "marketCode": market,
        "marketName": "거래소" if market == "0" else "코스닥" if market == "10" else stock.market,
        "upName": "",
        "upSizeName": "",
        "companyClassName": "",
        "orderWarning": "0",
        "nxtEnable": "Y",
    }


def _json(body: dict[str, Any]) -> web.Response:
    return web.Response(body=orjson.dumps(body), content_type="application/json", charset="utf-8")


# ---------------------------------------------------------------------- REAL entries


def real_frame(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """The REAL message that carries ``entries`` (as ``push`` sends it)."""
    return {"trnm": "REAL", "data": entries}


def _entry(type_: str, name: str, item: str, values: dict[str, str]) -> dict[str, Any]:
    return {"type": type_, "name": name, "item": item, "values": values}


def _signed(value: int | float, up: bool) -> str:
    """Kiwoom's colour flag: ``+`` up, ``-`` down against the reference price."""
    return f"{'+' if up else '-'}{abs(value)}"


def vi_entry(
    symbol: str,
    name: str,
    *,
    triggered: bool = True,
    price: int = 0,
    hhmmss: str = "090130",
    kind: str = "정적",
    up: bool = True,
    rate: str = "+10.00",
    count: int = 1,
    item: str | None = None,
) -> dict[str, Any]:
    """A ``1h`` REAL entry shaped like the vendor's example (reference/kiwoom/…-1h-….md)."""
    values = {
        "9001": symbol,
        "302": name,
        "13": "1077818",
        "14": "4201",
        "9068": "1" if triggered else "2",
        "9008": "101",
        "9075": "1",
        "1221": str(price),
        "1223": hhmmss,
        "1224": hhmmss,
        "1225": kind,
        "1236": str(price),
        "1237": "0",
        "1238": rate,
        "1239": "0.00",
        "1489": rate,
        "1490": str(count),
        "9069": "1" if up else "2",
        "1279": "+" + kind,
    }
    return _entry("1h", "VI발동/해제", item if item is not None else symbol, values)


def trade_entry(
    symbol: str,
    price: int,
    *,
    change: int = 0,
    rate: float = 0.0,
    volume: int = 1,
    cum_volume: int = 0,
    hhmmss: str = "090000",
    item: str | None = None,
    at_limit: bool = False,
) -> dict[str, Any]:
    """A ``0B`` 주식체결 entry (reference/kiwoom/realtime-0B-trade.md): ``volume`` < 0 = sell;
    ``at_limit`` makes ``25`` 전일대비기호 say 1 상한 (or 4 하한 when ``change`` < 0)."""
    up = change >= 0
    sign = "2" if change > 0 else "5" if change < 0 else "3"
    if at_limit:
        sign = "1" if up else "4"
    values = {
        "20": hhmmss,
        "10": _signed(price, up) if change else str(price),
        "11": _signed(change, up) if change else "0",
        "12": f"{'+' if up and rate else '-' if rate else ''}{abs(rate):.2f}",
        "27": str(price),
        "28": str(price),
        "15": f"{'+' if volume >= 0 else '-'}{abs(volume)}",
        "13": str(cum_volume),
        "25": sign,
        "290": "2",
        "9081": "1",
    }
    return _entry("0B", "주식체결", item if item is not None else symbol, values)


def fill_entry(
    symbol: str,
    name: str,
    *,
    order_no: str = "0000018",
    fill_no: str = "",
    status: str = "체결",
    buy: bool = True,
    qty: int = 0,
    price: int = 0,
    order_qty: int = 0,
    unfilled: int = 0,
    hhmmss: str = "094022",
    account: str = "1111111111",
    reason: str = "0",
    filled: int | None = None,
) -> dict[str, Any]:
    """A ``00`` 주문체결 entry (reference/kiwoom/realtime-00-order-fill.md); ``reason`` is
    919 거부사유 ("0" when there is none). ``qty`` and ``price`` are this fill's (914/915
    단위체결); ``filled`` is the order's running total (911, default ``qty``), as the server
    sends it for the second and later fills of one order [field]."""
    values = {
        "9201": account,
        "9203": order_no,
        "9001": symbol,
        "913": status,
        "302": name,
        "900": str(order_qty),
        "902": str(unfilled),
        "905": "+매수" if buy else "-매도",
        "907": "2" if buy else "1",
        "908": hhmmss,
        "909": fill_no,
        "910": str(price) if qty else "",
        "911": str(qty if filled is None else filled) if qty else "",
        "914": str(price) if qty else "",
        "915": str(qty) if qty else "",
        "919": reason,
        "2134": "1",
        "2135": "KRX",
    }
    return _entry("00", "주문체결", symbol, values)


def condition_entry(
    seq: str, symbol: str, *, enter: bool = True, hhmmss: str = "152028"
) -> dict[str, Any]:
    """A ``02`` 조건검색 entry (reference/kiwoom/condition-search-ka10171-ka10174.md)."""
    values = {"841": seq, "9001": symbol, "843": "I" if enter else "D", "20": hhmmss, "907": "2"}
    return _entry("02", "조건검색", symbol, values)
