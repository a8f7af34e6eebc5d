"""Mutes: "be quiet about this rule (for this stock) for a while", kept across restarts.

Set from the chat (``/mute``, the 🔕 button), consulted by the app for every alert before it
reaches delivery. The table lives in the state database; reads come from a dict kept in step
with it, so the check per alert costs two dict lookups, not a query.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

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


class Table(Protocol):
    """Where mutes persist: ``MuteTable`` (SQLite) or ``alertbot.ha.store.PgMuteTable``."""

    def load(self, now: float) -> list[Mute]: ...

    def put(self, mute: Mute) -> None: ...

    def delete(self, rule: str) -> None: ...


class MuteTable:
    """The ``mutes`` table in the SQLite file (``alertbot.ha.store`` has the PostgreSQL one)."""

    def __init__(self, db: StateDB) -> None:
        self.conn = db.conn
        db.ensure(SCHEMA)

    def load(self, now: float) -> list[Mute]:
        """Mutes still in force at ``now``; the expired ones are deleted."""
        rows = self.conn.execute("SELECT rule, symbol, until FROM mutes").fetchall()
        self.conn.execute("DELETE FROM mutes WHERE until IS NOT NULL AND until <= ?", (now,))
        return [mute for mute in (Mute(*row) for row in rows) if mute.active(now)]

    def put(self, mute: Mute) -> None:
        self.conn.execute(
            "INSERT INTO mutes (rule, symbol, until) VALUES (?, ?, ?)"
            " ON CONFLICT (rule, symbol) DO UPDATE SET until = excluded.until",
            (mute.rule, mute.symbol, mute.until),
        )

    def delete(self, rule: str) -> None:
        self.conn.execute("DELETE FROM mutes WHERE rule = ?", (rule,))


class MuteStore:
    """The ``mutes`` table and its in-memory mirror. Wall-clock time: mutes outlive the process."""

    def __init__(self, db: StateDB | Table, clock: Callable[[], float] = time.time) -> None:
        self.table = MuteTable(db) if isinstance(db, StateDB) else db
        self.clock = clock
        self._mutes = {(m.rule, m.symbol): m for m in self.table.load(clock())}

    def mute(self, rule: str, symbol: str = ALL_SYMBOLS, seconds: float | None = None) -> Mute:
        """Mute ``rule`` for ``symbol`` (empty: all) for ``seconds`` (None: until unmuted)."""
        until = None if seconds is None else self.clock() + seconds
        mute = Mute(rule, symbol, until)
        self.table.put(mute)
        self._mutes[(rule, symbol)] = mute
        return mute

    def unmute(self, rule: str) -> int:
        """Lift every mute of ``rule`` (all symbols); returns how many there were."""
        self.table.delete(rule)
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
