"""The state store on PostgreSQL: what ``DeliveryStore``, ``CooldownTable`` and ``MuteTable``
do on the SQLite file, shared by every instance of an HA group and fenced by the epoch.

Every write that decides what gets sent — the turn's alerts (cooldowns, dedupe keys, outbox
rows), the "sending" claim before a request, dead letters, mutes — succeeds only while this
store's epoch leads (``alertbot_fence``); a paused or partitioned old leader's writes raise
``Fenced``. Removing rows the service already accepted is not fenced: it records a fact.

The claim before a send (``alertbot_claim``) takes the rows ``FOR UPDATE SKIP LOCKED`` under
the fence: rows another transaction holds are not taken, and a batch that cannot be claimed
whole is not claimed at all (``HeldElsewhere``: the worker waits and plans again).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from alertbot.delivery.store import DEFAULT_KEY_TTL, NOTICE, Committed, Entry, Submission
from alertbot.ha.bridge import Bridge
from alertbot.ops.mutes import Mute
from alertbot.state import CooldownRow, StateDB
from alertbot.stocks.book import Stock

if TYPE_CHECKING:
    import asyncpg

COLUMNS = "id, channel, kind, text, summary, symbol, rule, created, sending"

BURY = """
WITH moved AS (DELETE FROM outbox WHERE {rows} RETURNING *)
INSERT INTO dead_letters (id, channel, kind, text, summary, symbol, rule, created, reason,
                          set_aside)
SELECT id, channel, kind, text, summary, symbol, rule, created, $2, $3 FROM moved
ON CONFLICT (id) DO UPDATE SET reason = excluded.reason, set_aside = excluded.set_aside
RETURNING id, channel, kind, text, summary, symbol, rule, created, false
"""
BURY_ROWS = BURY.format(rows="id = ANY($1::bigint[])")
BURY_CHANNEL = BURY.format(rows="channel = $1")


class PgState:
    """Everything a term of leadership keeps in PostgreSQL, fenced by ``epoch``."""

    def __init__(self, url: str, epoch: int, key_ttl: float = DEFAULT_KEY_TTL) -> None:
        self.bridge = Bridge(url)
        self.epoch = epoch
        self.delivery = PgDeliveryStore(self.bridge, epoch, key_ttl)
        self.cooldowns = PgCooldownTable(self.bridge, epoch)
        self.mutes = PgMuteTable(self.bridge, epoch)
        self.stocks = PgStockStore(self.bridge, epoch)
        self.feeds_db: StateDB | None = None
        """None: each term's DART starts with a fresh first pass (dedupe keys stop a resend)."""

    def close(self) -> None:
        self.bridge.close()


