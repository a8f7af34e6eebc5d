"""Kiwoom access tokens (au10001): issue from the app key, renew before ``expires_dt``.

The token is only read at LOGIN, so the issuer renews lazily: every connection asks for a
token, and gets a fresh one when the cached one is within ``renew_ahead`` of its expiry or
the server refused it (``invalidate``). The clock is injectable so tests renew without waiting.

Wrong keys (8001/8002 and friends) are not transient: they raise ``FatalFeedError`` so the
supervisor stops and tells the admin, instead of hammering the token endpoint.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiohttp
import orjson

from alertbot.events import KST, now_kst
from alertbot.feeds.kiwoom.protocol import error_codes
from alertbot.feeds.session import FatalFeedError, FeedError
from alertbot.feeds.values import to_int, to_text
from alertbot.i18n import t

log = logging.getLogger("alertbot.feeds.kiwoom")

TOKEN_PATH = "/oauth2/token"
KEY_VARS, MOCK_VAR = "KIWOOM_APPKEY, KIWOOM_SECRETKEY", "KIWOOM_MOCK"
"""The settings a refused app key points the operator to."""
KEY_ERROR_CODES = frozenset({8001, 8002, 8020, 8030})
"""Token refusals that only a person can fix: wrong key or secret, real/mock mismatch."""
REQUEST_TIMEOUT = 10.0


class TokenError(FeedError):
    """The token endpoint failed in a way that may pass (network, 5xx, garbage): retry later."""


@dataclass(frozen=True, slots=True)
class TokenGrant:
    token: str
    expires_at: datetime | None
    """``None`` when the answer had no readable ``expires_dt``: use it for one connection."""


def token_request(appkey: str, secretkey: str) -> dict[str, str]:
    """The au10001 body (reference/kiwoom/oauth-token-au10001-au10002.md, 요청 예시)."""
    return {"grant_type": "client_credentials", "appkey": appkey, "secretkey": secretkey}


def parse_expires(text: object) -> datetime | None:
    """``"20241107083713"`` (KST) → an aware datetime; anything else → ``None``."""
    value = to_text(text)
    if len(value) != 14 or not value.isdigit():
        return None
    try:
        return datetime.strptime(value, "%Y%m%d%H%M%S").replace(tzinfo=KST)
    except ValueError:
        return None


def parse_token_answer(status: int, body: bytes) -> TokenGrant:
    """Read au10001's answer; raise ``FatalFeedError`` for wrong keys, ``TokenError`` else.

    Neither error repeats the body beyond the vendor's short message: it could hold the token.
    """
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        raise TokenError(t("feed.token_not_issued", error=f"HTTP {status}, no JSON object"))
    code = to_int(answer.get("return_code"), 0)
    message = to_text(answer.get("return_msg"))[:120]
    if ({code} | error_codes(message)) & KEY_ERROR_CODES:
        raise FatalFeedError(
            t("feed.app_key_refused", error=message or code, keys=KEY_VARS, mock_var=MOCK_VAR)
        )
    token = to_text(answer.get("token"))
    if status != 200 or code != 0 or not token:
        error = f"HTTP {status}, return_code {code} {message}".strip()
        raise TokenError(t("feed.token_not_issued", error=error))
    return TokenGrant(token, parse_expires(answer.get("expires_dt")))


class TokenIssuer:
    """``await issuer()`` → a token valid for at least ``renew_ahead`` more (a ``TokenSource``)."""

    renewable = True

    def __init__(
        self,
        api_url: str,
        appkey: str,
        secretkey: str,
        *,
        clock: Callable[[], datetime] = now_kst,
        renew_ahead: timedelta = timedelta(minutes=10),
    ) -> None:
        self.url = api_url.rstrip("/") + TOKEN_PATH
        self._body = orjson.dumps(token_request(appkey, secretkey))
        self.clock = clock
        self.renew_ahead = renew_ahead
        self._grant: TokenGrant | None = None
        self._lock = asyncio.Lock()
        self.issued = 0

    def _usable(self, grant: TokenGrant) -> bool:
        expires = grant.expires_at
        return expires is not None and self.clock() < expires - self.renew_ahead

    async def __call__(self) -> str:
        async with self._lock:
            grant = self._grant
            if grant is None or not self._usable(grant):
                grant = await self._issue()
                # No expiry given: hand it out once, ask again for the next connection.
                self._grant = grant if grant.expires_at is not None else None
            return grant.token

    def invalidate(self) -> None:
        """The server refused the token: the next call issues a new one."""
        self._grant = None

    async def _issue(self) -> TokenGrant:
        headers = {"Content-Type": "application/json;charset=UTF-8", "api-id": "au10001"}
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.post(self.url, data=self._body, headers=headers) as response,
            ):
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise TokenError(t("feed.token_unreachable", error=type(exc).__name__)) from None
        grant = parse_token_answer(status, body)
        self.issued += 1
        log.info(
            "kiwoom: access token issued, expires %s",
            grant.expires_at.isoformat() if grant.expires_at else "unknown",
        )
        return grant
