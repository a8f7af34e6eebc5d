"""The Kiwoom connection as a pure state machine: LOGIN, PING, REG/REMOVE, condition search.

Driven by the live client (``feeds/kiwoom/client.py``), by ``alertbot record`` (through that
client) and by ``alertbot replay`` (frames from a file): one copy of the state for all three.
Nothing survives a reconnect on the server side [field], so ``connected`` forgets what the
server had and the session sends everything again once logged in; what the trader was already
told (a condition that does not exist, too many conditions) survives, so it is said once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from alertbot.events import Event
from alertbot.feeds.kiwoom import protocol
from alertbot.feeds.liveness import Liveness, venue_open
from alertbot.feeds.session import (
    NOTHING,
    FeedError,
    FeedSilent,
    Frames,
    RetryLater,
    Session,
    Step,
    TokenRefused,
)
from alertbot.i18n import duration, t
from alertbot.subscriptions import Subscriptions

ITEMS_PER_REG = 100
"""The server caps items per registration (``등록 종목수 초과``) at an undocumented value."""
MAX_CONDITIONS = 10
"""Realtime condition searches per login [field]."""
LOGIN_TIMEOUT = timedelta(seconds=10)
KICKED_DELAY = 300.0
"""R10001 (kicked by the same app key elsewhere): wait this long so the two programs do not
keep kicking each other back."""
SERVER_WORDS = 200
"""A server's refusal is quoted this far in a notice, no further."""
DATA_WINDOW = timedelta(minutes=3)
"""No trade for any registered stock this long while its market is open: re-register, and if
that brings nothing either, reconnect. PINGs keep coming on a link whose data stopped."""


def _numeric(seq: str) -> tuple[int, str]:
    return (len(seq), seq)