class PgDeliveryStore:
    """``alertbot.delivery.store.DeliveryStore`` on PostgreSQL (same methods, same meaning)."""

    def __init__(self, bridge: Bridge, epoch: int, key_ttl: float = DEFAULT_KEY_TTL) -> None:
        self.bridge = bridge
        self.epoch = epoch
        self.key_ttl = key_ttl

    # ------------------------------------------------------------------ accepting

    def commit(self, submissions: Sequence[Submission], now: float) -> list[Committed]:
        """Store each submission atomically, all in one fenced round trip."""
        results: list[Committed | None] = []
        encoded = []
        for submission in submissions:
            try:
                encoded.append(_encode(submission))
            except (TypeError, ValueError) as exc:  # text no database could hold
                results.append(Committed(error=exc))
            else:
                results.append(None)
        if encoded:
            payload = b"[" + b",".join(encoded) + b"]"
            stored = iter(
                orjson.loads(
                    self.bridge.call(
                        lambda c: c.fetchval(
                            "SELECT alertbot_commit($1, $2, $3::jsonb)::text",
                            self.epoch,
                            now,
                            payload.decode(),
                        )
                    )
                )
            )
            results = [r if r is not None else _committed(next(stored)) for r in results]
        return results  # type: ignore[return-value]

    def expire_keys(self, now: float) -> int:
        """Forget dedupe keys older than ``key_ttl``; returns how many."""
        status = self.bridge.call(
            lambda c: c.execute("DELETE FROM delivery_keys WHERE at < $1", now - self.key_ttl)
        )
        return _count(status)

    # ------------------------------------------------------------------ sending

    def oldest(self, channel: str, limit: int, after: int = 0) -> list[Entry]:
        rows = self.bridge.call(
            lambda c: c.fetch(
                f"SELECT {COLUMNS} FROM outbox WHERE channel = $1 AND id > $2 ORDER BY id LIMIT $3",
                channel,
                after,
                limit,
            )
        )
        return [_entry(row) for row in rows]

    def alert_kinds(self, channel: str) -> dict[str, int]:
        rows = self.bridge.call(
            lambda c: c.fetch(
                "SELECT kind, count(*) FROM outbox WHERE channel = $1 AND kind <> $2 GROUP BY kind",
                channel,
                NOTICE,
            )
        )
        return {kind: count for kind, count in rows}

    def mark_sending(self, ids: Sequence[int], sending: bool = True) -> None:
        """Claim the rows for one send (or give them back), fenced; all of them or none."""
        self.bridge.call(
            lambda c: c.execute("SELECT alertbot_claim($1, $2, $3)", self.epoch, list(ids), sending)
        )

    def sent(self, ids: Sequence[int]) -> None:
        """The service accepted these rows' message: they leave the outbox (not fenced)."""
        self.bridge.call(lambda c: c.execute("DELETE FROM outbox WHERE id = ANY($1)", list(ids)))

    def set_aside(self, ids: Sequence[int], reason: str, now: float) -> list[Entry]:
        rows = self.bridge.call(lambda c: _fenced(c, self.epoch, BURY_ROWS, list(ids), reason, now))
        return sorted((_entry(row) for row in rows), key=lambda e: e.id)

    def set_aside_channel(self, channel: str, reason: str, now: float) -> int:
        rows = self.bridge.call(
            lambda c: _fenced(c, self.epoch, BURY_CHANNEL, channel, reason, now)
        )
        return len(rows)

    # ------------------------------------------------------------------ counting

    def counts(self) -> dict[str, int]:
        rows = self.bridge.call(
            lambda c: c.fetch("SELECT channel, count(*) FROM outbox GROUP BY channel")
        )
        return {channel: count for channel, count in rows}

    def dead_letters(self) -> int:
        return int(self.bridge.call(lambda c: c.fetchval("SELECT count(*) FROM dead_letters")))


class PgCooldownTable:
    """``alertbot.state.CooldownTable`` on PostgreSQL. Saving happens in ``commit``."""

    def __init__(self, bridge: Bridge, epoch: int) -> None:
        self.bridge = bridge
        self.epoch = epoch

    def load(self) -> list[CooldownRow]:
        rows = self.bridge.call(
            lambda c: c.fetch("SELECT rule, subject, fingerprint, fired_at FROM rule_cooldowns")
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]

    def save(self, rows: Sequence[CooldownRow]) -> None:
        query = (
            "INSERT INTO rule_cooldowns SELECT * FROM unnest($1::text[], $2::text[], $3::text[],"
            " $4::float8[]) ON CONFLICT (rule, subject) DO UPDATE"
            " SET fingerprint = excluded.fingerprint, fired_at = excluded.fired_at"
        )
        columns = [list(column) for column in zip(*rows, strict=True)] or [[], [], [], []]
        self.bridge.call(lambda c: _fenced(c, self.epoch, query, *columns))

    def forget(self, keys: Sequence[tuple[str, str]]) -> None:
        rules, subjects = ([list(c) for c in zip(*keys, strict=True)]) or ([], [])
        query = (
            "DELETE FROM rule_cooldowns WHERE (rule, subject) IN"
            " (SELECT * FROM unnest($1::text[], $2::text[]))"
        )
        self.bridge.call(lambda c: _fenced(c, self.epoch, query, rules, subjects))


