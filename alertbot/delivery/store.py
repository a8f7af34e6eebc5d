"""Delivery's durable state behind one narrow class: the outbox, the "sending" marks, dead
letters and dedupe keys. No SQL leaves this module; the pipeline and workers call methods.

- **Outbox**: one row per message owed to a channel (an alert, or an admin notice), written
  before the first send is tried and deleted only after the service accepted it.
- **Sending**: a row is marked durably just before its request goes out and unmarked when
  the failure proves nothing was shown. A row found marked (after a crash, a lost answer or
  a failed delete) is sent again with "🔁 재전송", never as if new.
- **Dead letters**: a message the service refused for itself (or owed to a channel that no
  longer exists) is moved here: it never blocks the channel again, restart or not.
- **Dedupe keys**: ``rule|event key|channel`` of every alert accepted, claimed in the same
  transaction as its outbox row, so "queued or sent" and "key known" are one fact.

``commit`` stores each fired alert — its cooldown, dedupe keys and outbox rows — atomically
(a savepoint each) inside one transaction per event-loop turn: one fsync for a burst, and an
alert that cannot be stored costs no other alert its place. Every read is by index and
bounded (``oldest``), so a 20,000-row backlog costs a send no more than an empty one.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import orjson

from alertbot.alerts import CooldownMark
from alertbot.state import CooldownTable, StateDB, transaction

log = logging.getLogger("alertbot.delivery")

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    symbol TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    sending INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outbox_channel ON outbox(channel, id);
CREATE INDEX IF NOT EXISTS outbox_channel_kind ON outbox(channel, kind);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    symbol TEXT NOT NULL DEFAULT '',
    rule TEXT NOT NULL DEFAULT '',
    created REAL NOT NULL,
    reason TEXT NOT NULL,
    set_aside REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS delivery_keys (key TEXT PRIMARY KEY, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS delivery_keys_at ON delivery_keys(at);
"""

NOTICE = "notice"
"""The ``kind`` of the bot's own messages to the admin channels."""

DEFAULT_KEY_TTL = 3 * 24 * 3600.0
"""Dedupe keys are kept this long; event keys carry the trading day, so none comes back."""

_COLUMNS = "id, channel, kind, text, summary, symbol, rule, created, sending"


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
    """A send of it may have been shown already: a resend is marked "🔁 재전송"."""

    @property
    def notice(self) -> bool:
        return self.kind == NOTICE


@dataclass(frozen=True, slots=True)
class Submission:
    """What one fired alert (or one notice) stores: all of it, or none of it."""

    entries: Sequence[tuple[Entry, str | None]]
    """Outbox rows, each with its dedupe key (None: always stored, as notices are)."""
    cooldown: CooldownMark | None = None


@dataclass(slots=True)
class Committed:
    """What ``commit`` did with one submission."""

    channels: list[str] = field(default_factory=list)
    """Channels that got a row."""
    repeats: int = 0
    """Rows not stored because their dedupe key was known."""
    error: Exception | None = None
    """Why nothing of this submission was stored."""


