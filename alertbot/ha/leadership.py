"""Who leads: claim the lease, renew it, and step down the moment it cannot be vouched for.

A process is the leader while it holds the lease row *and* its own monotonic clock says the
lease cannot have expired yet: ``valid_until`` is the moment the winning claim was *sent*
plus the lease, less a margin, so it never outlives the server's expiry. The monotonic clock
keeps running while the process is paused, so a leader that wakes from ``SIGSTOP`` past its
lease knows at once that it no longer leads (``acting()``), before it can reach the database.

Standbys try again just after the current lease runs out, so a dead leader is replaced within
about one lease. Database errors are retried with capped backoff; a leader whose lease runs
out meanwhile steps down — it never acts on a lease it cannot renew.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from alertbot.ha import lease
from alertbot.ha.database import DatabaseUnavailable, connect, failures, unavailable
from alertbot.i18n import t

log = logging.getLogger("alertbot.ha")

LEASE = 6.0
RENEW = 2.0
MARGIN = 1 / 12
"""The share of the lease a leader gives up (0.5 s of 6 s), for clock rates and scheduling."""
RETRY_FIRST, RETRY_MAX = 0.25, 5.0
TAKEOVER_SLACK = 0.05
"""A standby claims this long after the lease it saw runs out."""


class Role(Enum):
    STANDBY = "standby"
    LEADER = "leader"


@dataclass(frozen=True, slots=True)
class Status:
    """What this instance knows about the group; ``leader`` is empty while nobody is known."""

    role: Role
    epoch: int
    leader: str
    me: str
    problem: str | None = None
    """Why this instance cannot currently tell (the database is unreachable), if so."""


def instance_name() -> str:
    """Unique per process start: host, pid and a random tag (a restart is a new holder)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leadership:
    """``run()`` until cancelled; ``on_change(status)`` is called on every change of role,
    epoch or known leader. ``acting()`` is the cheap check for "may I act as leader now"."""

    def __init__(
        self,
        url: str,
        on_change: Callable[[Status], None],
        *,
        me: str | None = None,
        lease_seconds: float = LEASE,
        renew_every: float = RENEW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.on_change = on_change
        self.me = me or instance_name()
        self.lease_seconds = lease_seconds
        self.renew_every = renew_every
        self.clock = clock
        self.status = Status(Role.STANDBY, 0, "", self.me)
        self.valid_until = 0.0
        self._conn = None
        self._failures = 0
        self._stopping = asyncio.Event()

    def acting(self) -> bool:
        """True only while this instance leads under a lease that cannot have expired."""
        return self.status.role is Role.LEADER and self.clock() < self.valid_until

    async def run(self) -> None:
        """Claim and renew until ``stop()``; then step down and let the lease lapse at once,
        so a standby takes over without waiting for it to expire."""
        try:
            while not self._stopping.is_set():
                delay = await self._round()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=max(delay, 0.0))
                self._lapse_if_expired()
            await self._release()
        finally:
            await self._close()

    def stop(self) -> None:
        """Ask ``run()`` to step down and return."""
        self._stopping.set()

    async def _release(self) -> None:
        status = self.status
        self._set(Status(Role.STANDBY, status.epoch, "", self.me))
        if status.role is not Role.LEADER or self._conn is None:
            return
        try:
            await asyncio.wait_for(
                lease.release(self._conn, self.me, status.epoch), self.renew_every
            )
        except (*failures(), DatabaseUnavailable) as exc:
            log.warning("leadership: could not release the lease: %s", unavailable(self.url, exc))

    async def _round(self) -> float:
        """One claim; returns the seconds until the next."""
        sent = self.clock()
        try:
            term = await asyncio.wait_for(self._claim(), timeout=self.renew_every)
        except (*failures(), DatabaseUnavailable) as exc:
            return await self._failed(exc)
        if self._failures:
            log.warning("leadership: database reachable again")
        self._failures = 0
        if term.holder == self.me:
            self.valid_until = sent + self.lease_seconds * (1 - MARGIN)
            self._set(Status(Role.LEADER, term.epoch, self.me, self.me))
            return min(self.renew_every, self.valid_until - self.clock())
        self._set(Status(Role.STANDBY, term.epoch, term.holder, self.me))
        return min(self.renew_every, term.remaining + TAKEOVER_SLACK)

    async def _claim(self) -> lease.Term:
        if self._conn is None:
            self._conn = await connect(self.url, timeout=self.renew_every)
        return await lease.claim(self._conn, self.me, self.lease_seconds)

    async def _failed(self, exc: BaseException) -> float:
        error = exc if isinstance(exc, DatabaseUnavailable) else unavailable(self.url, exc)
        self._failures += 1
        if self._failures == 1:
            log.error("leadership: %s; retrying", error)
        await self._close()
        status = self.status
        if status.role is Role.STANDBY:
            self._set(Status(Role.STANDBY, status.epoch, status.leader, self.me, str(error)))
        delay = min(RETRY_FIRST * 2 ** (self._failures - 1), RETRY_MAX)
        if status.role is Role.LEADER:
            delay = min(delay, max(self.valid_until - self.clock(), 0.0))
        return delay

    def _lapse_if_expired(self) -> None:
        """A leader whose lease ran out without renewal steps down before anything else."""
        status = self.status
        if status.role is Role.LEADER and self.clock() >= self.valid_until:
            log.error("leadership: lease of epoch %d ran out unrenewed; standing by", status.epoch)
            lapsed = t("ha.lease_lapsed")
            self._set(Status(Role.STANDBY, status.epoch, "", self.me, lapsed))

    def _set(self, status: Status) -> None:
        if status == self.status:
            return
        self.status = status
        self.on_change(status)

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()  # no goodbye: the server may be gone
