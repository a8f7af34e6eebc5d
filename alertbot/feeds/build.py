"""The feeds ``alertbot run``, ``record`` and the demo start: one per configured source.

Each source is a ``(name, factory)`` pair in ``SOURCES``; a factory returns ``None`` when its
credentials are not set. A new source (DART's polled REST, say) is one more entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

from tenacity import wait_exponential

from alertbot.events import now_kst
from alertbot.feeds.base import Backoff, EventSink, Feed, NoticeSink, RawSink
from alertbot.feeds.dart.calendar import trading_days
from alertbot.feeds.dart.client import DartFeed
from alertbot.feeds.dart.memory import SeenFilings
from alertbot.feeds.kiwoom.client import KiwoomFeed
from alertbot.feeds.kiwoom.stocklist import KiwoomStockList
from alertbot.feeds.kiwoom.token import TokenIssuer
from alertbot.feeds.ls.client import LsFeed
from alertbot.feeds.ls.stocklist import LsStockList
from alertbot.feeds.ls.token import LsTokenIssuer
from alertbot.feeds.stocklist import StockListLoader
from alertbot.feeds.token import broker_token
from alertbot.i18n import t
from alertbot.settings import Settings
from alertbot.state import StateDB


@dataclass(frozen=True, slots=True)
class FeedWiring:
    """What every feed is given: where its events, notices and raw frames go, and its pace."""

    on_event: EventSink
    on_notice: NoticeSink
    on_raw: RawSink | None = None
    backoff: Backoff | None = None
    clock: Callable[[], datetime] = now_kst
    state: StateDB | None = None
    """Where a feed keeps what must survive a restart (the filings DART has shown)."""
    business_day: Callable[[date], bool] | None = None
    """Whether KRX trades on a day: DART's busy days (None: the exchange calendar's)."""

    def options(self) -> dict[str, object]:
        return {
            "on_event": self.on_event,
            "on_notice": self.on_notice,
            "on_raw": self.on_raw,
            "backoff": self.backoff,
            "clock": self.clock,
        }


def kiwoom_feed(settings: Settings, wiring: FeedWiring) -> Feed | None:
    token = broker_token(settings.kiwoom, TokenIssuer)
    return None if token is None else KiwoomFeed(settings.kiwoom.ws_url, token, **wiring.options())  # type: ignore[arg-type]


def ls_feed(settings: Settings, wiring: FeedWiring) -> Feed | None:
    token = broker_token(settings.ls, LsTokenIssuer)
    return None if token is None else LsFeed(settings.ls.ws_url, token, **wiring.options())  # type: ignore[arg-type]


def dart_feed(settings: Settings, wiring: FeedWiring) -> Feed | None:
    dart = settings.dart
    if dart.api_key is None:
        return None
    seen = SeenFilings(wiring.state)
    key = dart.api_key.get_secret_value()
    return DartFeed(
        dart.api_url,
        key,
        poll=dart.poll,
        seen=seen,
        business_day=wiring.business_day or trading_days(),
        **wiring.options(),  # type: ignore[arg-type]
    )


FeedFactory = Callable[[Settings, FeedWiring], Feed | None]
SOURCES: list[FeedFactory] = [kiwoom_feed, ls_feed, dart_feed]
"""Every feed alertbot knows, in start order."""


def build_feeds(
    settings: Settings,
    *,
    on_event: EventSink,
    on_notice: NoticeSink,
    on_raw: RawSink | None = None,
    backoff: Backoff | None = None,
    clock: Callable[[], datetime] = now_kst,
    state: StateDB | None = None,
    business_day: Callable[[date], bool] | None = None,
) -> list[Feed]:
    """A feed for each source whose credentials are set."""
    wiring = FeedWiring(on_event, on_notice, on_raw, backoff, clock, state, business_day)
    feeds = (factory(settings, wiring) for factory in SOURCES)
    return [feed for feed in feeds if feed is not None]


def stock_loaders(
    settings: Settings, feeds: list[Feed], backoff: Backoff | None = None
) -> list[tuple[str, StockListLoader]]:
    """The stock list of each broker in use whose REST the bot may call, on the feed's own
    token source (retried at the feeds' pace when ``backoff`` is given)."""
    wait = wait_exponential(backoff.initial, max=backoff.maximum) if backoff else None
    lists = {
        "kiwoom": (KiwoomStockList, settings.kiwoom),
        "ls": (LsStockList, settings.ls),
    }
    loaders: list[tuple[str, StockListLoader]] = []
    for feed in feeds:
        if feed.name in lists:
            kind, credentials = lists[feed.name]
            if credentials.rest:
                token = feed.token  # type: ignore[attr-defined]
                loaders.append((feed.name, kind(credentials.api_url, token, wait=wait)))
    return loaders


def unserved(rules: Iterable[tuple[str, str]], feeds: Iterable[Feed]) -> list[str]:
    """``(rule name, event kind)`` pairs no running feed can deliver, as one line per kind
    naming the rules (a Kiwoom-only bot with a ``market`` rule, an LS-only one with a
    ``condition`` rule). Empty with no feed at all: readiness says that already."""
    feeds = list(feeds)
    if not feeds:
        return []
    served = frozenset().union(*(feed.serves for feed in feeds))
    missing: dict[str, list[str]] = {}
    for name, kind in rules:
        if kind not in served:
            missing.setdefault(kind, []).append(name)
    running = ", ".join(feed.name for feed in feeds)
    return [
        t("feed.unserved", feeds=running, kind=kind, rules=", ".join(names))
        for kind, names in sorted(missing.items())
    ]
