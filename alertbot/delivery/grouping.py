"""Choosing the next message for a channel from what it owes: one alert, or a storm digest.

When a destination keeps up, each alert goes as its own message. When alerts pile up faster
than it takes them (a circuit breaker sets off hundreds of VIs in seconds), the backlog is
sent as digests — "⚡ VI 발동 132종목" and one summary line per alert — each filling one
message, instead of a queue that drains for twenty minutes. Nothing is dropped: an alert
not in this digest stays owed and goes in the next.

Pure functions over outbox entries: no I/O, no clock (``now`` is passed in). The worker
reads only the oldest rows a message can carry (``READ_AT_MOST``) and, for a digest, the
backlog's count per kind: the cost of planning does not grow with the backlog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from alertbot.delivery.notifiers.base import Message
from alertbot.delivery.notifiers.split import utf16_len
from alertbot.delivery.store import Entry
from alertbot.i18n import duration, lookup, t

HEADER_ROOM = 40
"""Room kept per section for its count, the lateness mark and the "continued" line."""

READ_AT_MOST = 250
"""Rows read to plan one message: more summary lines than any service's message holds."""


@dataclass(frozen=True, slots=True)
class Batch:
    """The entries one message carries: they leave the outbox when it is accepted."""

    ids: tuple[int, ...]
    message: Message


def plan(
    entries: list[Entry],
    *,
    max_text: int,
    storm_at: int,
    now: datetime,
    late_after: float,
    totals: Mapping[str, int] | None = None,
    measure: Callable[[str], int] = utf16_len,
) -> Batch:
    """The next message for a non-empty backlog given its oldest entries.

    Notices go alone and in order. Fewer than ``storm_at`` alerts go one by one, in full;
    from ``storm_at`` on, as many as fit go as one digest. ``totals`` counts the whole
    backlog's alerts per kind (default: those in ``entries``); ``measure`` is how the service
    counts a text.
    """
    first = entries[0]
    alerts = [e for e in entries if not e.notice]
    if first.notice or len(alerts) < storm_at:
        mute = (first.rule, first.symbol) if first.symbol and not first.notice else None
        text = mark(first.text, [first], now, late_after)
        return Batch((first.id,), Message(text, mute=mute))
    counts = totals if totals is not None else _count(alerts)
    chosen = _fit(alerts, counts, max_text, measure)
    text = mark(digest(chosen, counts), chosen, now, late_after)
    return Batch(tuple(e.id for e in chosen), Message(text))


def mark(text: str, entries: list[Entry], now: datetime, late_after: float) -> str:
    """Add "⏰ 지연 12분" (oldest entry late) and "🔁 재전송" (maybe shown before) to line 1."""
    marks = []
    age = now.timestamp() - min(e.created for e in entries)
    if age >= late_after:
        marks.append(t("mark.late", age=duration(age)))
    if any(e.uncertain for e in entries):
        marks.append(t("mark.resent"))
    if not marks:
        return text
    headline, newline, rest = text.partition("\n")
    return f"{headline} · {' · '.join(marks)}{newline}{rest}"


def digest(chosen: list[Entry], totals: Mapping[str, int]) -> str:
    """Sections per kind: a header with the count, one summary line per alert, and how many
    of the backlog's (``totals``: alerts per kind) are left for the next message."""
    sections = []
    for kind, group in _by_kind(chosen).items():
        rest = totals.get(kind, len(group)) - len(group)
        noun = _noun(group)
        lines = [t("digest.count", header=_header(kind, group), count=len(group), noun=noun)]
        lines.extend(e.summary or e.text.partition("\n")[0] for e in group)
        if rest:
            lines.append(t("digest.more", count=rest, noun=noun))
        sections.append("\n".join(lines))
    return "\n\n".join(sections)


def _count(alerts: list[Entry]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in alerts:
        counts[entry.kind] = counts.get(entry.kind, 0) + 1
    return counts


def _fit(
    alerts: list[Entry], totals: Mapping[str, int], max_text: int, measure: Callable[[str], int]
) -> list[Entry]:
    """The oldest alerts whose digest fits in one message (at least one): an estimate line by
    line, then a binary search on the digest itself if the estimate was short."""
    room = max_text - HEADER_ROOM
    count = size = 0
    kinds: set[str] = set()
    for entry in alerts:
        line = measure(entry.summary or entry.text.partition("\n")[0]) + 1
        extra = line + (0 if entry.kind in kinds else HEADER_ROOM + line + 2)
        if count and size + extra > room:
            break
        count += 1
        kinds.add(entry.kind)
        size += extra
    if measure(digest(alerts[:count], totals)) <= room:
        return alerts[:count]
    low, high = 1, count - 1
    while low < high:
        middle = (low + high + 1) // 2
        if measure(digest(alerts[:middle], totals)) <= room:
            low = middle
        else:
            high = middle - 1
    return alerts[:low]


def _by_kind(entries: list[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.kind, []).append(entry)
    return groups


def _header(kind: str, group: list[Entry]) -> str:
    """The words every headline of the group starts with ("⚡ VI 발동"), else a label."""
    headlines = [e.text.partition("\n")[0].split() for e in group]
    common: list[str] = []
    for words in zip(*headlines, strict=False):
        if any(w != words[0] for w in words):
            break
        common.append(words[0])
    if len(group) > 1 and len(common) < min(len(h) for h in headlines):
        return " ".join(common) or _label(kind)
    return _label(kind)


def _label(kind: str) -> str:
    """The digest header when the alerts' headlines share no words."""
    return lookup(f"digest.kind.{kind}") or kind


def _noun(group: list[Entry]) -> str:
    """종목 when every alert is about a different stock, else 건."""
    symbols = [e.symbol for e in group]
    distinct = all(symbols) and len(set(symbols)) == len(symbols)
    return t("digest.noun.stocks" if distinct else "digest.noun.alerts")
