"""The LS WebSocket client: the live loop around ``LsSession``.

``Feed.run`` supervises it (reconnect with backoff and jitter); the session keeps the
subscriptions in step with the rules, checks every acknowledgement and watches that trades
keep coming while their market is open. The token is asked for on every timer tick, so the
issuer's renewal before 07:00 KST takes effect without waiting for a reconnect.
"""

from __future__ import annotations

from typing import Any

from alertbot.feeds.live import SessionFeed
from alertbot.feeds.ls import protocol
from alertbot.feeds.ls.session import LsSession
from alertbot.feeds.ls.token import KEY_VARS, MOCK_VAR
from alertbot.feeds.token import TokenSource


class LsFeed(SessionFeed):
    name = "ls"
    serves = frozenset({"vi", "price", "fill", "market", "news", "limit", "volume"})
    """Condition search is Kiwoom's: LS's own (AFR) is not wired."""
    # No application-level ping is documented for LS (PROTOCOL_NOTES): websockets' own
    # protocol pings, left at the library defaults (20 s, 20 s), notice a dead peer.
    renew_on_timer = True
    token_var = "LS_TOKEN"
    key_vars, mock_var = KEY_VARS, MOCK_VAR

    def __init__(
        self,
        ws_url: str,
        token: TokenSource,
        *,
        session: LsSession | None = None,
        silence_timeout: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            ws_url, token, session or LsSession(), silence_timeout=silence_timeout, **kwargs
        )

    @property
    def confirmed(self) -> set[protocol.Topic]:
        """Topics the server acknowledged on the current connection."""
        return self.session.confirmed  # type: ignore[attr-defined, no-any-return]
