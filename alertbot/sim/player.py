"""A recorded day as the simulators' script: ``alertbot demo`` and tests run on captured days.

``Player`` reads the frames of a recording (``alertbot.recording``) and hands each data frame
to the simulator of its source, which sends it only to the sessions that registered it — the
client under test subscribes as it would live, and gets what the broker would have sent it.
The recorded handshake (LOGIN, REG and subscription answers, PINGs) is not replayed: the
simulators answer the live client's own requests. Condition searches are the exception that
has to be set up first: ``prime`` gives the Kiwoom simulator the recorded condition list and
each condition's first matches, so the client's CNSRLST and CNSRREQ get the recorded answers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from alertbot.recording import RecordedFrame, Sleep, paced
from alertbot.sim.dart import DartSimulator
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.ls import Frame, LsSimulator


@dataclass(frozen=True, slots=True)
class Played:
    frame: RecordedFrame
    delivered: int
    """What went out for it over all sessions: Kiwoom REAL entries, LS data frames, or DART
    filings newly listed. Each one the client understands is one event (LS drops a market
    status reported again; a DART filing counts once the client polls)."""


def _json_object(frame: str | bytes) -> dict[str, Any] | None:
    try:
        message = orjson.loads(frame)
    except orjson.JSONDecodeError:
        return None
    return message if isinstance(message, dict) else None


def _stock_code(jmcode: object) -> str:
    text = str(jmcode or "").strip()
    return text[1:] if text[:1] == "A" else text


class Player:
    """Plays frames through the simulators given (a source without one is skipped)."""

    def __init__(
        self,
        kiwoom: KiwoomSimulator | None = None,
        ls: LsSimulator | None = None,
        dart: DartSimulator | None = None,
    ) -> None:
        self.kiwoom = kiwoom
        self.ls = ls
        self.dart = dart
        self.now: datetime | None = None
        """The receive time of the frame being played: a clock for the app under test."""

    def prime(self, frames: Iterable[RecordedFrame]) -> None:
        """Give the Kiwoom simulator the recorded condition list and first matches."""
        if self.kiwoom is None:
            return
        matches: dict[str, list[str]] = {}
        for recorded in frames:
            message = _json_object(recorded.frame) if recorded.src == "kiwoom" else None
            if message is None or message.get("return_code") not in (0, "0"):
                continue
            data = message.get("data")
            if message.get("trnm") == "CNSRLST" and isinstance(data, list):
                pairs = [p for p in data if isinstance(p, list) and len(p) >= 2]
                self.kiwoom.conditions = {str(seq): str(name) for seq, name, *_ in pairs}
            elif message.get("trnm") == "CNSRREQ" and isinstance(data, list):
                seq = str(message.get("seq", "")).strip()
                codes = [_stock_code(row.get("jmcode")) for row in data if isinstance(row, dict)]
                matches.setdefault(seq, codes)
        self.kiwoom.matches.update(matches)

    async def play(
        self,
        frames: Iterable[RecordedFrame],
        *,
        speed: float | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> AsyncIterator[Played]:
        """Send each data frame, yielding what went out, at ``speed`` (``recording.paced``)."""
        async for recorded in paced(frames, speed, sleep):
            self.now = recorded.t
            yield Played(recorded, await self._send(recorded))

    async def _send(self, recorded: RecordedFrame) -> int:
        message = _json_object(recorded.frame)
        if message is None:
            return 0
        if recorded.src == "kiwoom" and self.kiwoom is not None:
            entries = message.get("data")
            if message.get("trnm") != "REAL" or not isinstance(entries, list):
                return 0
            return await self.kiwoom.push_entries([e for e in entries if isinstance(e, dict)])
        if recorded.src == "ls" and self.ls is not None:
            header, body = message.get("header"), message.get("body")
            if not isinstance(header, dict) or "rsp_cd" in header or not isinstance(body, dict):
                return 0
            tr_cd, tr_key = str(header.get("tr_cd", "")), str(header.get("tr_key", ""))
            return await self.ls.push(Frame(tr_cd, tr_key, body))
        if recorded.src == "dart" and self.dart is not None:
            return publish(self.dart, message)
        return 0


def publish(dart: DartSimulator, answer: dict[str, Any]) -> int:
    """A recorded poll's filings that OpenDART did not list before are published now; each is
    one event at the client's next poll (unless that is its first of the day)."""
    rows = answer.get("list") if answer.get("status") == "000" else None
    known = {row["rcept_no"] for row in dart.filings}
    new = [
        {str(k): str(v) for k, v in row.items()}
        for row in rows or ()
        if isinstance(row, dict) and row.get("rcept_no") not in known
    ]
    dart.file(*sorted(new, key=lambda row: row["rcept_no"]))
    return len(new)
