"""The state database survives closing and reopening."""

from __future__ import annotations

from pathlib import Path

from alertbot.state import StateDB


def test_tables_and_rows_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "state.db"
    db = StateDB(path)
    db.ensure("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT);")
    db.conn.execute("INSERT INTO t VALUES ('a', 'b')")
    db.close()
    again = StateDB(path)
    again.ensure("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, v TEXT);")
    assert again.conn.execute("SELECT v FROM t WHERE k='a'").fetchone() == ("b",)
    assert again.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    again.close()
