"""Rate limits applied before a send, per destination: sliding windows shared by key.

A window allows at most ``count`` sends in any ``seconds``, measured on the injected clock.
Windows are keyed by destination (a chat, a bot token's fingerprint, a Slack channel), so
two channels that point at the same chat, or at chats of the same bot, share the budget.
A 429 ``block``s one key for exactly the time the service gave; other keys carry on.
"""

from __future__ import annotations

from collections import deque

from alertbot.delivery.clock import Clock
from alertbot.delivery.notifiers.base import Window


class Limiter:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._sent: dict[str, deque[float]] = {}
        self._blocked: dict[str, float] = {}

    def delay(self, windows: list[Window]) -> float:
        """Seconds until a send to all ``windows`` is allowed (0 when it is now)."""
        now = self.clock.monotonic()
        wait = 0.0
        for window in windows:
            wait = max(wait, self._blocked.get(window.key, now) - now)
            sent = self._sent.get(window.key)
            if sent is None:
                continue
            while sent and sent[0] <= now - window.seconds:
                sent.popleft()
            if len(sent) >= window.count:
                wait = max(wait, sent[-window.count] + window.seconds - now)
        return wait

    async def acquire(self, windows: list[Window]) -> None:
        """Wait until every window has room, then count one send in each."""
        while (wait := self.delay(windows)) > 0:
            await self.clock.sleep(wait)
        now = self.clock.monotonic()
        for window in windows:
            self._sent.setdefault(window.key, deque(maxlen=window.count)).append(now)

    def block(self, key: str, seconds: float) -> None:
        """The service said 429: nothing goes to ``key`` for ``seconds``."""
        until = self.clock.monotonic() + seconds
        self._blocked[key] = max(self._blocked.get(key, until), until)
