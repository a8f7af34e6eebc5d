"""The state database (``ALERTBOT_STATE``): one SQLite file for everything that must survive a
restart — the outbox, sent-alert keys, cooldowns, mutes, dead letters.

Each component owns its own tables and creates them with ``ensure``; this module opens the
file the way every one of them needs (WAL: readers never block the writer; a busy timeout;
``synchronous=FULL`` so a committed alert survives a power cut, not just a crash) and holds the
two pieces several of them share: ``transaction`` and the cooldown table, which the engine
reads and delivery writes in the same transaction as the alert's outbox rows.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path


class StoreUnavailable(Exception):
    """The state store cannot take or give data right now: PostgreSQL unreachable, or this
    instance no longer leads its group (``alertbot.ha``). Callers keep what they hold and
    try again, exactly as for a locked or full SQLite file."""


STORE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, StoreUnavailable)
"""What a store call may raise when the store, not the caller, is the problem."""


class StateDB:
    """A single connection used from the event loop's thread."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("PRAGMA busy_timeout=5000")

    def ensure(self, schema: str) -> None:
        """Create tables and indexes if they are missing (``CREATE … IF NOT EXISTS`` script)."""
        self.conn.executescript(schema)

    def close(self) -> None:
        self.conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """One atomic, durable commit (the connection is in autocommit mode otherwise)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


CooldownRow = tuple[str, str, str, float]
"""``(rule, subject, fingerprint, fired_at)``: fired_at in epoch seconds."""


class CooldownTable:
    """``rule_cooldowns``: the last firing per rule and subject, read by the engine at start and
    written by delivery with the alert that fired (see ``alertbot/engine/cooldowns.py``)."""

    SCHEMA = """
    CREATE TABLE IF NOT EXISTS rule_cooldowns (
        rule TEXT NOT NULL,
        subject TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        fired_at REAL NOT NULL,
        PRIMARY KEY (rule, subject)
    );
    """

    def __init__(self, db: StateDB) -> None:
        self.conn = db.conn
        db.ensure(self.SCHEMA)

    def load(self) -> list[CooldownRow]:
        return list(
            self.conn.execute("SELECT rule, subject, fingerprint, fired_at FROM rule_cooldowns")
        )

    def save(self, rows: Iterable[CooldownRow]) -> None:
        """Write rows; inside a caller's transaction, or on their own in autocommit."""
        self.conn.executemany("INSERT OR REPLACE INTO rule_cooldowns VALUES (?, ?, ?, ?)", rows)

    def forget(self, keys: Iterable[tuple[str, str]]) -> None:
        with transaction(self.conn):
            self.conn.executemany(
                "DELETE FROM rule_cooldowns WHERE rule = ? AND subject = ?", list(keys)
            )
