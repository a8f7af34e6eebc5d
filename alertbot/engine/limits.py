"""상한가/하한가: where each stock stands against its daily price limit, as a state machine.

A stock (on one venue) is at its upper limit, at its lower limit, or free. Two kinds of report
move it: the stock's own trades (``Tick.sign``: 1 상한, 4 하한, any other sign free; without a
sign, the stock master's upper and lower limit for the day where it has them) and a feed's
own limit reports (``PriceLimit``: LS's market-wide SHI/SHO). Each change is told once:
"reached" as the stock enters a limit (re-armed only by leaving it), "released" as it leaves.
A report that repeats what is known — the trade at the limit after SHI announced it, SHO
after the trade that left — changes nothing, so one happening seen by two feeds alerts once.

A stock first seen already at its limit (the bot started at 10:00 with it there) is recorded,
not announced, like a price level already past: nothing was *reached* while we watched.
Except on the day's first trade (the opening auction's match at 09:00:00, or a cumulative
volume that is the trade's own): a stock opening at its limit did reach it just now.
The state is the market's, kept across rule reloads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time

from alertbot.events import PriceLimit, Tick
from alertbot.stocks.book import Stock

SIGN_LIMITS = {"1": "up", "4": "down"}
"""전일대비기호 1 상한, 4 하한 (Kiwoom 0B FID 25, seed 001; LS ``sign``, the same codes)."""


@dataclass(slots=True)
class _Standing:
    day: date
    at: str
    """``up``, ``down`` or ``""`` (free)."""
    limit_price: int = 0


class LimitStates:
    """Each (stock, venue)'s standing today; ``tick`` and ``report`` return what changed."""

    def __init__(self) -> None:
        self._standing: dict[tuple[str, str], _Standing] = {}

    def tick(self, tick: Tick, master: Callable[[str], Stock | None]) -> PriceLimit | None:
        """The limit event this trade makes, if it moves the stock onto or off a limit.

        Where the trade carries no sign, the stock master's limits for the day (``master``:
        code → its row; LS's t8436 has them) tell instead, if it has them.
        """
        sign = tick.sign
        at = SIGN_LIMITS.get(sign, "") if sign else _from_master(tick, master(tick.symbol))
        if at is None:
            return None
        key = (tick.symbol, tick.venue)
        day = tick.time.date()
        standing = self._standing.get(key)
        if standing is None or standing.day != day:
            self._standing[key] = _Standing(day, at, tick.price if at else 0)
            return self._event(tick, at, "reached", tick.price) if at and _opening(tick) else None
        if standing.at == at:
            return None
        before, limit_price = standing.at, standing.limit_price
        standing.at = at
        if at:
            standing.limit_price = tick.price
            return self._event(tick, at, "reached", tick.price)
        return self._event(tick, before, "released", limit_price)

    def report(self, event: PriceLimit) -> bool:
        """Record a feed's own limit report; True when it is news (not already known)."""
        key = (event.symbol, event.venue)
        day = event.time.date()
        at = event.direction if event.state == "reached" else ""
        standing = self._standing.get(key)
        if standing is None or standing.day != day:
            self._standing[key] = _Standing(day, at, event.limit_price)
            return True
        if event.state == "reached" and standing.at == at:
            return False
        if event.state == "released" and standing.at != event.direction:
            return False
        standing.at = at
        if event.limit_price:
            standing.limit_price = event.limit_price
        return True

    @staticmethod
    def _event(tick: Tick, direction: str, state: str, limit_price: int) -> PriceLimit:
        return PriceLimit(
            source=tick.source,
            time=tick.time,
            symbol=tick.symbol,
            name=tick.name,
            direction=direction,  # type: ignore[arg-type]
            state=state,  # type: ignore[arg-type]
            price=tick.price,
            rate=tick.rate,
            limit_price=limit_price,
            venue=tick.venue,
        )


OPEN = time(9, 0)


def _from_master(tick: Tick, stock: Stock | None) -> str | None:
    """At a limit by the master's prices; None when the master has no limits to tell by."""
    if stock is None or not (stock.upper_limit and stock.lower_limit):
        return None
    if tick.price >= stock.upper_limit:
        return "up"
    return "down" if tick.price <= stock.lower_limit else ""


def _opening(tick: Tick) -> bool:
    """The day's first trade: the opening auction's match at 09:00:00, or a cumulative volume
    that is this trade alone (a stock whose first trade came later)."""
    return 0 < tick.cum_volume <= tick.volume or tick.time.timetz().replace(tzinfo=None) == OPEN
