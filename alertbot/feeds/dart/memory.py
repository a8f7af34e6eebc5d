"""Which filings the disclosure feed has seen today, kept in the state database.

A restart at 14:00 must neither resend the morning's alerts nor take the filings made while
the bot was down for "already there at start": the feed remembers every ``rcept_no`` it saw
and whether its first pass of the day was complete, per day. Old days are forgotten.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from alertbot.state import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS dart_seen (
    day TEXT NOT NULL,
    rcept_no TEXT NOT NULL,
    PRIMARY KEY (day, rcept_no)
);
"""
STARTED = ""
"""The row (day, "") that says the day's first pass was complete."""
KEEP_DAYS = 7


class SeenFilings:
    """``db=None`` keeps nothing (``alertbot record``, tests of the session alone)."""

    def __init__(self, db: StateDB | None) -> None:
        self.db = db
        if db is not None:
            db.ensure(SCHEMA)

    def load(self, day: str) -> tuple[bool, set[str]]:
        """(was the day's first pass complete, the ``rcept_no``s seen on ``day``)."""
        if self.db is None:
            return False, set()
        rows = self.db.conn.execute("SELECT rcept_no FROM dart_seen WHERE day = ?", (day,))
        seen = {rcept_no for (rcept_no,) in rows}
        started = STARTED in seen
        seen.discard(STARTED)
        return started, seen

    def add(self, day: str, rcept_nos: Iterable[str], started: bool = False) -> None:
        if self.db is None:
            return
        rows = [(day, no) for no in rcept_nos] + ([(day, STARTED)] if started else [])
        if rows:
            with self.db.conn:  # one transaction, one sync, however many rows
                self.db.conn.execute("BEGIN")
                self.db.conn.executemany("INSERT OR IGNORE INTO dart_seen VALUES (?, ?)", rows)

    def forget_before(self, now: datetime) -> None:
        if self.db is not None:
            oldest = (now - timedelta(days=KEEP_DAYS)).strftime("%Y%m%d")
            self.db.conn.execute("DELETE FROM dart_seen WHERE day < ?", (oldest,))
