"""The LS connection as a pure state machine: subscriptions, their acks, market-status memory.

LS has no login frame: every request carries the token, so the session holds the current one
(the driver renews it on a timer, before 07:00 KST) and sends each topic's register or
unregister request, then checks each acknowledgement. Driven by the live client and by
``alertbot replay``: one copy of the state for both.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from alertbot.events import MarketStatus
from alertbot.feeds.liveness import Liveness, venue_open
from alertbot.feeds.ls import protocol
from alertbot.feeds.session import NOTHING, FeedSilent, Frames, Session, Step, TokenRefused
from alertbot.i18n import t
from alertbot.subscriptions import Subscriptions

DATA_WINDOW = timedelta(minutes=5)
"""LS sends no heartbeat, and a thinly traded stock can go minutes without a trade: only this
long without any trade, while trades are expected, calls for re-subscribing (then reconnecting)."""
TRADE_VENUES = {
    protocol.KOSPI_TRADE: "KRX",
    protocol.KOSDAQ_TRADE: "KRX",
    protocol.NXT_TRADE: "NXT",
}
"""Which venue's hours each trade feed follows: S3_/K3_ go quiet after 15:30 (after-hours
trades come on other feeds), NXT's trades run 08:00–20:00."""


class LsSession(Session):
    source = protocol.SOURCE

    def __init__(self, *, data_window: timedelta = DATA_WINDOW) -> None:
        super().__init__()
        self.requested: set[protocol.Topic] = set()
        """Topics requested on the current connection and not refused."""
        self.confirmed: set[protocol.Topic] = set()
        """Topics the server acknowledged on the current connection."""
        self._market = protocol.MarketStates()
        self._reported: set[protocol.Topic] = set()
        """Refused topics already told to the admin: once, not again on every reconnect."""
        self.liveness = Liveness(data_window)

    # ------------------------------------------------------------------ transitions

    def connected(self, now: datetime) -> Frames:
        self.reset()
        self.requested, self.confirmed = set(), set()
        self.ready = True  # no login: the connection is usable as soon as it is open
        self.liveness.restart(now)
        return self._sync()

    def want(self, subscriptions: Subscriptions) -> Frames:
        self.subscriptions = subscriptions
        return self._sync() if self.ready else ()

    def receive(self, frame: str | bytes, now: datetime) -> Step:
        message = protocol.parse(frame, now)
        if isinstance(message, protocol.Data):
            event = message.event
            if isinstance(event, MarketStatus):
                return ((event,) if self._market.changed(event) else ()), ()
            if message.tr_cd in TRADE_VENUES:
                self.liveness.data(now)
            return (event,), ()
        if isinstance(message, protocol.Ack):
            self._on_ack(message)
        else:
            self.note_unparsed(message.reason)
        return NOTHING

    def timer(self, now: datetime) -> Frames:
        if not self.ready:
            return ()
        verdict = self.liveness.check(now, self._trades_expected(now))
        if verdict is Liveness.REREGISTER:
            trades = sorted(t for t in self.requested if t[0] in TRADE_VENUES)
            return [
                *(protocol.request(self.token, topic, register=False) for topic in trades),
                *(protocol.request(self.token, topic, register=True) for topic in trades),
            ]
        if verdict is Liveness.DEAD:
            self.end(FeedSilent(t("feed.no_trade")))
        return ()

    # ------------------------------------------------------------------ internals

    def _trades_expected(self, now: datetime) -> bool:
        return any(
            tr_cd in TRADE_VENUES and venue_open(TRADE_VENUES[tr_cd], now)
            for tr_cd, _ in self.requested
        )

    def _on_ack(self, ack: protocol.Ack) -> None:
        topic = ack.topic
        if ack.ok:
            self.token_accepted = True
            if topic in self.requested:
                self.confirmed.add(topic)
                self._reported.discard(topic)
            else:
                self.confirmed.discard(topic)
            return
        detail = f"{ack.code} {ack.message}".strip()[:200]
        if ack.token_refused:
            self.end(TokenRefused(t("feed.token_refused", error=detail)))
            return
        if topic not in self.requested:
            return  # an unregister refused: nothing streams that was not wanted
        self.requested.discard(topic)
        self.confirmed.discard(topic)
        if topic not in self._reported:
            self._reported.add(topic)
            request = f"{ack.tr_cd} {ack.tr_key!r}"
            self.notices.append(
                t("feed.request_refused", feed=self.source, request=request, error=detail)
            )

    def _sync(self) -> Frames:
        """Register what is wanted and missing, unregister what is no longer wanted."""
        wanted = protocol.wanted(self.subscriptions)
        added, removed = wanted - self.requested, self.requested - wanted
        frames = [protocol.request(self.token, topic, register=True) for topic in sorted(added)]
        frames += [protocol.request(self.token, topic, register=False) for topic in sorted(removed)]
        self.requested = (self.requested | added) - removed
        self.confirmed -= removed
        return frames
