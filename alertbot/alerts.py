"""The ``Alert``: what the engine decided to say, handed to delivery.

It sits beside ``events`` at the bottom of the import graph so that the engine (which makes
alerts) and delivery (which sends them) share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class CooldownMark:
    """The cooldown an alert starts: delivery commits it in the transaction that stores the
    alert's outbox rows (both or neither survive a crash), or takes it back when the alert
    is muted — a muted alert starts no cooldown."""

    rule: str
    subject: str
    fingerprint: str
    fired_at: float
    """Epoch seconds on the engine's clock."""


@dataclass(frozen=True, slots=True)
class Alert:
    """One rule firing on one event, addressed to one or more channels."""

    rule: str
    event_key: str
    """The event's idempotency key: with rule and channel it identifies a send for dedupe."""
    channels: tuple[str, ...]
    text: str
    """Plain text; the first line is the headline. Notifiers escape it for their markup."""
    kind: str
    """The rule's event kind (``vi``, ``price``, …): storm digests group by it."""
    symbol: str
    summary: str
    """One short line for digests: ``삼성전자(005930) 81,000``."""
    event_time: datetime
    created_at: datetime
    cooldown: CooldownMark | None = None
    """Set when the rule has a cooldown: what delivery must persist with the alert."""

    def dedupe_key(self, channel: str) -> str:
        return f"{self.rule}|{self.event_key}|{channel}"
