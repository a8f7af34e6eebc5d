"""An LS Securities server on 127.0.0.1: the token endpoint and the WebSocket, real wire format.

Used by tests, benchmarks and ``alertbot demo``. The token endpoint takes the form fields of
reference/ls/oauth-token.md, records them, and refuses wrong credentials. The WebSocket checks
``header.token`` on every request, answers each with a header-only ``rsp_cd``/``rsp_msg`` frame
(PROTOCOL_NOTES [field]) and pushes data frames only to sessions subscribed to that
``tr_cd``/``tr_key``. Tests drive it with ``push`` and wait on what it saw with ``wait_for``.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from alertbot.sim.base import Handler, Session, WebSocketSimulator
from alertbot.sim.stocks import StockListing
from alertbot.stocks.book import Stock

SIM_APPKEY = "sim-ls-appkey"
SIM_APPSECRET = "sim-ls-appsecret"
SIM_TOKEN = "sim-ls-token"
"""Accepted without being issued: stands in for ``LS_TOKEN``."""

OK = ("00000", "정상 처리되었습니다.")
TOKEN_INVALID = ("IGW00121", "유효하지 않은 토큰입니다.")
BAD_REQUEST = ("IGW40001", "요청 형식이 올바르지 않습니다.")
UNKNOWN_TR = ("IGW40002", "존재하지 않는 TR입니다.")
MARKET_TRS = frozenset({"JIF", "NWS", "VI_", "S3_", "K3_", "AFR", "SHI", "SHO"})
ACCOUNT_TRS = frozenset({"SC0", "SC1", "SC2", "SC3", "SC4"})
ALL_STOCKS = "000000"


@dataclass(frozen=True, slots=True)
class Frame:
    """One data frame's routing (``tr_cd``, ``tr_key``) and ``body``."""

    tr_cd: str
    tr_key: str
    body: dict[str, Any]

    def message(self) -> dict[str, Any]:
        """The data frame as the server sends it."""
        return {"header": {"tr_cd": self.tr_cd, "tr_key": self.tr_key}, "body": self.body}


@dataclass(eq=False)
class SimSession(Session):
    """A connection and the topics it subscribed to."""

    subscriptions: set[tuple[str, str]] = field(default_factory=set)

    def wants(self, frame: Frame) -> bool:
        if frame.tr_cd in ACCOUNT_TRS:
            return (frame.tr_cd, "") in self.subscriptions
        if frame.tr_cd == "VI_" and ("VI_", ALL_STOCKS) in self.subscriptions:
            return True
        return (frame.tr_cd, frame.tr_key) in self.subscriptions


