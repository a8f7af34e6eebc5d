"""The contract of a feed's pure session, shared by every broker (and by DART's polled feed).

A session holds all of one broker connection's state — login, heartbeats, registrations,
condition bookkeeping, snapshots, market-status memory — and no I/O: no socket, no asyncio,
no clock of its own (the ``h11`` / ``websockets`` sans-I/O style). Whoever moves the bytes
(the live client, ``alertbot record``, ``alertbot replay``) drives it:

- ``connected(now)`` when a new connection opens → the frames to send first;
- ``want(subscriptions)`` whenever the rules change → the frames that bring the server in step;
- ``receive(frame, now)`` for every frame → ``(events, frames_to_send)``;
- ``timer(now)`` every so often → frames (re-registrations, renewals) and perhaps an ending.

What a session cannot return as events or frames it leaves on itself for the driver to read:
``notices`` (for the admin channel, taken with ``take_notices``), ``unparsed`` (reason → count),
``ready`` (logged in and subscribed) and ``ending`` (the exception that must end the
connection, or ``None``). One session object lives across reconnects, so what must survive a
reconnect (market-status memory, problems already reported) does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from alertbot.events import Event
from alertbot.subscriptions import Subscriptions

Frames = Sequence[str]
Step = tuple[Sequence[Event], Frames]
"""What one frame (or one timer tick) gives: events for the engine, frames for the server."""
NOTHING: Step = ((), ())


class FatalFeedError(Exception):
    """The feed cannot go on without a person (wrong app key): stop retrying, tell the admin."""


class FeedError(ConnectionError):
    """A connection failure the feed words itself (a catalog text): people read it as it is,
    where a library's error is shown with its type."""


class FeedSilent(FeedError):
    """No data arrived for too long while it was expected: the connection is dead."""


class TokenRefused(FeedError):
    """The server refused the access token itself: a fresh one may fix it."""


class RetryLater(Exception):
    """The connection ended in a way that asks for a long pause before the next attempt."""

    def __init__(self, message: str, delay: float) -> None:
        super().__init__(message)
        self.delay = delay


class Session(ABC):
    """One broker's connection state; subclasses implement the four transitions."""

    source: str = "feed"

    def __init__(self) -> None:
        self.token = ""
        """The access token requests carry; the driver sets it (and renews it)."""
        self.notices: list[str] = []
        self.unparsed: Counter[str] = Counter()
        """Reason → frames (or entries) not understood, over the session's whole life."""
        self.unparsed_frames = 0
        """Frames with anything not understood; the driver logs when it grows."""
        self.last_unparsed = ""
        self.ready = False
        self.token_accepted = False
        """The server took the current connection's token (a LOGIN, an acknowledged request)."""
        self.ending: Exception | None = None
        self.subscriptions = Subscriptions()

    # ------------------------------------------------------------------ transitions

    @abstractmethod
    def connected(self, now: datetime) -> Frames:
        """A new connection is open: forget the old one's server state; the first frames."""

    @abstractmethod
    def want(self, subscriptions: Subscriptions) -> Frames:
        """The rules changed: remember what they need; the frames that request the difference."""

    @abstractmethod
    def receive(self, frame: str | bytes, now: datetime) -> Step:
        """One frame from the server, received at ``now``. Never raises."""

    def timer(self, now: datetime) -> Frames:
        """Called every few seconds by the driver: timeouts, liveness, renewals."""
        return ()

    def goodbye(self) -> Frames:
        """Frames a polite client sends before closing (stop searches, unregister)."""
        return ()

    # ------------------------------------------------------------------ helpers

    def take_notices(self) -> list[str]:
        notices, self.notices = self.notices, []
        return notices

    def note_unparsed(self, reason: str, count: int = 1) -> None:
        self.unparsed[f"{self.source}: {reason}"] += count
        self.unparsed_frames += 1
        self.last_unparsed = reason

    def reset(self) -> None:
        """What every new connection starts without (subclasses reset their own too)."""
        self.ending, self.ready, self.token_accepted = None, False, False

    def end(self, reason: Exception) -> None:
        """The connection must end (the first reason wins); the driver raises it."""
        if self.ending is None:
            self.ending = reason
        self.ready = False
