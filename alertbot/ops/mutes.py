"""Mutes: "be quiet about this rule (for this stock) for a while", kept across restarts.

Set from the chat (``/mute``, the 🔕 button), consulted by the app for every alert before it
reaches delivery. The table lives in the state database; reads come from a dict kept in step
with it, so the check per alert costs two dict lookups, not a query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from alertbot.state import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS mutes (
    rule TEXT NOT NULL,
    symbol TEXT NOT NULL,          -- '' mutes the rule for every symbol
    until REAL,                    -- Unix time; NULL mutes until /unmute
    PRIMARY KEY (rule, symbol)
);
"""

ALL_SYMBOLS = ""


@dataclass(frozen=True, slots=True)
class Mute:
    rule: str
    symbol: str
    until: float | None

    def active(self, now: float) -> bool:
        return self.until is None or now < self.until


class MuteStore:
    """The ``mutes`` table and its in-memory mirror. Wall-clock time: mutes outlive the process."""

    def __init__(self, db: StateDB, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock
        db.ensure(SCHEMA)
        self._mutes: dict[tuple[str, str], Mute] = {}
        now = clock()
        for rule, symbol, until in db.conn.execute("SELECT rule, symbol, until FROM mutes"):
            mute = Mute(rule, symbol, until)
            if mute.active(now):
                self._mutes[(rule, symbol)] = mute
        db.conn.execute("DELETE FROM mutes WHERE until IS NOT NULL AND until <= ?", (now,))

    def mute(self, rule: str, symbol: str = ALL_SYMBOLS, seconds: float | None = None) -> Mute:
        """Mute ``rule`` for ``symbol`` (empty: all) for ``seconds`` (None: until unmuted)."""
        until = None if seconds is None else self.clock() + seconds
        self.db.conn.execute(
            "INSERT INTO mutes (rule, symbol, until) VALUES (?, ?, ?)"
            " ON CONFLICT (rule, symbol) DO UPDATE SET until = excluded.until",
            (rule, symbol, until),
        )
        mute = self._mutes[(rule, symbol)] = Mute(rule, symbol, until)
        return mute

    def unmute(self, rule: str) -> int:
        """Lift every mute of ``rule`` (all symbols); returns how many there were."""
        self.db.conn.execute("DELETE FROM mutes WHERE rule = ?", (rule,))
        gone = [key for key in self._mutes if key[0] == rule]
        for key in gone:
            del self._mutes[key]
        return len(gone)

    def muted(self, rule: str, symbol: str) -> bool:
        """Whether an alert of ``rule`` about ``symbol`` must stay quiet now."""
        if not self._mutes:
            return False
        for key in ((rule, ALL_SYMBOLS), (rule, symbol)):
            mute = self._mutes.get(key)
            if mute is not None:
                if mute.active(self.clock()):
                    return True
                del self._mutes[key]
        return False

    def active(self) -> list[Mute]:
        """Mutes in force now, by rule then symbol (for ``/status`` and ``/rules``)."""
        now = self.clock()
        return sorted(
            (m for m in self._mutes.values() if m.active(now)), key=lambda m: (m.rule, m.symbol)
        )
