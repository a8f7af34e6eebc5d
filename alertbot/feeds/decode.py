"""Raw frames back into events away from a live connection: what ``alertbot replay`` reads.

Each source's frames go through the very session the live feed runs (``KiwoomSession``,
``LsSession``), so a replayed day yields the events the live feeds emitted on it: condition
names learned from the CNSRLST answer, snapshots for the conditions the rules start, a market
status reported again dropped. What the session would send back is not sent anywhere.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime

from alertbot.events import Event
from alertbot.feeds.dart.session import DartSession
from alertbot.feeds.kiwoom.session import KiwoomSession
from alertbot.feeds.ls.session import LsSession
from alertbot.feeds.session import Session
from alertbot.subscriptions import Subscriptions

SESSIONS: dict[str, Callable[[], Session]] = {
    KiwoomSession.source: KiwoomSession,
    LsSession.source: LsSession,
    DartSession.source: DartSession,
}


class Decoder:
    """``decode(src, frame, received)`` → the events that frame gave the live feed."""

    def __init__(self, subscriptions: Subscriptions | None = None) -> None:
        """``subscriptions``: what the replayed rules want (which conditions they start)."""
        self.subscriptions = subscriptions or Subscriptions()
        self._sessions: dict[str, Session] = {}
        self._unknown: Counter[str] = Counter()

    @property
    def unparsed(self) -> Counter[str]:
        """``"src: reason"`` → frames (or Kiwoom REAL entries) not understood."""
        total = Counter(self._unknown)
        for session in self._sessions.values():
            total.update(session.unparsed)
        return total

    def decode(self, src: str, frame: str | bytes, received: datetime) -> Sequence[Event]:
        session = self._sessions.get(src)
        if session is None:
            factory = SESSIONS.get(src)
            if factory is None:
                self._unknown[f"{src}: no parser for this source"] += 1
                return ()
            session = self._sessions[src] = factory()
            session.connected(received)
            session.want(self.subscriptions)
        return session.receive(frame, received)[0]