class KiwoomSession(Session):
    source = protocol.SOURCE

    def __init__(self, *, kicked_delay: float = KICKED_DELAY, data_window: timedelta = DATA_WINDOW):
        super().__init__()
        self.kicked_delay = kicked_delay
        self.data_window = data_window
        self.logged_in = False
        self.registered: set[tuple[str, str]] = set()
        self.names: dict[str, str] | None = None
        """seq → name from CNSRLST; ``None`` until it answers on this connection."""
        self._list_requested = False
        self.conditions: dict[str, str] = {}
        """seq → name of every condition started (CNSRREQ sent) on this connection."""
        self._awaiting: list[str] = []
        """seqs whose CNSRREQ is not answered yet, in the order sent."""
        self._refused: set[str] = set()
        self._problems: set[str] = set()
        """Wanted conditions already reported to the admin (once, not on every reconnect)."""
        self._login_sent: datetime | None = None
        self.liveness = Liveness(data_window)

    # ------------------------------------------------------------------ transitions

    def connected(self, now: datetime) -> Frames:
        self.reset()
        self.logged_in = False
        self.registered, self.conditions, self._awaiting = set(), {}, []
        self.names, self._list_requested, self._refused = None, False, set()
        self._login_sent = now
        self.liveness.restart(now)
        return [protocol.login(self.token)]

    def want(self, subscriptions: Subscriptions) -> Frames:
        self.subscriptions = subscriptions
        return list(self._sync()) if self.logged_in else ()

    def receive(self, frame: str | bytes, now: datetime) -> Step:
        message = protocol.parse(frame, now, self.names)
        if isinstance(message, protocol.RealData):
            if message.skipped:
                self.note_unparsed(t("unparsed.real_entry"), message.skipped)
            if message.events:
                self.liveness.data(now)
            return message.events, ()
        if isinstance(message, protocol.Ping):
            return (), [message.raw]
        if isinstance(message, protocol.ConditionAnswer):
            return self._on_condition_answer(message, now), ()
        if isinstance(message, protocol.ConditionList):
            return (), self._on_condition_list(message)
        if isinstance(message, protocol.LoginResult):
            return (), self._on_login(message, now)
        if isinstance(message, protocol.Ack):
            if not message.ok:
                self._request_refused(message.trnm, message.code, message.message)
        elif isinstance(message, protocol.SystemNotice):
            self._on_system(message)
        elif isinstance(message, protocol.Unparsed):
            self.note_unparsed(message.reason)
        return NOTHING

    def timer(self, now: datetime) -> Frames:
        if not self.logged_in:
            sent = self._login_sent
            if sent is not None and now - sent >= LOGIN_TIMEOUT:
                self.end(FeedError(t("feed.login_timeout")))
            return ()
        verdict = self.liveness.check(now, self._data_expected(now))
        if verdict is Liveness.REREGISTER:
            pairs = {pair for pair in self.registered if pair[0] == protocol.TYPE_TRADE}
            return [*_requests(protocol.remove, pairs), *_requests(protocol.register, pairs)]
        if verdict is Liveness.DEAD:
            self.end(FeedSilent(t("feed.no_trade")))
        return ()

    def goodbye(self) -> Frames:
        frames = [protocol.condition_stop(seq) for seq in sorted(self.conditions, key=_numeric)]
        frames.extend(_requests(protocol.remove, self.registered))
        self.conditions, self.registered = {}, set()
        return frames

    # ------------------------------------------------------------------ answers

    def _on_login(self, message: protocol.LoginResult, now: datetime) -> Frames:
        if message.ok:
            self.logged_in = self.ready = self.token_accepted = True
            self.liveness.restart(now)
            return list(self._sync())
        if message.auth_error:
            self.end(TokenRefused(t("feed.token_refused", error=message.auth_error)))
        else:
            error = f"{message.code} {message.message[:120]}"
            self.end(FeedError(t("feed.login_refused", error=error)))
        return ()

    def _on_system(self, message: protocol.SystemNotice) -> None:
        """SYSTEM frames are never echoed; R10001 ends the session with a long pause."""
        if message.code != protocol.KICKED:
            return
        wait = duration(self.kicked_delay)
        self.notices.append(
            t("feed.kicked_notice", feed=self.source, code=message.code, duration=wait)
        )
        self.end(RetryLater(t("feed.kicked", code=message.code), self.kicked_delay))

    def _on_condition_list(self, message: protocol.ConditionList) -> Frames:
        if not message.ok:
            self._request_refused("CNSRLST", message.code, message.message)
            return ()
        self.names = dict(message.conditions)
        return list(self._sync())  # asked for once logged in; a replay may lack the LOGIN

    def _on_condition_answer(self, message: protocol.ConditionAnswer, now: datetime) -> list[Event]:
        """The first answer to CNSRREQ: what matches now, reported once as a snapshot."""
        seq = message.seq or (self._awaiting[0] if self._awaiting else "")
        if seq in self._awaiting:
            self._awaiting.remove(seq)
        name = self.conditions.get(seq)
        if name is None:
            return []  # stopped (CNSRCLR) before its answer came, or never asked for
        if not message.ok:
            del self.conditions[seq]
            self._refused.add(seq)
            error = f"{message.code} {message.message}"[:SERVER_WORDS]
            self.notices.append(
                t("feed.condition_refused", feed=self.source, condition=name, seq=seq, error=error)
            )
            return []
        return [protocol.snapshot(message, seq, name, now)]

    def _request_refused(self, request: str, code: object, message: str) -> None:
        error = f"{code} {message}"[:SERVER_WORDS]
        self.notices.append(
            t("feed.request_refused", feed=self.source, request=request, error=error)
        )

    # ------------------------------------------------------------------ subscriptions

    def wanted(self) -> set[tuple[str, str]]:
        """(type, item) pairs the current subscriptions need."""
        return protocol.wanted(self.subscriptions)

    def _data_expected(self, now: datetime) -> bool:
        """Trades are expected when a registered stock's venue is in session."""
        return any(
            type_ == protocol.TYPE_TRADE and venue_open(protocol.split_item(item)[1], now)
            for type_, item in self.registered
        )

    def _sync(self) -> Iterator[str]:
        """The difference between what is wanted and what this connection has."""
        wanted = self.wanted()
        yield from _requests(protocol.register, wanted - self.registered)
        yield from _requests(protocol.remove, self.registered - wanted)
        self.registered = wanted
        yield from self._sync_conditions()

    def _sync_conditions(self) -> Iterator[str]:
        wanted = self.subscriptions.conditions
        self._problems &= wanted | {""}
        if self.names is None:
            if wanted and not self._list_requested:
                self._list_requested = True
                yield protocol.condition_list()
            return
        seqs = self._resolve(self.names, wanted)
        self._refused &= seqs.keys()
        for seq in sorted(seqs.keys() - self.conditions.keys() - self._refused, key=_numeric):
            self.conditions[seq] = seqs[seq]
            self._awaiting.append(seq)
            yield protocol.condition_start(seq)
        for seq in sorted(self.conditions.keys() - seqs.keys(), key=_numeric):
            del self.conditions[seq]
            yield protocol.condition_stop(seq)

    def _resolve(self, names: dict[str, str], wanted: Iterable[str]) -> dict[str, str]:
        """Rule conditions (names, or seqs as digit strings) → seq → name, at most 10."""
        by_name = {name: seq for seq, name in names.items()}
        resolved: dict[str, str] = {}
        for entry in sorted(wanted):
            seq = by_name.get(entry.strip()) or (entry if entry in names else None)
            if seq is None:
                listed = ", ".join(list(by_name)[:20]) or t("word.none")
                self._report(
                    entry,
                    t("feed.condition_unknown", feed=self.source, condition=entry, listed=listed),
                )
                continue
            resolved[seq] = names[seq]
        if len(resolved) <= MAX_CONDITIONS:
            return resolved
        kept = sorted(resolved, key=_numeric)[:MAX_CONDITIONS]
        dropped = [resolved[seq] for seq in sorted(resolved.keys() - set(kept), key=_numeric)]
        self._report(
            "",
            t(
                "feed.conditions_over",
                feed=self.source,
                limit=MAX_CONDITIONS,
                dropped=", ".join(dropped),
            ),
        )
        return {seq: resolved[seq] for seq in kept}

    def _report(self, key: str, text: str) -> None:
        if key not in self._problems:
            self._problems.add(key)
            self.notices.append(text)


def _requests(build, pairs: set[tuple[str, str]]) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """REG or REMOVE frames for ``pairs``: one per type, at most ``ITEMS_PER_REG`` items each."""
    by_type: dict[str, list[str]] = defaultdict(list)
    for type_, item in sorted(pairs):
        by_type[type_].append(item)
    for type_, items in by_type.items():
        for start in range(0, len(items), ITEMS_PER_REG):
            yield build([type_], items[start : start + ITEMS_PER_REG])
