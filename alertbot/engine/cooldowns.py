"""``cooldown``: after a rule fires for a stock, it stays quiet for that stock this long.

Kept in the state database so a restart at 10:00 does not re-send what 09:59 sent. Each row
remembers the fingerprint of the rule's definition: editing a rule starts it afresh, while an
unchanged rule keeps its quiet time across reloads and restarts. Reads come from memory (the
hot path never queries SQLite); each firing writes one row.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    """Last firing per ``(rule, subject)``; ``db=None`` keeps it in memory only."""

    def __init__(self, db: StateDB | None = None) -> None:
        self.db = db
        self._fired: dict[tuple[str, str], tuple[str, float]] = {}
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
        at = now.timestamp()
        self._fired[(rule, subject)] = (fingerprint, at)
        if self.db is not None:
            self.db.conn.execute(
                "INSERT OR REPLACE INTO rule_cooldowns VALUES (?, ?, ?, ?)",
                (rule, subject, fingerprint, at),
            )

    def keep_only(self, fingerprints: Mapping[str, str]) -> None:
        """Forget rules that are gone or whose definition changed (rule name → fingerprint)."""
        stale = [key for key, (fp, _) in self._fired.items() if fingerprints.get(key[0]) != fp]
        for key in stale:
            del self._fired[key]
        if self.db is not None and stale:
            with self.db.conn:  # one transaction, one sync, however many rows
                self.db.conn.execute("BEGIN")
                self.db.conn.executemany(
                    "DELETE FROM rule_cooldowns WHERE rule = ? AND subject = ?", stale
                )
