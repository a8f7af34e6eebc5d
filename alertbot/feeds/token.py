"""One access-token contract for every broker: ``await source()`` and ``invalidate()``.

Issuers (Kiwoom au10001, LS oauth2) renew on their own schedule and after ``invalidate``; a
ready token from the environment (``*_TOKEN``) cannot be renewed, which ``renewable`` says so
the feed can tell the operator to set a fresh one instead of retrying forever.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from alertbot.settings import BrokerCredentials


class TokenSource(Protocol):
    """Gives a token that is still good; told when the server refused it."""

    renewable: bool
    """Whether ``invalidate`` leads to a different token."""

    async def __call__(self) -> str: ...

    def invalidate(self) -> None:
        """The server refused the token: the next call issues a new one (if it can)."""


class FixedToken:
    """A ready token (``KIWOOM_TOKEN``, ``LS_TOKEN``): the same one, always."""

    renewable = False

    def __init__(self, token: str) -> None:
        self._token = token

    async def __call__(self) -> str:
        return self._token

    def invalidate(self) -> None:
        """Nothing to renew: the feed reports that a person must set a fresh token."""


Issuer = Callable[[str, str, str], TokenSource]
"""``(api_url, appkey, secret)`` → a renewing source."""


def broker_token(credentials: BrokerCredentials, issuer: Issuer) -> TokenSource | None:
    """App key and secret win over a ready token: the bot can renew what it issues itself."""
    if credentials.appkey is not None and credentials.secret is not None:
        return issuer(
            credentials.api_url,
            credentials.appkey.get_secret_value(),
            credentials.secret.get_secret_value(),
        )
    if credentials.token is not None:
        return FixedToken(credentials.token.get_secret_value())
    return None
