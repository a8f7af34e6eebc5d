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
from alertbot.i18n import t
from alertbot.onboarding.checks import Check, failed, ok, skipped
from alertbot.settings import BrokerCredentials, DartSettings


def today() -> str:
    return now_kst().strftime("%Y%m%d")


PROBE_SYMBOL = "005930"
"""A stock every account may register: 삼성전자."""
UNREACHABLE = (OSError, TimeoutError, InvalidHandshake, InvalidURI, WebSocketException)


def network_fix(url_var: str) -> str:
    return t("doctor.network.fix", url_var=url_var)


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
    url_var: str,
    key_fix: str,
    ready_note: str,
) -> tuple[str | None, Check]:
    """The broker's token as the bot gets it: issued from the app key (as the running bot
    does), or the ready ``*_TOKEN``; with the line saying how that went."""
    if credentials.appkey is None or credentials.secret is None:
        assert credentials.token is not None
        return credentials.token.get_secret_value(), ok(
            t("doctor.item.token", broker=broker), ready_note
        )
    item = t("doctor.item.token_issue", broker=broker)
    issue = issuer(
        credentials.api_url,
        credentials.appkey.get_secret_value(),
        credentials.secret.get_secret_value(),
    )
    try:
        issued = await asyncio.wait_for(issue(), timeout)
    except FatalFeedError as exc:
        return None, failed(item, str(exc), key_fix)
    except (TokenError, ConnectionError, TimeoutError) as exc:
        return None, failed(item, str(exc) or t("doctor.token.no_answer"), network_fix(url_var))
    return issued, ok(item, t("doctor.token.issued", url=credentials.api_url))


async def kiwoom_checks(
    credentials: BrokerCredentials, timeout: float, *, bot_running: bool = False
) -> AsyncIterator[Check]:
    """``bot_running``: Kiwoom keeps one WebSocket session per app key, so a LOGIN here would
    end the running bot's session (R10001): the socket steps are skipped, saying so."""
    issued, check = await token(
        t("doctor.broker.kiwoom"),
        credentials,
        TokenIssuer,
        timeout,
        url_var="KIWOOM_API_URL",
        key_fix=t("doctor.kiwoom.key_fix"),
        ready_note=t("doctor.kiwoom.ready_token"),
    )
    yield check
    if issued is None or bot_running:
        why = t("doctor.skip.no_token" if issued is None else "doctor.skip.bot_running")
        yield skipped(t("doctor.item.kiwoom_login"), why)
        yield skipped(t("doctor.item.kiwoom_reg"), why)
        return
    async for check in _kiwoom_socket(credentials.ws_url, issued, timeout):
        yield check


async def _kiwoom_socket(url: str, token: str, timeout: float) -> AsyncIterator[Check]:
    login_item, reg_item = t("doctor.item.kiwoom_login"), t("doctor.item.kiwoom_reg")
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
                    t("doctor.kiwoom.login_refused", reason=result.message or result.code),
                    t("doctor.kiwoom.login_fix"),
                )
                yield skipped(reg_item, t("doctor.skip.login_failed"))
                return
            yield ok(login_item, t("doctor.kiwoom.login_ok", url=url))
            await ws.send(kiwoom.register([kiwoom.TYPE_TRADE], [PROBE_SYMBOL]))
            ack = await answer(
                ws, kiwoom.parse, lambda m: isinstance(m, kiwoom.Ack) and m.trnm == "REG", timeout
            )
            assert isinstance(ack, kiwoom.Ack)
            if not ack.ok:
                yield failed(
                    reg_item,
                    t("doctor.registration_refused", reason=ack.message or ack.code),
                    t("doctor.kiwoom.reg_fix"),
                )
                return
            await ws.send(kiwoom.remove([kiwoom.TYPE_TRADE], [PROBE_SYMBOL]))
            yield ok(reg_item, t("doctor.kiwoom.reg_ok", symbol=PROBE_SYMBOL))
    except UNREACHABLE as exc:
        yield failed(
            t("doctor.item.kiwoom_ws"),
            f"{url}: {type(exc).__name__} {exc}".strip(),
            network_fix("KIWOOM_WS_URL"),
        )


async def ls_checks(credentials: BrokerCredentials, timeout: float) -> AsyncIterator[Check]:
    issued, check = await token(
        "LS",
        credentials,
        LsTokenIssuer,
        timeout,
        url_var="LS_API_URL",
        key_fix=t("doctor.ls.key_fix"),
        ready_note=t("doctor.ls.ready_token"),
    )
    yield check
    if issued is None:
        yield skipped(t("doctor.item.ls_reg"), t("doctor.skip.no_token"))
        return
    async for check in _ls_socket(credentials.ws_url, issued, timeout):
        yield check


async def _ls_socket(url: str, token: str, timeout: float) -> AsyncIterator[Check]:
    item = t("doctor.item.ls_reg")
    topic = (ls.JIF, ls.ALL_MARKETS)
    try:
        async with connect(url, open_timeout=timeout, max_size=2**23) as ws:
            await ws.send(ls.request(token, topic))
            ack = await answer(
                ws, ls.parse, lambda m: isinstance(m, ls.Ack) and m.tr_cd == ls.JIF, timeout
            )
            assert isinstance(ack, ls.Ack)
            if not ack.ok:
                fix = t("doctor.ls.token_refused_fix" if ack.token_refused else "doctor.ls.reg_fix")
                reason = f"{ack.code} {ack.message}".strip()
                yield failed(item, t("doctor.registration_refused", reason=reason), fix)
                return
            await ws.send(ls.request(token, topic, register=False))
            yield ok(item, t("doctor.ls.reg_ok", url=url))
    except UNREACHABLE as exc:
        yield failed(
            t("doctor.item.ls_ws"),
            f"{url}: {type(exc).__name__} {exc}".strip(),
            network_fix("LS_WS_URL"),
        )


async def dart_checks(dart: DartSettings, timeout: float) -> AsyncIterator[Check]:
    """One ``list.json`` page of today's filings with the key, read by the feed's own parser."""
    item = t("doctor.item.dart")
    assert dart.api_key is not None
    params = {"crtfc_key": dart.api_key.get_secret_value(), **disclosures.query(today(), 1)}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            http.get(dart.api_url.rstrip("/") + disclosures.PATH, params=params) as response,
        ):
            answer = disclosures.parse(await response.read())
    except (aiohttp.ClientError, TimeoutError) as exc:  # the URL holds the key: name only
        yield failed(item, type(exc).__name__, network_fix("DART_API_URL"))
        return
    if isinstance(answer, disclosures.Unreadable):
        reason = t("doctor.dart.unreadable", reason=answer.reason)
        yield failed(item, reason, t("doctor.dart.url_fix"))
    elif answer.status in (disclosures.OK, disclosures.NO_DATA):
        yield ok(item, t("doctor.dart.ok", url=dart.api_url, pages=answer.total_page))
    else:
        refused = answer.status in disclosures.KEY_REFUSED
        fix = t("doctor.dart.key_fix" if refused else "doctor.dart.other_fix")
        yield failed(item, f"{answer.status} {answer.message}", fix)
