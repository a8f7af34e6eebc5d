"""The state store, whichever database holds it (DESIGN.md: one store interface).

``ALERTBOT_STATE`` a path: the embedded SQLite file, as always. A ``postgresql://`` URI: the
shared PostgreSQL store of an HA group, every write fenced by the current term's epoch
(``alertbot.ha.store``). Either way the parts are the same three: delivery's store (outbox,
sending marks, dead letters, dedupe keys), the cooldown table, the mute table, the stock master.
"""

from __future__ import annotations

from pathlib import Path

from alertbot.delivery.store import DeliveryStore
from alertbot.ha.store import PgState
from alertbot.ops.mutes import MuteTable
from alertbot.settings import Settings
from alertbot.state import StateDB
from alertbot.stocks.store import StockStore


class SqliteState:
    """The embedded default: one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.db = StateDB(path)
        self.conn = self.db.conn
        self.delivery = DeliveryStore(self.db)
        self.cooldowns = self.delivery.cooldowns
        self.mutes = MuteTable(self.db)
        self.stocks = StockStore(self.db)
        self.feeds_db: StateDB | None = self.db
        """Where feeds keep what must survive a restart (the filings DART has shown)."""

    def close(self) -> None:
        self.db.close()


def open_state(settings: Settings, epoch: int | None = None) -> SqliteState | PgState:
    """The configured store; a PostgreSQL one writes under ``epoch`` (the term's)."""
    if settings.database is None:
        return SqliteState(settings.state)
    if epoch is None:
        raise ValueError("a PostgreSQL store writes under a leader's epoch: run it in a group")
    return PgState(settings.database.get_secret_value(), epoch)
