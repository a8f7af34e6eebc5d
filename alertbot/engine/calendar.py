"""KRX trading days and session hours, from the maintained ``exchange_calendars`` (``XKRX``).

``exchange_calendars`` knows KRX holidays (lunar ones included), the year-end closure and the
first trading day's 10:00 open. It pulls in pandas: about 1.5 s and 80 MB to build the
calendar. The bot needs a few bytes of it — per trading day, its open and close — so that
table is computed once, in a child process (pandas never enters the bot's memory), kept in
memory and cached on disk (``$XDG_CACHE_HOME/alertbot``, refreshed after a month or a new
``exchange_calendars``). Only rules that ask for the calendar (``active: krx``) pay for it,
and they pay when the rules load, never on the hot path: a lookup is one dict access.

The calendar's list of college-entrance-exam days (수능: KRX trades an hour late, 10:00 to
16:30) ends with 2020; the later ones are added here (``EXAM_DAYS``), and are left alone
once the calendar itself knows them.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib import metadata
from pathlib import Path

from alertbot.i18n import t

log = logging.getLogger("alertbot.engine.calendar")

FIRST_DAY = date(2020, 1, 1)
"""The table starts here (the calendar runs a year past today)."""

EXAM_DAYS = (
    date(2021, 11, 18),
    date(2022, 11, 17),
    date(2023, 11, 16),
    date(2024, 11, 14),
    date(2025, 11, 13),
    date(2026, 11, 19),
)
"""수능 days after the calendar's own list: KRX opens and closes an hour late (10:00–16:30)."""

EXAM_DELAY = 60
REGULAR = (9 * 60, 15 * 60 + 30)
"""Minutes after midnight KST of the regular session, for days past the table's end."""

_SCRIPT = """
import json, sys
import exchange_calendars as xcals
import pandas as pd
cal = xcals.get_calendar("XKRX", start=sys.argv[1])
s = cal.schedule
opens = s["open"].dt.tz_convert("Asia/Seoul")
closes = s["close"].dt.tz_convert("Asia/Seoul")
print(json.dumps({
    "last": cal.last_session.date().toordinal(),
    "sessions": {
        str(d.toordinal()): [o.hour * 60 + o.minute, c.hour * 60 + c.minute]
        for d, o, c in zip(s.index, opens, closes)
    },
}))
"""
CACHE_DAYS = 30


@dataclass(frozen=True, slots=True)
class KrxCalendar:
    """Per KST day (``date.toordinal()``): the regular session's open and close in minutes."""

    sessions: dict[int, tuple[int, int]]
    last: int
    """The last day the table knows; later days are taken as Mon–Fri 09:00–15:30."""

    def session(self, day: int) -> tuple[int, int] | None:
        """The day's session, or None when KRX does not trade (weekend, holiday)."""
        if day > self.last:
            return REGULAR if date.fromordinal(day).weekday() < 5 else None
        return self.sessions.get(day)

    def trades(self, day: int) -> bool:
        return self.session(day) is not None


@cache
def krx_calendar() -> KrxCalendar:
    """The calendar, from the disk cache or computed once per process."""
    version = metadata.version("exchange_calendars")
    cache_file = _cache_dir() / f"xkrx-{version}-{FIRST_DAY.isoformat()}.json"
    data = _read_cache(cache_file)
    if data is None:
        data = _compute()
        _write_cache(cache_file, data)
    return _table(data)


def _compute() -> dict[str, object]:
    """Run the calendar in a child process: pandas stays out of the bot."""
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT, FIRST_DAY.isoformat()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        last_line = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise ValueError(t("check.calendar", error=last_line))
    log.info("KRX calendar computed in %.1fs", time.monotonic() - started)
    data: dict[str, object] = json.loads(result.stdout)
    return data


def _table(data: dict[str, object]) -> KrxCalendar:
    raw = data["sessions"]
    assert isinstance(raw, dict)
    sessions = {int(day): (hours[0], hours[1]) for day, hours in raw.items()}
    for exam in EXAM_DAYS:
        day = exam.toordinal()
        if day in sessions and sessions[day] == REGULAR:
            sessions[day] = (REGULAR[0] + EXAM_DELAY, REGULAR[1] + EXAM_DELAY)
    last = data["last"]
    assert isinstance(last, int)
    return KrxCalendar(sessions, last)


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alertbot"


def _read_cache(path: Path) -> dict[str, object] | None:
    try:
        if time.time() - path.stat().st_mtime > CACHE_DAYS * 86400:
            return None
        data: dict[str, object] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data.get("sessions"), dict) else None


def _write_cache(path: Path, data: dict[str, object]) -> None:
    """Best effort: a read-only home (a container) just computes again next start."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data), encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        log.info("KRX calendar not cached (%s): it is computed again at the next start", exc)
