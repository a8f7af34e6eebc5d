"""DART's busy days: the days KRX trades, when filings come thick and polling pays most."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date

from alertbot.engine.calendar import krx_calendar
from alertbot.feeds.dart.session import weekday

log = logging.getLogger("alertbot.feeds.dart")


def trading_days() -> Callable[[date], bool]:
    """KRX trading days from the exchange calendar, loaded now (not at a poll); weekdays if
    the calendar cannot be had — pacing on weekdays is a fine fallback."""
    try:
        calendar = krx_calendar()
    except Exception as exc:
        log.warning("exchange calendar unavailable (%s): DART paces on weekdays", exc)
        return weekday
    return lambda day: calendar.trades(day.toordinal())
