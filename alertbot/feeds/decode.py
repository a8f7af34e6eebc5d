"""Raw frames back into events away from a live connection: what ``alertbot replay`` reads.

A live client parses each frame with its broker's sans-I/O protocol and keeps a little state
beside it: Kiwoom learns condition names from the CNSRLST answer (so ``02`` entries and the
CNSRREQ snapshot carry them), LS drops a market status reported again. ``Decoder`` keeps the
same state across a whole recording, with the same protocol functions, so a replayed day
yields the events the live feeds emitted on it.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from alertbot.events import Event, MarketStatus
from alertbot.feeds.kiwoom import protocol as kiwoom
from alertbot.feeds.ls import protocol as ls


class Decoder:
    """``decode(src, frame, received)`` → the events that frame gave the live feed."""

    def __init__(self) -> None:
        self.unparsed: Counter[str] = Counter()
        """``"src: reason"`` → frames (or Kiwoom REAL entries) not understood."""
        self._condition_names: dict[str, str] = {}
        self._markets = ls.MarketStates()

    def decode(self, src: str, frame: str | bytes, received: datetime) -> list[Event]:
        if src == kiwoom.SOURCE:
            return self._kiwoom(frame, received)
        if src == ls.SOURCE:
            return self._ls(frame, received)
        self.unparsed[f"{src}: no parser for this source"] += 1
        return []

    def _kiwoom(self, frame: str | bytes, received: datetime) -> list[Event]:
        message = kiwoom.parse(frame, received, self._condition_names)
        if isinstance(message, kiwoom.RealData):
            if message.skipped:
                self.unparsed["kiwoom: REAL entry not understood"] += message.skipped
            return list(message.events)
        if isinstance(message, kiwoom.ConditionList) and message.ok:
            self._condition_names = dict(message.conditions)
        elif isinstance(message, kiwoom.ConditionAnswer) and message.ok and message.seq:
            name = self._condition_names.get(message.seq, "")
            return [kiwoom.snapshot(message, message.seq, name, received)]
        elif isinstance(message, kiwoom.Unparsed):
            self.unparsed[f"kiwoom: {message.reason}"] += 1
        return []

    def _ls(self, frame: str | bytes, received: datetime) -> list[Event]:
        message = ls.parse(frame, received)
        if isinstance(message, ls.Unparsed):
            self.unparsed[f"ls: {message.reason}"] += 1
            return []
        if not isinstance(message, ls.Data):
            return []
        event = message.event
        if isinstance(event, MarketStatus) and not self._markets.changed(event):
            return []
        return [event]
