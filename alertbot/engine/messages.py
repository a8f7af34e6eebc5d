"""Message text for alerts: the default per event kind, and trader-written templates.

Defaults are Korean, name the stock as ``삼성전자(005930)``, and carry the numbers that made
the rule fire. Templates are ``str.format`` over ``alert_fields``: the event's ``fields()``
plus a few derived ones (the price level crossed, Korean labels). A template is checked when
the rules load — against a sample event of its kind — so a typo is a ``check`` error with a
line number, never a crash or a broken message at 09:00.
"""

from __future__ import annotations

import dataclasses
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from alertbot.events import (
    EVENT_TYPES,
    KST,
    ConditionHit,
    Event,
    Fill,
    MarketStatus,
    News,
    Tick,
    Vi,
    display_name,
)

SNAPSHOT = "condition_snapshot"
"""Message key for a condition's first answer (its current matches, one summary)."""

DEFAULT_MESSAGES: dict[str, str] = {
    "vi": ("⚡ VI {state_ko} {display}\n{vi_line}\n{hhmmss} · {venue}"),
    "price": (
        "{arrow} {display} {price:,}원 ({rate:+.2f}%)\n"
        "{level_text} {cross_ko}{late_note}{venue_note} · {hhmmss}"
    ),
    "condition": "🔎 조건검색 {condition_label} {action_ko}: {display}\n{hhmmss}",
    SNAPSHOT: "🔎 조건검색 {condition_label} 현재 편입 {match_count}종목: {matches_text}",
    "fill": (
        "💰 {side_ko} {status} {display}\n"
        "{qty:,}주 × {price:,}원 (주문 {order_qty:,}주, 미체결 {unfilled:,}주)\n"
        "주문번호 {order_no} · {hhmmss}"
    ),
    "market": "🚨 {market_ko} {label_text}\n{hhmmss}",
    "news": "📰 {title}\n{news_line}",
    "limit": "{headline} {display} {price:,}원 ({rate:+.2f}%) · {hhmmss}",
    "volume": (
        "📊 거래량 급증 {display} {volume:,}주/분 (평균 {average:,.0f}주 × {ratio:.1f}) · {minute}"
    ),
}

SUMMARIES: dict[str, str] = {
    "vi": "{display} VI {state_ko} {vi_price:,} ({rate:+.2f}%)",
    "price": "{display} {price:,} {level_short}",
    "condition": "{display} {condition_label} {action_ko}",
    SNAPSHOT: "{condition_label} 현재 편입 {match_count}종목",
    "fill": "{display} {side_ko} {status} {qty:,}주 @ {price:,}",
    "market": "{market_ko} {label_text}",
    "news": "{title}",
    "limit": "{display} {limit_ko} {state_ko} {price:,}",
    "volume": "{display} 거래량 {volume:,}주/분 ×{ratio:.1f}",
}

MARKETS_KO = {
    "kospi": "코스피",
    "kosdaq": "코스닥",
    "derivatives": "선물/옵션",
    "nxt": "NXT",
    "krx_night": "KRX 야간파생",
    "us": "미국주식",
    "china_am": "중국주식 오전",
    "china_pm": "중국주식 오후",
    "hongkong_am": "홍콩주식 오전",
    "hongkong_pm": "홍콩주식 오후",
    "japan_am": "일본주식 오전",
    "japan_pm": "일본주식 오후",
}
CATEGORIES_KO = {
    "circuit_breaker": "서킷브레이커",
    "sidecar": "사이드카",
    "session": "장운영",
    "price_limit": "가격제한폭",
    "other": "기타",
}
SNAPSHOT_LIST_MAX = 20
"""A snapshot lists at most this many codes, then ``외 N종목``."""


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
        if self.key.startswith("change_pct"):
            text, short = f"등락률 {level:+g}%", f"{'↑' if self.up else '↓'}{level:+g}%"
        else:
            text, short = f"{level:,}원", f"{'↑' if self.up else '↓'}{level:,}"
        return {
            "level": level,
            "level_key": self.key,
            "level_text": text,
            "level_short": short,
            "cross_ko": "상향 돌파" if self.up else "하향 이탈",
            "late_note": " (알림 시간 전에 돌파, 지금도 유지)" if self.late else "",
            "arrow": "📈" if self.up else "📉",
        }


def alert_fields(
    event: Event,
    rule: str,
    crossing: Crossing | None = None,
    names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Everything a template may name for this event.

    ``names`` (code → name, learned from other events) fills in the name where this event's
    feed does not send one: a trade frame has only the code, the VI before it had the name.
    """
    names = names or {}
    values = event.fields()
    values["rule"] = rule
    if not event.name and event.symbol in names:
        values["name"] = names[event.symbol]
        values["display"] = display_name(event.symbol, values["name"])
    if crossing is not None:
        values.update(crossing.fields())
    if isinstance(event, Tick):
        values["venue_note"] = "" if event.venue == "KRX" else f" · {event.venue}"
    if isinstance(event, Vi):
        trigger = f"발동가 {event.vi_price:,}원 ({event.rate:+.2f}%)"
        parts = (f"{values['kind_ko']} VI", values["direction_ko"], trigger)
        values["vi_line"] = " · ".join(part for part in parts if part)
    elif isinstance(event, ConditionHit):
        values["condition_label"] = event.condition or f"#{event.seq}"
        shown = [display_name(c, names.get(c, "")) for c in event.matches[:SNAPSHOT_LIST_MAX]]
        rest = len(event.matches) - len(shown)
        values["matches_text"] = ", ".join(shown) + (f" 외 {rest}종목" if rest > 0 else "")
    elif isinstance(event, MarketStatus):
        values["market_ko"] = MARKETS_KO.get(event.market, event.market or event.market_code)
        category = CATEGORIES_KO.get(event.category, event.category)
        values["label_text"] = event.label or f"{category} {event.status_code}".strip()
    elif isinstance(event, News):
        values["symbols_text"] = ", ".join(display_name(c, names.get(c, "")) for c in event.symbols)
        parts = (values["symbols_text"], event.provider, values["hhmmss"])
        values["news_line"] = " · ".join(part for part in parts if part)
    elif isinstance(event, Fill):
        values["amount"] = values["qty"] * values["price"]
    return values


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


def check_template(kind: str, template: str, crossings: Sequence[Crossing] = ()) -> str | None:
    """Why ``template`` cannot render for ``kind`` events, or None when it can.

    ``crossings``: a price rule's own levels, each tried, since ``{level:d}`` suits
    ``above: 80000`` but not ``change_pct_above: 5.5``.
    """
    fields = sample_fields(kind)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return f"bad template: {exc} (write {{{{ and }}}} for literal braces)"
    for _, name, _, _ in parsed:
        if name is None:
            continue
        root = name.split(".", 1)[0].split("[", 1)[0]
        if not root or root.isdigit():
            return "unnamed {} placeholder: name a field, e.g. {price:,}"
        if root not in fields:
            known = ", ".join(sorted(fields))
            return f"unknown field {{{root}}} for {kind} events (fields: {known})"
    for crossing in crossings or (None,):
        try:
            template.format(**sample_fields(kind, crossing))
        except (ValueError, TypeError, IndexError, KeyError, AttributeError) as exc:
            level = f" with {crossing.key}: {crossing.level:g}" if crossing else ""
            return f"bad template{level}: {exc}"
    return None
