"""``alertbot doctor`` on each configured broker: the token, the WebSocket, one registration.

Each step uses the bot's own pieces (the token issuers, the sans-I/O protocol modules) over a
short-lived connection of its own, so a failure is reported as the running bot would meet it,
one step at a time, with the fix for that step. Registrations are removed again.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import aiohttp
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidURI, WebSocketException

from alertbot.events import now_kst
from alertbot.feeds.base import FatalFeedError
from alertbot.feeds.dart import protocol as disclosures
from alertbot.feeds.kiwoom import protocol as kiwoom
from alertbot.feeds.kiwoom.token import TokenError, TokenIssuer
from alertbot.feeds.ls import protocol as ls
from alertbot.feeds.ls.token import LsTokenIssuer
from alertbot.onboarding.checks import Check, failed, ok, skipped
from alertbot.settings import BrokerCredentials, DartSettings


def today() -> str:
    return now_kst().strftime("%Y%m%d")


PROBE_SYMBOL = "005930"
"""A stock every account may register: 삼성전자."""
UNREACHABLE = (OSError, TimeoutError, InvalidHandshake, InvalidURI, WebSocketException)
RUNNING = (
    "이 컴퓨터에서 alertbot이 실행 중이라 건너뜀: 키움은 앱키당 WebSocket 하나만 허용해서 "
    "여기서 접속하면 봇의 연결이 끊깁니다. 봇을 멈추고 다시 점검하세요"
)
NETWORK_FIX = (
    "인터넷 연결과 {url_var}를 확인하세요. 증권사 포털에 이 서버의 공인 IP를 등록했는지, "
    "방화벽이 포트를 막지 않는지도 확인하세요"
)


async def answer(
    ws: ClientConnection,
    parse: Callable[[str | bytes, datetime], object],
    wanted: Callable[[object], bool],
    timeout: float,
) -> object:
    """The first frame ``wanted`` accepts; Kiwoom PINGs on the way are echoed as the bot does."""
    async with asyncio.timeout(timeout):
        while True:
            frame = await ws.recv()
            message = parse(frame, now_kst())
            if isinstance(message, kiwoom.Ping):
                await ws.send(message.raw)
            elif wanted(message):
                return message


async def token(
    broker: str,
    credentials: BrokerCredentials,
    issuer: Callable[[str, str, str], Callable[[], Awaitable[str]]],
    timeout: float,
    *,
    key_fix: str,
    ready_note: str,
) -> tuple[str | None, Check]:
    """The broker's token as the bot gets it: issued from the app key (as the running bot
    does), or the ready ``*_TOKEN``; with the line saying how that went."""
    item = f"{broker} 토큰"
    if credentials.appkey is None or credentials.secret is None:
        assert credentials.token is not None
        return credentials.token.get_secret_value(), ok(item, ready_note)
    issue = issuer(
        credentials.api_url,
        credentials.appkey.get_secret_value(),
        credentials.secret.get_secret_value(),
    )
    try:
        issued = await asyncio.wait_for(issue(), timeout)
    except FatalFeedError as exc:
        return None, failed(f"{item} 발급", str(exc), key_fix)
    except (TokenError, ConnectionError, TimeoutError) as exc:
        url_var = "KIWOOM_API_URL" if broker == "키움" else "LS_API_URL"
        return None, failed(
            f"{item} 발급", str(exc) or "응답 없음", NETWORK_FIX.format(url_var=url_var)
        )
    return issued, ok(f"{item} 발급", f"{credentials.api_url} 에서 발급됨")


async def kiwoom_checks(
    credentials: BrokerCredentials, timeout: float, *, bot_running: bool = False
) -> AsyncIterator[Check]:
    """``bot_running``: Kiwoom keeps one WebSocket session per app key, so a LOGIN here would
    end the running bot's session (R10001): the socket steps are skipped, saying so."""
    issued, check = await token(
        "키움",
        credentials,
        TokenIssuer,
        timeout,
        key_fix="openapi.kiwoom.com 에서 앱키·시크릿키를 다시 복사하세요. 모의투자 키는 "
        "KIWOOM_MOCK=1 일 때만, 실전 키는 KIWOOM_MOCK 없이 씁니다",
        ready_note="KIWOOM_TOKEN 사용 (발급하지 않음: 만료되면 직접 바꿔야 합니다)",
    )
    yield check
    if issued is None or bot_running:
        why = "토큰이 없어 건너뜀" if issued is None else RUNNING
        yield skipped("키움 WebSocket LOGIN", why)
        yield skipped("키움 실시간 등록(REG)", why)
        return
    async for check in _kiwoom_socket(credentials.ws_url, issued, timeout):
        yield check


