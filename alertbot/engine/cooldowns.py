"""``cooldown``: after a rule fires for a stock, it stays quiet for that stock this long.

Kept in the state database so a restart at 10:00 does not re-send what 09:59 sent. Each row
remembers the fingerprint of the rule's definition: editing a rule starts it afresh, while an
unchanged rule keeps its quiet time across reloads and restarts. Reads come from memory (the
hot path never queries SQLite). Writes are batched: every firing in one turn of the event loop
goes to disk in one transaction (``defer`` schedules the flush), so a storm of hundreds of VIs
costs one sync, not hundreds on the event loop.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from alertbot.state import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS rule_cooldowns (
    rule TEXT NOT NULL,
    subject TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    fired_at REAL NOT NULL,
    PRIMARY KEY (rule, subject)
);
"""


class Cooldowns:
    """Last firing per ``(rule, subject)``; ``db=None`` keeps it in memory only.

    ``defer(callback)`` runs ``flush`` later (the app passes ``loop.call_soon``); without it
    each firing is written at once.
    """

    def __init__(
        self, db: StateDB | None = None, defer: Callable[[Callable[[], None]], object] | None = None
    ) -> None:
        self.db = db
        self.defer = defer
        self._fired: dict[tuple[str, str], tuple[str, float]] = {}
        self._unwritten: dict[tuple[str, str], tuple[str, float]] = {}
        if db is not None:
            db.ensure(SCHEMA)
            rows = db.conn.execute(
                "SELECT rule, subject, fingerprint, fired_at FROM rule_cooldowns"
            )
            self._fired = {(rule, subject): (fp, at) for rule, subject, fp, at in rows}

    def quiet(
        self, rule: str, fingerprint: str, subject: str, cooldown: timedelta, now: datetime
    ) -> bool:
        """True while ``rule`` is cooling down for ``subject``."""
        last = self._fired.get((rule, subject))
        if last is None or last[0] != fingerprint:
            return False
        return now.timestamp() - last[1] < cooldown.total_seconds()

    def fired(self, rule: str, fingerprint: str, subject: str, now: datetime) -> None:
        entry = (fingerprint, now.timestamp())
        self._fired[(rule, subject)] = entry
        if self.db is None:
            return
        first = not self._unwritten
        self._unwritten[(rule, subject)] = entry
        if self.defer is None:
            self.flush()
        elif first:
            self.defer(self.flush)

    def flush(self) -> None:
        """Write the firings not yet on disk, in one transaction."""
        if self.db is None or not self._unwritten:
            return
        rows = [(rule, subject, fp, at) for (rule, subject), (fp, at) in self._unwritten.items()]
        self._unwritten.clear()
        with self.db.conn:
            self.db.conn.execute("BEGIN")
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO rule_cooldowns VALUES (?, ?, ?, ?)", rows
            )

    def keep_only(self, fingerprints: Mapping[str, str]) -> None:
        """Forget rules that are gone or whose definition changed (rule name → fingerprint)."""
        self.flush()
        stale = [key for key, (fp, _) in self._fired.items() if fingerprints.get(key[0]) != fp]
        for key in stale:
            del self._fired[key]
        if self.db is not None and stale:
            with self.db.conn:  # one transaction, one sync, however many rows
                self.db.conn.execute("BEGIN")
                self.db.conn.executemany(
                    "DELETE FROM rule_cooldowns WHERE rule = ? AND subject = ?", stale
                )
