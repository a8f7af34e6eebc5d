"""The stock master in the state database: a restart with the broker down still has names."""

from __future__ import annotations

from collections.abc import Iterable

from alertbot.state import StateDB, transaction
from alertbot.stocks.book import Stock

SCHEMA = """
CREATE TABLE IF NOT EXISTS stock_master (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    market TEXT NOT NULL,
    prev_close INTEGER NOT NULL,
    upper_limit INTEGER NOT NULL,
    lower_limit INTEGER NOT NULL,
    loaded_at REAL NOT NULL
);
"""
COLUMNS = "code, name, market, prev_close, upper_limit, lower_limit"


class StockStore:
    """Rows of ``stock_master``; a new load replaces the stocks it lists, keeps the others."""

    def __init__(self, db: StateDB) -> None:
        self.conn = db.conn
        db.ensure(SCHEMA)

    def save(self, stocks: Iterable[Stock], loaded_at: float) -> None:
        rows = [
            (s.code, s.name, s.market, s.prev_close, s.upper_limit, s.lower_limit, loaded_at)
            for s in stocks
        ]
        with transaction(self.conn):
            self.conn.executemany(
                f"INSERT OR REPLACE INTO stock_master ({COLUMNS}, loaded_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def load(self) -> list[Stock]:
        rows = self.conn.execute(f"SELECT {COLUMNS} FROM stock_master").fetchall()
        return [Stock(*row) for row in rows]

    def loaded_at(self) -> float | None:
        """When the newest rows were loaded (epoch seconds), None when the table is empty."""
        (value,) = self.conn.execute("SELECT MAX(loaded_at) FROM stock_master").fetchone()
        return value