class DeliveryStore:
    """SQLite implementation; every method is one short statement or one transaction."""

    def __init__(self, db: StateDB, key_ttl: float = DEFAULT_KEY_TTL) -> None:
        self.conn = db.conn
        self.key_ttl = key_ttl
        db.ensure(SCHEMA)
        self.cooldowns = CooldownTable(db)
        self._migrate_v1()

    # ------------------------------------------------------------------ accepting

    def commit(self, submissions: Sequence[Submission], now: float) -> list[Committed]:
        """Store each submission atomically, all in one durable transaction."""
        results = []
        with transaction(self.conn):
            for submission in submissions:
                self.conn.execute("SAVEPOINT submission")
                try:
                    result = self._store(submission, now)
                except (ValueError, TypeError, sqlite3.DataError) as exc:
                    self.conn.execute("ROLLBACK TO submission")
                    result = Committed(error=exc)
                self.conn.execute("RELEASE submission")
                results.append(result)
        return results

    def _store(self, submission: Submission, now: float) -> Committed:
        result = Committed()
        if submission.cooldown is not None:
            mark = submission.cooldown
            self.cooldowns.save([(mark.rule, mark.subject, mark.fingerprint, mark.fired_at)])
        for entry, key in submission.entries:
            if key is not None and not self._claim(key, now):
                result.repeats += 1
                continue
            self.conn.execute(
                "INSERT INTO outbox (channel, kind, text, summary, symbol, rule, created)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (entry.channel, entry.kind, entry.text, entry.summary, entry.symbol, entry.rule,
                 entry.created),
            )  # fmt: skip
            result.channels.append(entry.channel)
        return result

    def _claim(self, key: str, now: float) -> bool:
        cursor = self.conn.execute(
            "INSERT OR IGNORE INTO delivery_keys (key, at) VALUES (?, ?)", (key, now)
        )
        return cursor.rowcount == 1

    def expire_keys(self, now: float) -> int:
        """Forget dedupe keys older than ``key_ttl``; returns how many."""
        cursor = self.conn.execute("DELETE FROM delivery_keys WHERE at < ?", (now - self.key_ttl,))
        return cursor.rowcount

    # ------------------------------------------------------------------ sending

    def oldest(self, channel: str, limit: int, after: int = 0) -> list[Entry]:
        """Up to ``limit`` rows owed to ``channel`` with an id above ``after``, oldest first."""
        rows = self.conn.execute(
            f"SELECT {_COLUMNS} FROM outbox WHERE channel = ? AND id > ? ORDER BY id LIMIT ?",
            (channel, after, limit),
        )
        return [_entry(row) for row in rows]

    def alert_kinds(self, channel: str) -> dict[str, int]:
        """Alerts owed to ``channel`` per kind (an index-only count, for digest headers)."""
        rows = self.conn.execute(
            "SELECT kind, COUNT(*) FROM outbox WHERE channel = ? AND kind != ? GROUP BY kind",
            (channel, NOTICE),
        )
        return dict(rows.fetchall())

    def mark_sending(self, ids: Sequence[int], sending: bool = True) -> None:
        """Durably, before a request goes out (``True``) or once it surely did not show."""
        with transaction(self.conn):
            self.conn.executemany(
                "UPDATE outbox SET sending = ? WHERE id = ?", [(int(sending), i) for i in ids]
            )

    def sent(self, ids: Sequence[int]) -> None:
        """The service accepted the message carrying these rows."""
        with transaction(self.conn):
            self.conn.executemany("DELETE FROM outbox WHERE id = ?", [(i,) for i in ids])

    def set_aside(self, ids: Sequence[int], reason: str, now: float) -> list[Entry]:
        """Move rows to the dead letters (the service refused them); returns them."""
        entries = []
        with transaction(self.conn):
            for id_ in ids:
                row = self.conn.execute(f"SELECT {_COLUMNS} FROM outbox WHERE id = ?", (id_,))
                found = row.fetchone()
                if found is None:
                    continue
                entries.append(_entry(found))
                self._bury(id_, reason, now)
        return entries

    def set_aside_channel(self, channel: str, reason: str, now: float) -> int:
        """Move every row of a channel that no longer exists; returns how many."""
        with transaction(self.conn):
            ids = [
                i
                for (i,) in self.conn.execute("SELECT id FROM outbox WHERE channel = ?", (channel,))
            ]
            for id_ in ids:
                self._bury(id_, reason, now)
        return len(ids)

    def _bury(self, id_: int, reason: str, now: float) -> None:
        self.conn.execute(
            "INSERT OR REPLACE INTO dead_letters"
            " SELECT id, channel, kind, text, summary, symbol, rule, created, ?, ?"
            " FROM outbox WHERE id = ?",
            (reason, now, id_),
        )
        self.conn.execute("DELETE FROM outbox WHERE id = ?", (id_,))

    # ------------------------------------------------------------------ counting

    def counts(self) -> dict[str, int]:
        """Rows owed per channel."""
        rows = self.conn.execute("SELECT channel, COUNT(*) FROM outbox GROUP BY channel")
        return dict(rows.fetchall())

    def dead_letters(self) -> int:
        (count,) = self.conn.execute("SELECT COUNT(*) FROM dead_letters").fetchone()
        return int(count)

    # ------------------------------------------------------------------ upgrading

    def _migrate_v1(self) -> None:
        """Rows of the first outbox (one JSON body per row) move to this one, once."""
        found = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'delivery_outbox'"
        ).fetchone()
        if found is None:
            return
        with transaction(self.conn):
            old = self.conn.execute(
                "SELECT channel, body, created, uncertain FROM delivery_outbox ORDER BY id"
            ).fetchall()
            for channel, body, created, uncertain in old:
                data = orjson.loads(body)
                self.conn.execute(
                    "INSERT INTO outbox (channel, kind, text, summary, symbol, rule, created,"
                    " sending) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (channel, *(str(data.get(k, "")) for k in ("kind", "text", "summary",
                     "symbol", "rule")), created, uncertain),
                )  # fmt: skip
            self.conn.execute("DROP TABLE delivery_outbox")
        log.info("outbox: %d rows moved from the previous format", len(old))


def _entry(row: Iterable[object]) -> Entry:
    id_, channel, kind, text, summary, symbol, rule, created, sending = row
    return Entry(
        channel=str(channel),
        kind=str(kind),
        text=str(text),
        created=float(created),  # type: ignore[arg-type]
        summary=str(summary),
        symbol=str(symbol),
        rule=str(rule),
        id=int(id_),  # type: ignore[call-overload]
        uncertain=bool(sending),
    )
