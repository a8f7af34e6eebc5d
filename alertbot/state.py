"""The state database (``ALERTBOT_STATE``): one SQLite file for everything that must survive a
restart — the outbox, sent-alert keys, cooldowns, mutes.

Each component owns its own tables and creates them with ``ensure``; this module only opens
the file the way every one of them needs: WAL (readers never block the writer), a busy
timeout, and ``synchronous=FULL`` so a committed alert survives a power cut, not just a crash.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


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
