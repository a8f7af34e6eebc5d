"""When silence on a feed means a dead link: each venue's hours, and the data watchdog.

A server's heartbeat (Kiwoom's PING) proves the socket, not the data: a link can keep
answering PINGs while the registrations behind it are gone. So a feed also expects *data* for
what it registered, but only while that data's market is open — KRX trades stop at 15:30 and
the after-hours trades of a stock come on NXT items, so a quiet KRX stock at 16:00 is normal.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock_time

from alertbot.events import KST

VENUE_HOURS = {
    "KRX": (clock_time(9, 0), clock_time(15, 30)),
    "NXT": (clock_time(8, 0), clock_time(20, 0)),
    "SOR": (clock_time(8, 0), clock_time(20, 0)),
}
"""Continuous trading per venue (KST, weekdays): KRX's regular session; NXT's pre-market
08:00–08:50, main and after-market 15:30–20:00 taken as one span; SOR routes to both."""


def venue_open(venue: str, now: datetime) -> bool:
    """Whether ``venue`` (KRX, NXT, SOR) trades continuously at ``now`` (holidays unknown)."""
    local = now.astimezone(KST)
    start, end = VENUE_HOURS.get(venue, VENUE_HOURS["KRX"])
    return local.weekday() < 5 and start <= local.time() < end


def kst_day(now: datetime) -> int:
    """The KST day as an ordinal: cheap to compare on every data frame."""
    return now.astimezone(KST).toordinal()


class Liveness:
    """Data for registered items must keep coming while their market is open.

    ``check`` answers ``REREGISTER`` once a ``window`` passes without data while data is
    expected, then ``DEAD`` if another window passes; data, or a closed market, resets it.
    Until data has come once on the current KST day, silence proves nothing (a holiday, or a
    stock that has not traded yet), so a feed is never reconnected for it.
    """

    OK, REREGISTER, DEAD = "ok", "reregister", "dead"

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._since: datetime | None = None
        self._reregistered = False
        self._last_data: datetime | None = None

    def restart(self, now: datetime) -> None:
        """A new connection (or login): the window starts again."""
        self._since, self._reregistered = now, False

    def data(self, now: datetime) -> None:
        """Data arrived (called per data frame: two stores, no clock or calendar work)."""
        self._since = self._last_data = now
        self._reregistered = False

    def check(self, now: datetime, expected: bool) -> str:
        if self._since is None:
            return self.OK
        last = self._last_data
        if not expected or last is None or kst_day(last) != kst_day(now):
            self._since, self._reregistered = now, False
            return self.OK
        if now - self._since < self.window:
            return self.OK
        self._since = now
        if self._reregistered:
            return self.DEAD
        self._reregistered = True
        return self.REREGISTER
