"""The LS access token: issued from the app key and secret, cached, renewed in time.

``POST {LS_API_URL}/oauth2/token``, form-encoded ``grant_type=client_credentials``, ``appkey``,
``appsecretkey``, ``scope=oob`` (reference/ls/oauth-token.md). The answer's lifetime is
``expires_in`` (the example) or ``expire_in`` (the field table): both are read. Whatever it
says, the token ends at 07:00 KST [field], so it is renewed before the first 07:00 after it was
issued as well. Every LS request carries the token, so a renewed one is used from the next
request on without reconnecting.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta

import aiohttp
import orjson

from alertbot.events import KST, now_kst
from alertbot.feeds.session import FatalFeedError, FeedError
from alertbot.feeds.values import to_int, to_text
from alertbot.i18n import t
from alertbot.redaction import Redactor

log = logging.getLogger("alertbot.feeds.ls")

DAILY_CUTOFF = time(7, 0)
RENEW_MARGIN = timedelta(minutes=10)
KEY_VARS, MOCK_VAR = "LS_APPKEY, LS_APPSECRET", "LS_MOCK"
"""The settings a refused app key points the operator to."""
CREDENTIAL_CODES = frozenset({"IGW00103", "IGW00105"})
"""[field] Gateway codes for a wrong app key / app secret."""


def renew_at(issued: datetime, lifetime: int, margin: timedelta = RENEW_MARGIN) -> datetime:
    """When a token issued at ``issued`` with ``lifetime`` seconds must be replaced.

    ``margin`` ahead of the end of its lifetime (a tenth of a short lifetime) and ``margin``
    ahead of the next 07:00 KST. A token issued within ``margin`` of 07:00 is used until 07:00
    itself, so renewing near the cutoff does not become a loop of tokens already "due".
    """
    local = issued.astimezone(KST)
    cutoff = datetime.combine(local.date(), DAILY_CUTOFF, KST)
    if cutoff <= local:
        cutoff += timedelta(days=1)
    due = cutoff - margin if cutoff - margin > local else cutoff
    if lifetime > 0:
        life = timedelta(seconds=lifetime)
        due = min(due, local + life - min(margin, life / 10))
    return due


class LsTokenIssuer:
    """A ``TokenSource`` for ``LsFeed``: ``await issuer()`` gives a token that is still good.

    The feed asks on every timer tick, so the renewal before 07:00 KST happens on time even
    when nothing else would ask for a token."""

    renewable = True

    def __init__(
        self,
        api_url: str,
        appkey: str,
        appsecret: str,
        *,
        now: Callable[[], datetime] = now_kst,
        margin: timedelta = RENEW_MARGIN,
        timeout: float = 10.0,
    ) -> None:
        self.url = f"{api_url.rstrip('/')}/oauth2/token"
        self._appkey = appkey
        self._appsecret = appsecret
        self.now = now
        self.margin = margin
        self.timeout = timeout
        self._redact = Redactor()
        self._redact.add([appkey, appsecret])
        self._token: str | None = None
        self.renew_at: datetime | None = None
        self.issued = 0
        self._lock = asyncio.Lock()

    async def __call__(self) -> str:
        async with self._lock:
            if self._token is None or self.renew_at is None or self.now() >= self.renew_at:
                await self._issue()
            assert self._token is not None
            return self._token

    def invalidate(self) -> None:
        """The server refused the token: the next call issues a new one."""
        self._token = None

    async def _issue(self) -> None:
        form = {
            "grant_type": "client_credentials",
            "appkey": self._appkey,
            "appsecretkey": self._appsecret,
            "scope": "oob",
        }
        issued = self.now()
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout)) as http,
                http.post(self.url, data=form) as response,
            ):
                status, raw = response.status, await response.read()
        except (aiohttp.ClientError, TimeoutError) as exc:
            unreachable = t("feed.token_unreachable", error=type(exc).__name__)
            raise FeedError(unreachable) from None
        try:
            answer = orjson.loads(raw)
        except orjson.JSONDecodeError:
            answer = None
        if not isinstance(answer, dict):
            answer = {}
        token = to_text(answer.get("access_token"))
        code = to_text(answer.get("rsp_cd")) or to_text(answer.get("code"))
        detail = self._scrub(to_text(answer.get("rsp_msg")) or to_text(answer.get("message")))
        if status == 200 and token:
            lifetime = to_int(answer.get("expires_in", answer.get("expire_in")))
            self._token = token
            self.renew_at = renew_at(issued, lifetime, self.margin)
            self.issued += 1
            log.info("ls: access token issued, renewing at %s", self.renew_at.isoformat())
            return
        what = f"HTTP {status}{f' {code}' if code else ''}{f': {detail}' if detail else ''}"
        if status in (400, 401, 403) or code in CREDENTIAL_CODES:
            refused = t("feed.app_key_refused", error=what, keys=KEY_VARS, mock_var=MOCK_VAR)
            raise FatalFeedError(refused)
        raise FeedError(t("feed.token_not_issued", error=what))

    def _scrub(self, text: str) -> str:
        """Server messages are shown to the operator: never with the key or secret in them."""
        return self._redact(text)[:200]
