"""A small crafted recording: one of each outcome a replay counts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from alertbot.events import KST
from alertbot.recording import RecordWriter
from alertbot.sim import kiwoom as kw
from alertbot.sim import ls


def at(hhmmss: str, micros: int = 0) -> datetime:
    return datetime(2026, 11, 20, int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:]), micros, KST)


def kiwoom(*entries: dict[str, Any]) -> str:
    return orjson.dumps(kw.real_frame(list(entries))).decode()


def lsf(frame: ls.Frame) -> str:
    return orjson.dumps(frame.message()).decode()


HEADLINE = ls.news("2차전지 대규모 수주", realkey="20261120093000000001", hhmmss="093000")
FRAMES = [
    (at("090000", 40_000), "ls", lsf(ls.jif("1", "21"))),  # session: no rule wants it
    (at("090512", 120_000), "kiwoom", kiwoom(kw.vi_entry("005930", "삼성전자", hhmmss="090512",
                                                          price=78_400))),
    # LS reports the same VI: the rule's cooldown holds it back
    (at("090512", 180_000), "ls", lsf(ls.vi("005930", trigger=78_400, static_ref=71_300,
                                            hhmmss="090512"))),
    (at("091501", 500_000), "kiwoom", kiwoom(kw.trade_entry("005930", 79_900, hhmmss="091501"))),
    (at("091502", 500_000), "kiwoom", kiwoom(kw.trade_entry("005930", 80_100, hhmmss="091502"))),
    (at("093000", 300_000), "ls", lsf(HEADLINE)),
    (at("103100", 40_000), "ls", lsf(ls.jif("1", "64"))),  # sidecar, outside the rule's hours
    # the headline again after a reconnect, past the cooldown: delivery's dedupe drops it
    (at("104000", 300_000), "ls", lsf(HEADLINE)),
    (at("104100"), "kiwoom", "{not json"),
    (at("131200", 40_000), "ls", lsf(ls.jif("1", "66"))),  # sidecar, in hours
]  # fmt: skip


def write_recording(path: Path) -> Path:
    """``FRAMES`` as ``alertbot record`` would have written them."""
    with RecordWriter(path) as writer:
        for t, src, frame in FRAMES:
            writer.write(src, frame, t)
    return path