class LsSimulator(WebSocketSimulator[SimSession]):
    """``async with LsSimulator() as sim:`` then use ``sim.api_url`` and ``sim.ws_url``."""

    path = "/websocket"

    def __init__(
        self,
        *,
        appkey: str = SIM_APPKEY,
        appsecret: str = SIM_APPSECRET,
        expires_in: int = 86400,
        expires_field: str = "expires_in",
        host: str = "127.0.0.1",
    ) -> None:
        super().__init__(host)
        self.appkey, self.appsecret = appkey, appsecret
        self.expires_in, self.expires_field = expires_in, expires_field
        self.tokens: set[str] = {SIM_TOKEN}
        self.token_requests: list[dict[str, str]] = []
        """Every token request's form fields and content type, in arrival order."""
        self.refuse: dict[tuple[str, str], tuple[str, str]] = {}
        """Scripted refusals: (tr_cd, tr_key) → (rsp_cd, rsp_msg)."""
        self.stock_list = StockListing()
        """t8436 (주식종목조회 API용): what it lists, its page size, scripted failures."""

    def http_routes(self) -> list[tuple[str, str, Handler]]:
        return [("POST", "/oauth2/token", self._token), ("POST", "/stock/etc", self._stock_etc)]

    @property
    def ws_url(self) -> str:
        return self.url

    # ------------------------------------------------------------------ observation

    @property
    def live(self) -> list[SimSession]:
        return [s for s in self.sessions if s.open]

    def subscribed(self, tr_cd: str, tr_key: str) -> bool:
        """Whether any open session is subscribed to this topic."""
        return any((tr_cd, tr_key) in s.subscriptions for s in self.live)

    # ------------------------------------------------------------------ scripting

    async def push(self, frame: Frame) -> int:
        """Send a data frame to every session subscribed to it; returns how many got it."""
        sent = 0
        for session in self.live:
            if session.wants(frame):
                await self.send(session, frame.message())
                sent += 1
        return sent

    async def send_raw(self, frame: str | bytes) -> None:
        """Send a frame exactly as given to every open session (malformed input tests)."""
        for session in self.live:
            with contextlib.suppress(ConnectionClosed):
                await session.connection.send(frame)

    # ------------------------------------------------------------------ token endpoint

    async def _token(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        self.token_requests.append({**form, "content-type": request.content_type})
        await self.notify()
        if request.content_type != "application/x-www-form-urlencoded":
            return self._refusal(400, "IGW00100", "Content-Type이 올바르지 않습니다.")
        if form.get("grant_type") != "client_credentials" or form.get("scope") != "oob":
            return self._refusal(400, "IGW00101", "grant_type 또는 scope가 올바르지 않습니다.")
        if form.get("appkey") != self.appkey:
            return self._refusal(403, "IGW00103", "유효하지 않은 AppKey입니다.")
        if form.get("appsecretkey") != self.appsecret:
            return self._refusal(403, "IGW00105", "유효하지 않은 AppSecret입니다.")
        token = f"sim-ls-issued-{len(self.token_requests)}"
        self.tokens.add(token)
        body = {
            "access_token": token,
            "scope": "oob",
            "token_type": "Bearer",
            self.expires_field: self.expires_in,
        }
        return web.json_response(body)

    async def _stock_etc(self, request: web.Request) -> web.Response:
        """t8436 (docs/protocol/ls-t8436-stock-list.md), paged with ``tr_cont``/``tr_cont_key``."""
        listing = self.stock_list
        try:
            body = await request.json()
        except ValueError:
            body = None
        listing.record(request.headers, body)
        await self.notify()
        if listing.unavailable():
            return web.Response(status=503, text="<html>Service Unavailable</html>")
        auth = request.headers.get("authorization", "")
        if auth.removeprefix("Bearer ") not in self.tokens:
            return self._refusal(500, *TOKEN_INVALID)
        if request.headers.get("tr_cd") != "t8436":
            return self._refusal(500, *UNKNOWN_TR)
        block = body.get("t8436InBlock") if isinstance(body, dict) else None
        gubun = block.get("gubun") if isinstance(block, dict) else None
        if gubun not in ("0", "1", "2"):
            return self._refusal(500, *BAD_REQUEST)
        markets = {"0": ("KOSPI", "KOSDAQ", "ETF", "ETN"), "1": ("KOSPI",), "2": ("KOSDAQ",)}
        rows = [s for s in listing.stocks if s.market in markets[gubun]]
        key = (
            request.headers.get("tr_cont_key", "") if request.headers.get("tr_cont") == "Y" else ""
        )
        shown, next_key = listing.page(rows, key)
        answer = {
            "rsp_cd": "00000",
            "rsp_msg": "정상적으로 조회가 완료되었습니다.",
            "t8436OutBlock": [_t8436_row(stock) for stock in shown],
        }
        headers = {"tr_cd": "t8436", "tr_cont": "Y" if next_key else "N"}
        headers["tr_cont_key"] = next_key or ""
        return web.json_response(answer, headers=headers)

    @staticmethod
    def _refusal(status: int, code: str, message: str) -> web.Response:
        return web.json_response({"rsp_cd": code, "rsp_msg": message}, status=status)

    # ------------------------------------------------------------------ WebSocket

    def new_session(self, connection: ServerConnection, id: int) -> SimSession:
        return SimSession(connection, id)

    async def answer(self, session: SimSession, message: Any) -> None:
        header = message.get("header") if isinstance(message, dict) else None
        body = message.get("body") if isinstance(message, dict) else None
        if not isinstance(header, dict) or not isinstance(body, dict):
            await self._ack(session, "", "", "", BAD_REQUEST)
            return
        tr_type, tr_cd = str(header.get("tr_type", "")), str(body.get("tr_cd", ""))
        tr_key = str(body.get("tr_key", ""))
        topic = (tr_cd, tr_key)
        if header.get("token") not in self.tokens:
            result = TOKEN_INVALID
        elif (tr_type in ("3", "4") and tr_cd in MARKET_TRS) or (
            tr_type in ("1", "2") and tr_cd in ACCOUNT_TRS
        ):
            result = self.refuse.get(topic, OK)
        else:
            result = UNKNOWN_TR
        if result == OK:
            if tr_type in ("1", "3"):
                session.subscriptions.add(topic)
            else:
                session.subscriptions.discard(topic)
        await self._ack(session, tr_type, tr_cd, tr_key, result)

    async def _ack(
        self, session: SimSession, tr_type: str, tr_cd: str, tr_key: str, result: tuple[str, str]
    ) -> None:
        code, text = result
        header = {"tr_cd": tr_cd, "tr_key": tr_key, "tr_type": tr_type}
        await self.send(session, {"header": {**header, "rsp_cd": code, "rsp_msg": text}})


# ---------------------------------------------------------------------------- frame builders


def jif(jangubun: str, jstatus: str) -> Frame:
    """장운영정보, shaped like seed 000's example."""
    return Frame("JIF", "0", {"jangubun": jangubun, "jstatus": jstatus})


def news(
    title: str,
    *,
    realkey: str,
    codes: tuple[str, ...] = (),
    date: str = "20230614",
    hhmmss: str = "095217",
    provider: str = "27",
) -> Frame:
    """실시간뉴스제목패킷: codes zero-padded to 12 characters each, as in seed 000."""
    return Frame(
        "NWS",
        "NWS001",
        {
            "date": date,
            "code": "".join(code.zfill(12) for code in codes),
            "realkey": realkey,
            "bodysize": "4841",
            "time": hhmmss,
            "id": provider,
            "title": title,
        },
    )


def vi(
    symbol: str,
    *,
    gubun: str = "1",
    trigger: int = 0,
    static_ref: int = 0,
    dynamic_ref: int = 0,
    hhmmss: str = "090130",
    exchname: str = "KRX",
) -> Frame:
    """VI발동해제 for the all-stocks key: gubun 0 released, 1 static, 2 dynamic, 3 both."""
    return Frame(
        "VI_",
        ALL_STOCKS,
        {
            "vi_gubun": gubun,
            "svi_recprice": str(static_ref),
            "dvi_recprice": str(dynamic_ref),
            "vi_trgprice": str(trigger),
            "shcode": symbol,
            "ref_shcode": symbol,
            "time": hhmmss,
            "exchname": exchname,
        },
    )


def trade(
    symbol: str,
    price: int,
    *,
    change: int = 0,
    rate: str = "0.00",
    sign: str = "3",
    volume: int = 1,
    cum_volume: int = 1,
    hhmmss: str = "090851",
    buy: bool = True,
    kosdaq: bool = False,
) -> Frame:
    """KOSPI체결 (S3_) or KOSDAQ체결 (K3_): unsigned numbers, direction in ``sign``."""
    return Frame(
        "K3_" if kosdaq else "S3_",
        symbol,
        {
            "chetime": hhmmss,
            "sign": sign,
            "change": str(abs(change)),
            "drate": rate.lstrip("+-"),
            "price": str(price),
            "cgubun": "+" if buy else "-",
            "cvolume": str(volume),
            "volume": str(cum_volume),
            "shcode": symbol,
            "exchname": "KRX",
            "status": "00",
        },
    )


def limit_reached(
    symbol: str,
    name: str,
    price: int,
    *,
    rate: str = "29.93",
    lower: bool = False,
    hhmmss: str = "103324",
    key: str = "1",
) -> Frame:
    """상/하한가진입 (SHI), shaped like the vendor's example
    (docs/protocol/price-limits-and-volume.md)."""
    return Frame(
        "SHI",
        key,
        {
            **_limit_body(symbol, name, price, rate, lower),
            "updnlmtstime": hhmmss,
            "updnlmtdaycnt": "1",
            "totofferrem": "446856",
            "totbidrem": "83255",
        },
    )


def limit_released(
    symbol: str,
    name: str,
    price: int,
    limit_price: int,
    *,
    rate: str = "29.77",
    lower: bool = False,
    key: str = "1",
) -> Frame:
    """상/하한가이탈 (SHO), shaped like the vendor's example: no time of its own."""
    gap = abs(limit_price - price)
    return Frame(
        "SHO",
        key,
        {
            **_limit_body(symbol, name, price, rate, lower, sign="5" if lower else "2"),
            "updnlmtprice": str(limit_price),
            "updnlmtchange": str(gap),
            "updnlmtdrate": f"{gap * 100 / limit_price:.2f}",
        },
    )


def _limit_body(
    symbol: str, name: str, price: int, rate: str, lower: bool, sign: str = ""
) -> dict[str, str]:
    return {
        "sijanggubun": "1",
        "hname": name,
        "price": str(price),
        "sign": sign or ("4" if lower else "1"),
        "change": "0",
        "drate": rate.lstrip("+-"),
        "volume": "10603317",
        "volincrate": "0.00",
        "jnilvolume": "10603307",
        "shcode": symbol,
        "gwangubun": "0",
        "undergubun": "0",
        "tgubun": "0",
        "wgubun": "0",
        "dishonest": "0",
        "jkrate": "1",
    }


def fill(
    symbol: str,
    name: str,
    *,
    order_no: str,
    fill_no: str = "1",
    qty: int = 1,
    price: int = 0,
    order_qty: int = 1,
    unfilled: int = 0,
    buy: bool = True,
    code: str = "11",
    hhmmss: str = "095636",
    account: str = "20011132702",
) -> Frame:
    """주식주문체결 (SC1): the fields alertbot reads, named and shaped as the reference example."""
    return Frame(
        "SC1",
        "",
        {
            "ordxctptncode": code,
            "ordno": order_no,
            "execno": fill_no,
            "execqty": str(qty),
            "execprc": str(price),
            "unercqty": str(unfilled),
            "ordqty": str(order_qty),
            "exectime": f"{hhmmss}000",
            "Isunm": name,
            "shtnIsuno": f"A{symbol}",
            "bnstp": "2" if buy else "1",
            "accno": account,
        },
    )


def _t8436_row(stock: Stock) -> dict[str, object]:
    """One ``t8436OutBlock`` row; numbers are JSON numbers, as in the vendor's example."""
    return {
        "hname": stock.name,
        "shcode": stock.code,
        "expcode": f"KR7{stock.code}00{stock.code[-1]}",
        "etfgubun": {"ETF": "1", "ETN": "2"}.get(stock.market, "0"),
        "uplmtprice": stock.upper_limit,
        "dnlmtprice": stock.lower_limit,
        "jnilclose": stock.prev_close,
        "memedan": "00001",
        "recprice": stock.prev_close,
        "gubun": "2" if stock.market == "KOSDAQ" else "1",
        "bu12gubun": "01",
        "spac_gubun": "N",
        "filler": "",
    }


ORDER_STEPS = {"SC2": "12", "SC3": "13", "SC4": "14"}
"""정정확인, 취소확인, 거부: the ``ordxctptncode`` each of SC2–SC4 carries (SC1's layout)."""


def order_step(
    tr_cd: str,
    symbol: str,
    name: str,
    *,
    order_no: str,
    order_qty: int = 1,
    unfilled: int = 0,
    buy: bool = True,
    hhmmss: str = "095636",
    account: str = "20011132702",
) -> Frame:
    """One step of an order that is not a fill: SC0 주문접수 (its own field names, as the
    reference example), or SC2 정정 / SC3 취소 / SC4 거부 (SC1's layout, their own code)."""
    if tr_cd == "SC0":
        body = {
            "ordchegb": "01",
            "ordno": order_no,
            "ordqty": str(order_qty),
            "ordprice": "0",
            "ordtm": f"{hhmmss}000",
            "hname": name,
            "shtcode": f"A{symbol}",
            "bnstp": "2" if buy else "1",
            "accno1": account,
        }
        return Frame("SC0", "", body)
    fill_frame = fill(
        symbol, name, order_no=order_no, qty=0, order_qty=order_qty, unfilled=unfilled,
        buy=buy, code=ORDER_STEPS[tr_cd], hhmmss=hhmmss, account=account,
    )  # fmt: skip
    return Frame(tr_cd, "", fill_frame.body)
