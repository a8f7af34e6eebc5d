"""Dedupe: the idempotency keys of alerts already accepted into the outbox.

A key is ``rule|event key|channel`` (``Alert.dedupe_key``). It is claimed in the same
transaction that writes the alert to the outbox, so "in the outbox or already sent" and
"key remembered" are one fact: a frame repeated after a reconnect, or an alert rebuilt after
a restart, finds its key and is dropped. Keys expire after ``ttl`` (days) so the table
stays small; event keys carry the trading day, so an expired key never comes back.
"""

from __future__ import annotations

from alertbot.state import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery_keys (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS delivery_keys_at ON delivery_keys(at);
"""

DEFAULT_TTL = 3 * 24 * 3600.0


class DedupeLog:
    def __init__(self, db: StateDB, ttl: float = DEFAULT_TTL) -> None:
        self.db = db
        self.ttl = ttl
        db.ensure(SCHEMA)

    def claim(self, key: str, now: float) -> bool:
        """Remember ``key``; False if it was already known (the alert is a repeat)."""
        cursor = self.db.conn.execute(
            "INSERT OR IGNORE INTO delivery_keys (key, at) VALUES (?, ?)", (key, now)
        )
        return cursor.rowcount == 1

    def expire(self, now: float) -> int:
        """Forget keys older than ``ttl``; returns how many."""
        cursor = self.db.conn.execute("DELETE FROM delivery_keys WHERE at < ?", (now - self.ttl,))
        return cursor.rowcount
