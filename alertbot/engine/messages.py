"""Message text for alerts: the default per event kind, and trader-written templates.

The texts live in the message catalog (``alertbot.i18n``: Korean by default); this module
computes the fields they format. Defaults name the stock as ``삼성전자(005930)`` (the name
from the stock master, else from the feed), label every number, and carry what made the
rule fire. Templates are ``str.format`` over ``alert_fields``: the event's ``fields()`` plus
derived ones (the level crossed, labels in the language in use, the stock's market). A
template is checked when the rules load — against a sample event of its kind — so a typo is
a ``check`` error with a line number, never a crash or a broken message at 09:00.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from alertbot.events import (
    EVENT_TYPES,
    KST,
    ConditionHit,
    Disclosure,
    Event,
    Fill,
    MarketStatus,
    News,
    PriceLimit,
    Vi,
    display_name,
)
from alertbot.i18n import ko, lookup, market_status, t, template
from alertbot.stocks.book import StockBook

SNAPSHOT = "condition_snapshot"
"""Message key for a condition's first answer (its current matches, one summary)."""
FILL_ORDER = "fill_order"
"""Message key for an order step that moved no shares: 접수, 정정, 취소, 확인, 거부."""
STATUS_ICONS = {"접수": "📝", "정정": "✏️", "취소": "↩️", "확인": "✔️", "거부": "⛔"}
MARKET_GROUPS = {"kospi": "stocks", "kosdaq": "stocks", "derivatives": "derivatives"}
"""Market → the group whose status codes mean the same (``feeds/ls/jstatus.py``)."""
SNAPSHOT_LIST_MAX = 20
"""A snapshot lists at most this many stocks, then ``외 N종목``."""
NO_STOCKS = StockBook()


def message_key(event: Event, snapshot: bool = False) -> str:
    """Which default message and summary fit this event."""
    if snapshot:
        return SNAPSHOT
    if isinstance(event, Fill) and not filled(event):
        return FILL_ORDER
    return event.kind


def filled(fill: Fill) -> bool:
    """Shares changed hands (a 체결), as opposed to an order step that moved none."""
    return fill.status == "체결" or (fill.qty > 0 and fill.price > 0)


def default_template(event: Event, snapshot: bool = False) -> str:
    return template(f"alert.{message_key(event, snapshot)}")


def summary_template(event: Event, snapshot: bool = False) -> str:
    return template(f"summary.{message_key(event, snapshot)}")


@dataclass(frozen=True, slots=True)
class Crossing:
    """Which price-rule level an event crossed (the numbers the trader set)."""

    key: str
    """``above``, ``below``, ``change_pct_above`` or ``change_pct_below``."""
    level: float
    late: bool = False
    """Crossed outside the rule's ``active`` hours and still past the level when they began."""

    @property
    def up(self) -> bool:
        return self.key.endswith("above")

    def fields(self) -> dict[str, Any]:
        level: float | int = int(self.level) if self.level == int(self.level) else self.level
        arrow = "↑" if self.up else "↓"
        if self.key.startswith("change_pct"):
            text, short = t("price.level_pct", level=level), f"{arrow}{level:+g}%"
        else:
            text, short = t("price.level", level=level), f"{arrow}{level:,}"
        return {
            "level": level,
            "level_key": self.key,
            "level_text": text,
            "level_short": short,
            "cross_ko": "상향 돌파" if self.up else "하향 이탈",
            "cross_label": t("price.cross.up" if self.up else "price.cross.down"),
            "late_note": t("price.late") if self.late else "",
            "arrow": "📈" if self.up else "📉",
        }


def alert_fields(
    event: Event,
    rule: str,
    crossing: Crossing | None = None,
    stocks: StockBook | None = None,
) -> dict[str, Any]:
    """Everything a template may name for this event.

    ``stocks`` (the stock master) gives the name where this event's feed sends none — a trade
    frame has only the code — and the stock's market and day numbers.
    """
    stocks = NO_STOCKS if stocks is None else stocks
    values = event.fields()
    values["rule"] = rule
    stock = stocks.get(event.symbol) if event.symbol else None
    if not event.name:
        values["name"] = stocks.name(event.symbol) if event.symbol else ""
        values["display"] = display_name(event.symbol, values["name"])
    if not isinstance(event, MarketStatus | Disclosure):  # those name their market themselves
        values["market"] = stock.market if stock else ""
    values["prev_close"] = stock.prev_close if stock else 0
    values["upper_limit"] = stock.upper_limit if stock else 0
    values["lower_limit"] = stock.lower_limit if stock else 0
    venue = values.get("venue", "KRX")
    values["venue_text"] = t("venue", venue=venue) if venue and venue != "KRX" else ""
    values["venue_note"] = values["venue_text"]  # the name rules written before used
    if crossing is not None:
        values.update(crossing.fields())
    if isinstance(event, Vi):
        _vi_fields(event, values)
    elif isinstance(event, ConditionHit):
        _condition_fields(event, values, stocks)
    elif isinstance(event, MarketStatus):
        _market_fields(event, values)
    elif isinstance(event, News):
        values["symbols_text"] = ", ".join(_display(c, stocks) for c in event.symbols)
        related = t("news.related", symbols=values["symbols_text"], hhmmss=values["hhmmss"])
        values["news_line"] = related if event.symbols else values["hhmmss"]
    elif isinstance(event, Fill):
        _fill_fields(event, values)
    elif isinstance(event, PriceLimit):
        values["limit_label"] = t(f"limit.{event.direction}")
        values["limit_headline"] = t(f"limit.{event.direction}.{event.state}")
        values["limit_state"] = t(f"limit.state.{event.state}")
    return values