async def _kiwoom_socket(url: str, token: str, timeout: float) -> AsyncIterator[Check]:
    login_item, reg_item = "키움 WebSocket LOGIN", "키움 실시간 등록(REG)"
    try:
        async with connect(url, ping_interval=None, open_timeout=timeout, max_size=2**23) as ws:
            await ws.send(kiwoom.login(token))
            result = await answer(
                ws, kiwoom.parse, lambda m: isinstance(m, kiwoom.LoginResult), timeout
            )
            assert isinstance(result, kiwoom.LoginResult)
            if not result.ok:
                yield failed(
                    login_item,
                    f"로그인 거부: {result.message or result.code}",
                    "토큰이 서버와 맞지 않습니다: 실전/모의 서버(KIWOOM_MOCK)와 키가 같은 "
                    "쪽인지, KIWOOM_TOKEN이면 만료되지 않았는지 확인하세요",
                )
                yield skipped(reg_item, "로그인 실패로 건너뜀")
                return
            yield ok(login_item, f"{url} 로그인 성공")
            await ws.send(kiwoom.register([kiwoom.TYPE_TRADE], [PROBE_SYMBOL]))
            ack = await answer(
                ws, kiwoom.parse, lambda m: isinstance(m, kiwoom.Ack) and m.trnm == "REG", timeout
            )
            assert isinstance(ack, kiwoom.Ack)
            if not ack.ok:
                yield failed(
                    reg_item,
                    f"등록 거부: {ack.message or ack.code}",
                    "키움 API 포털에서 실시간 시세 사용 권한과 등록 한도를 확인하세요",
                )
                return
            await ws.send(kiwoom.remove([kiwoom.TYPE_TRADE], [PROBE_SYMBOL]))
            yield ok(reg_item, f"{PROBE_SYMBOL} 체결(0B) 등록·해제 왕복 성공")
    except UNREACHABLE as exc:
        yield failed(
            "키움 WebSocket",
            f"{url}: {type(exc).__name__} {exc}".strip(),
            NETWORK_FIX.format(url_var="KIWOOM_WS_URL"),
        )


async def ls_checks(credentials: BrokerCredentials, timeout: float) -> AsyncIterator[Check]:
    issued, check = await token(
        "LS",
        credentials,
        LsTokenIssuer,
        timeout,
        key_fix="openapi.ls-sec.co.kr 에서 앱키·시크릿을 다시 복사하세요 (모의투자는 LS_MOCK=1)",
        ready_note="LS_TOKEN 사용 (발급하지 않음: 매일 07:00에 만료됩니다)",
    )
    yield check
    if issued is None:
        yield skipped("LS 실시간 등록(JIF)", "토큰이 없어 건너뜀")
        return
    async for check in _ls_socket(credentials.ws_url, issued, timeout):
        yield check


async def _ls_socket(url: str, token: str, timeout: float) -> AsyncIterator[Check]:
    item = "LS 실시간 등록(JIF)"
    topic = (ls.JIF, ls.ALL_MARKETS)
    try:
        async with connect(url, open_timeout=timeout, max_size=2**23) as ws:
            await ws.send(ls.request(token, topic))
            ack = await answer(
                ws, ls.parse, lambda m: isinstance(m, ls.Ack) and m.tr_cd == ls.JIF, timeout
            )
            assert isinstance(ack, ls.Ack)
            if not ack.ok:
                fix = (
                    "토큰이 거부되었습니다: LS_TOKEN이면 새로 발급하고, 실전/모의(LS_MOCK)가 "
                    "키와 맞는지 확인하세요"
                    if ack.token_refused
                    else "LS OPEN API 포털에서 실시간 시세 신청 상태를 확인하세요"
                )
                yield failed(item, f"등록 거부: {ack.code} {ack.message}".strip(), fix)
                return
            await ws.send(ls.request(token, topic, register=False))
            yield ok(item, f"{url} 장운영정보(JIF) 등록·해제 왕복 성공")
    except UNREACHABLE as exc:
        yield failed(
            "LS WebSocket",
            f"{url}: {type(exc).__name__} {exc}".strip(),
            NETWORK_FIX.format(url_var="LS_WS_URL"),
        )


async def dart_checks(dart: DartSettings, timeout: float) -> AsyncIterator[Check]:
    """One ``list.json`` page of today's filings with the key, read by the feed's own parser."""
    item = "OpenDART 인증키"
    assert dart.api_key is not None
    params = {"crtfc_key": dart.api_key.get_secret_value(), **disclosures.query(today(), 1)}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            http.get(dart.api_url.rstrip("/") + disclosures.PATH, params=params) as response,
        ):
            answer = disclosures.parse(await response.read())
    except (aiohttp.ClientError, TimeoutError) as exc:  # the URL holds the key: name only
        yield failed(item, type(exc).__name__, NETWORK_FIX.format(url_var="DART_API_URL"))
        return
    if isinstance(answer, disclosures.Unreadable):
        yield failed(item, f"OpenDART 답이 아닙니다 ({answer.reason})", "DART_API_URL을 확인하세요")
    elif answer.status in (disclosures.OK, disclosures.NO_DATA):
        yield ok(item, f"{dart.api_url} 공시검색 성공 (오늘 {answer.total_page}쪽)")
    elif answer.status in disclosures.KEY_REFUSED:
        yield failed(
            item,
            f"{answer.status} {answer.message}",
            "opendart.fss.or.kr → 인증키 신청/관리에서 키를 확인하세요 "
            "(012: 그 화면에 이 서버의 공인 IP를 등록)",
        )
    else:
        yield failed(
            item,
            f"{answer.status} {answer.message}",
            "020이면 하루 요청 한도(20,000건) 초과: 내일 다시, 800·900이면 OpenDART 점검 중",
        )
