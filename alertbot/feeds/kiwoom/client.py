"""The Kiwoom WebSocket client: the live loop around ``KiwoomSession``.

``Feed.run`` supervises it (reconnect with backoff, silence watchdog); the session does the
talking (LOGIN, PING, REG/REMOVE, condition search). What is Kiwoom's own here is how to
connect and what to tell the operator when the token is refused.
"""

from __future__ import annotations

from typing import Any, ClassVar

from alertbot.feeds.kiwoom.session import KICKED_DELAY, KiwoomSession
from alertbot.feeds.kiwoom.token import KEY_VARS, MOCK_VAR
from alertbot.feeds.live import SessionFeed
from alertbot.feeds.token import TokenSource

SILENCE_TIMEOUT = 120.0
"""The server PINGs regularly, so two minutes without any frame in market hours is a dead link."""


class KiwoomFeed(SessionFeed):
    name = "kiwoom"
    serves = frozenset({"vi", "price", "condition", "fill", "limit", "volume"})
    connect_options: ClassVar[dict[str, Any]] = {
        "ping_interval": None  # the server's PING is the heartbeat [field]
    }
    token_var = "KIWOOM_TOKEN"
    key_vars, mock_var = KEY_VARS, MOCK_VAR

    def __init__(
        self,
        ws_url: str,
        token: TokenSource,
        *,
        kicked_delay: float = KICKED_DELAY,
        silence_timeout: float | None = SILENCE_TIMEOUT,
        session: KiwoomSession | None = None,
        **kwargs: Any,
    ) -> None:
        session = session or KiwoomSession(kicked_delay=kicked_delay)
        super().__init__(ws_url, token, session, silence_timeout=silence_timeout, **kwargs)