class PgMuteTable:
    """``alertbot.ops.mutes.MuteTable`` on PostgreSQL."""

    def __init__(self, bridge: Bridge, epoch: int) -> None:
        self.bridge = bridge
        self.epoch = epoch

    def load(self, now: float) -> list[Mute]:
        rows = self.bridge.call(
            lambda c: c.fetch(
                "SELECT rule, symbol, until FROM mutes WHERE until IS NULL OR until > $1", now
            )
        )
        return [Mute(*row) for row in rows]

    def put(self, mute: Mute) -> None:
        query = (
            "INSERT INTO mutes (rule, symbol, until) VALUES ($1, $2, $3)"
            " ON CONFLICT (rule, symbol) DO UPDATE SET until = excluded.until"
        )
        self.bridge.call(
            lambda c: _fenced(c, self.epoch, query, mute.rule, mute.symbol, mute.until)
        )

    def delete(self, rule: str) -> None:
        query = "DELETE FROM mutes WHERE rule = $1"
        self.bridge.call(lambda c: _fenced(c, self.epoch, query, rule))


class PgStockStore:
    """``alertbot.stocks.store.StockStore`` on PostgreSQL: the stock master every term shares."""

    COLUMNS = "code, name, market, prev_close, upper_limit, lower_limit"

    def __init__(self, bridge: Bridge, epoch: int) -> None:
        self.bridge = bridge
        self.epoch = epoch

    def save(self, stocks: Iterable[Stock], loaded_at: float) -> None:
        """A new load replaces the stocks it lists and keeps the others (fenced)."""
        rows = [
            (s.code, s.name, s.market, s.prev_close, s.upper_limit, s.lower_limit) for s in stocks
        ]
        columns = [list(c) for c in zip(*rows, strict=True)] or [[]] * 6
        query = (
            f"INSERT INTO stock_master ({self.COLUMNS}, loaded_at) SELECT *, $7::float8 FROM"
            " unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],"
            " $6::bigint[]) ON CONFLICT (code) DO UPDATE SET name = excluded.name,"
            " market = excluded.market, prev_close = excluded.prev_close,"
            " upper_limit = excluded.upper_limit, lower_limit = excluded.lower_limit,"
            " loaded_at = excluded.loaded_at"
        )
        self.bridge.call(lambda c: _fenced(c, self.epoch, query, *columns, loaded_at))

    def load(self) -> list[Stock]:
        rows = self.bridge.call(lambda c: c.fetch(f"SELECT {self.COLUMNS} FROM stock_master"))
        return [Stock(*row) for row in rows]

    def loaded_at(self) -> float | None:
        return self.bridge.call(lambda c: c.fetchval("SELECT max(loaded_at) FROM stock_master"))


async def _fenced(conn: asyncpg.Connection, epoch: int, query: str, *args: Any) -> list[Any]:
    """``query`` in a transaction that first checks ``epoch`` still leads (and holds off a
    takeover until it commits)."""
    async with conn.transaction():
        # Frozen mid-transaction, this process would hold the lease row and block a takeover:
        # the server ends such a transaction after a second.
        await conn.execute(
            f"SET LOCAL idle_in_transaction_session_timeout = '1s';"
            f" SELECT alertbot_fence({int(epoch)})"
        )
        return await conn.fetch(query, *args)


def _encode(submission: Submission) -> bytes:
    """One submission as the JSON ``alertbot_commit`` reads; PostgreSQL text cannot hold NUL."""
    entries = []
    for entry, key in submission.entries:
        fields = {
            "channel": entry.channel,
            "kind": entry.kind,
            "text": entry.text.replace("\x00", "\ufffd"),
            "summary": entry.summary.replace("\x00", "\ufffd"),
            "symbol": entry.symbol,
            "rule": entry.rule,
            "created": entry.created,
        }
        entries.append({**fields, "key": key})
    mark = submission.cooldown
    cooldown = None if mark is None else [mark.rule, mark.subject, mark.fingerprint, mark.fired_at]
    return orjson.dumps({"entries": entries, "cooldown": cooldown})


def _committed(result: dict[str, Any]) -> Committed:
    if "error" in result:
        return Committed(error=ValueError(result["error"]))
    return Committed(channels=list(result["channels"]), repeats=int(result["repeats"]))


def _entry(row: Any) -> Entry:
    return Entry(
        channel=row[1],
        kind=row[2],
        text=row[3],
        created=float(row[7]),
        summary=row[4],
        symbol=row[5],
        rule=row[6],
        id=int(row[0]),
        uncertain=bool(row[8]),
    )


def _count(status: str) -> int:
    """The row count in a command tag such as ``DELETE 3``."""
    return int(status.rpartition(" ")[2] or 0)