def _display(code: str, stocks: StockBook) -> str:
    return display_name(code, stocks.name(code))


def _vi_fields(event: Vi, values: dict[str, Any]) -> None:
    values["state_label"] = t(f"vi.state.{event.state}")
    kind = lookup(f"vi.kind.{event.vi_kind}") or event.vi_kind
    values["kind_label"] = kind
    values["direction_label"] = lookup(f"direction.{event.direction}") or ""
    trigger = t("vi.trigger", price=event.vi_price, rate=event.rate)
    parts = (t("vi.kind", kind=kind), values["direction_label"], trigger)
    values["vi_line"] = " · ".join(part for part in parts if part)


def _condition_fields(event: ConditionHit, values: dict[str, Any], stocks: StockBook) -> None:
    values["condition_label"] = event.condition or f"#{event.seq}"
    values["action_label"] = lookup(f"condition.{event.action}") or ""
    shown = ", ".join(_display(c, stocks) for c in event.matches[:SNAPSHOT_LIST_MAX])
    rest = len(event.matches) - SNAPSHOT_LIST_MAX
    values["matches_text"] = t("condition.more", shown=shown, rest=rest) if rest > 0 else shown


def _market_fields(event: MarketStatus, values: dict[str, Any]) -> None:
    # ``market_ko`` stays Korean whatever the language: trader templates were written for it.
    values["market_ko"] = ko.MESSAGES.get(f"market.{event.market}") or (
        event.market or event.market_code
    )
    values["market_label"] = lookup(f"market.{event.market}") or event.market or event.market_code
    category = lookup(f"category.{event.category}") or event.category
    values["category_label"] = category
    group = MARKET_GROUPS.get(event.market, "")
    values["label_text"] = (
        market_status(group, event.status_code)
        or event.label
        or t("market.status", category=category, code=event.status_code).strip()
    )


def _fill_fields(event: Fill, values: dict[str, Any]) -> None:
    values["amount"] = event.qty * event.price
    values["side_label"] = t(f"side.{event.side or 'none'}")
    values["status_label"] = lookup(f"fill.status.{event.status}") or event.status
    values["status_icon"] = STATUS_ICONS.get(event.status, "📋")
    values["reason_text"] = t("fill.reason", reason=event.reason) if event.reason else ""


def render(template: str, fields: dict[str, Any]) -> str | None:
    """Format a template; None when these fields cannot fill it (the caller falls back)."""
    try:
        return template.format(**fields)
    except (KeyError, ValueError, IndexError, TypeError, AttributeError):
        return None


SAMPLE_CODE = "005930"


@cache
def sample_event(kind: str) -> Event:
    """An event of ``kind`` with its fields' own types and every list holding one code, so a
    template is tried on values like the live ones (``{symbols[0]}`` included)."""
    cls = EVENT_TYPES[kind]
    lists = {f.name: (SAMPLE_CODE,) for f in dataclasses.fields(cls) if f.default_factory is tuple}
    time = datetime(2025, 1, 2, 9, 0, tzinfo=KST)
    return cls(source="sim", time=time, symbol=SAMPLE_CODE, name="삼성전자", **lists)


def sample_fields(kind: str, crossing: Crossing | None = None) -> dict[str, Any]:
    """The fields a template of ``kind`` meets (a price rule's: with one of its levels)."""
    if kind == "price" and crossing is None:
        crossing = Crossing("above", 80000)
    return alert_fields(sample_event(kind), "rule", crossing)


def _placeholders(
    parsed: list[tuple[str, str | None, str | None, str | None]],
) -> list[tuple[str, str]]:
    """Each ``{…}`` of a parsed template as ``(field, as written)``: ``("price", "{price:,}")``."""
    found = []
    for _, name, spec, conversion in parsed:
        if name is not None:
            written = name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            found.append((name.split(".", 1)[0].split("[", 1)[0], "{" + written + "}"))
    return found


def check_template(kind: str, template: str, crossings: Sequence[Crossing] = ()) -> str | None:
    """Why ``template`` cannot render for ``kind`` events, or None when it can.

    ``crossings``: a price rule's own levels, each tried, since ``{level:d}`` suits
    ``above: 80000`` but not ``change_pct_above: 5.5``.
    """
    fields = sample_fields(kind)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return t("check.template_braces")
    placeholders = _placeholders(parsed)
    for root, _ in placeholders:
        if not root or root.isdigit():
            return t("check.template_unnamed")
        if root not in fields:
            known = ", ".join(sorted(fields))
            return t("check.template_field", field=root, kind=kind, fields=known)
    for crossing in crossings or (None,):
        sample = sample_fields(kind, crossing)
        for root, placeholder in placeholders:
            try:
                placeholder.format(**sample)
            except (ValueError, TypeError, IndexError, KeyError, AttributeError):
                where = {"placeholder": placeholder, "field": root, "sample": repr(sample[root])}
                if crossing is None:
                    return t("check.template_format", **where)
                level = f"{crossing.level:g}"
                return t("check.template_format_level", key=crossing.key, level=level, **where)
    return None
