"""What the rules need the feeds to subscribe to, in broker-neutral terms.

The engine computes one ``Subscriptions`` from the current rules; each feed translates it into
its own wire requests (Kiwoom REG types × items and CNSRREQ, LS tr_cd × tr_key) and sends only
the difference from what it already has. Like ``events``, this imports nothing of the project.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Subscriptions:
    """The market data the current rules can fire on."""

    vi: bool = False
    """VI for every stock (VI rules filter by symbol themselves: the feeds subscribe to all)."""
    ticks: frozenset[str] = field(default_factory=frozenset)
    """Six-digit codes whose trades price rules need."""
    nxt_ticks: frozenset[str] = field(default_factory=frozenset)
    """Codes whose NXT trades (08:00–20:00) rules want as well; a subset of ``ticks``."""
    conditions: frozenset[str] = field(default_factory=frozenset)
    """Condition searches by name or by seq (a string of digits)."""
    fills: bool = False
    market: bool = False
    news: bool = False
    limits: bool = False
    """Market-wide 상/하한가 reports (LS SHI/SHO), for limit rules with or without symbols."""
    disclosures: bool = False
    """Any disclosure rule: the DART feed polls only then (its daily quota is finite)."""

    @property
    def empty(self) -> bool:
        return self == Subscriptions()
