"""The durable outbox: every message owed to a channel, in SQLite, until the service took it.

An alert is written here (one row per channel) before the first send is tried and deleted
only after the service accepted the message that carried it, so a crash or ``kill -9`` at
any point leaves it here for the next start. Admin notices use the same table.

``uncertain`` marks rows whose last send timed out after the request went out: the service
may have shown them. They are sent again (losing an alert is worse than showing it twice)
but marked "🔁 재전송" so the trader can tell a repeat from a new alert.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import orjson

from alertbot.state import StateDB

SCHEMA = """
CREATE TABLE IF NOT EXISTS delivery_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    body BLOB NOT NULL,
    created REAL NOT NULL,
    uncertain INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS delivery_outbox_channel ON delivery_outbox(channel, id);
"""

NOTICE = "notice"
"""The ``kind`` of the bot's own messages to the admin channels."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One message owed to one channel: an alert, or an admin notice."""

    channel: str
    kind: str
    text: str
    created: float
    """Epoch seconds when the alert was made: how late a send is counts from here."""
    summary: str = ""
    symbol: str = ""
    rule: str = ""
    id: int = 0
    uncertain: bool = False

    @property
    def notice(self) -> bool:
        return self.kind == NOTICE


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


class Outbox:
    def __init__(self, db: StateDB) -> None:
        self.conn = db.conn
        db.ensure(SCHEMA)

    def add(self, entry: Entry) -> None:
        """Store an entry; call inside ``transaction`` to batch many into one commit."""
        fields = ("kind", "text", "summary", "symbol", "rule")
        body = orjson.dumps({name: getattr(entry, name) for name in fields})
        self.conn.execute(
            "INSERT INTO delivery_outbox (channel, body, created) VALUES (?, ?, ?)",
            (entry.channel, body, entry.created),
        )

    def pending(self, channel: str) -> list[Entry]:
        """Everything owed to ``channel``, oldest first."""
        rows = self.conn.execute(
            "SELECT id, body, created, uncertain FROM delivery_outbox WHERE channel = ? "
            "ORDER BY id",
            (channel,),
        ).fetchall()
        return [_entry(channel, *row) for row in rows]

    def counts(self) -> dict[str, int]:
        rows = self.conn.execute("SELECT channel, COUNT(*) FROM delivery_outbox GROUP BY channel")
        return dict(rows.fetchall())

    def remove(self, ids: Iterable[int]) -> None:
        """The service accepted the message carrying these entries."""
        with transaction(self.conn):
            self.conn.executemany("DELETE FROM delivery_outbox WHERE id = ?", [(i,) for i in ids])

    def mark_uncertain(self, ids: Iterable[int]) -> None:
        with transaction(self.conn):
            self.conn.executemany(
                "UPDATE delivery_outbox SET uncertain = 1 WHERE id = ?", [(i,) for i in ids]
            )


def _entry(channel: str, id_: int, body: bytes, created: float, uncertain: int) -> Entry:
    data = orjson.loads(body)
    return Entry(
        channel=channel,
        kind=str(data.get("kind", "")),
        text=str(data.get("text", "")),
        created=created,
        summary=str(data.get("summary", "")),
        symbol=str(data.get("symbol", "")),
        rule=str(data.get("rule", "")),
        id=id_,
        uncertain=bool(uncertain),
    )
