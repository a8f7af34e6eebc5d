"""Prometheus metrics for ``/metrics``, in a registry of the app's own.

Each ``Metrics`` has its own ``CollectorRegistry`` (not the library's global one) so that
tests and the demo can build many apps in one process. On the hot path an event adds one to a
plain count (read at scrape time) and an alert calls a bound child's ``inc()``: labelled
children are looked up once and kept. What the feeds and delivery already count
(reconnects, queue depth) is read at scrape time instead of counted twice.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from alertbot.delivery.notifiers.base import (
    DeliveryError,
    MessageRejected,
    PermanentError,
    RateLimited,
    TransientError,
)
from alertbot.feeds.base import FeedStatus


@dataclass(frozen=True, slots=True)
class FeedView:
    """One feed as the scrape sees it."""

    name: str
    status: FeedStatus
    last_event_monotonic: float | None


class _FeedCollector(Collector):
    """Reads every feed's ``FeedStatus`` when scraped: nothing extra on the hot path."""

    def __init__(self, feeds: Callable[[], Iterable[FeedView]], clock: Callable[[], float]):
        self.feeds = feeds
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily(
            "alertbot_feed_up", "1 when connected and logged in", labels=["feed"]
        )
        reconnects = CounterMetricFamily(
            "alertbot_feed_reconnects", "Sessions that ended and were retried", labels=["feed"]
        )
        unparsed = CounterMetricFamily(
            "alertbot_feed_unparsed", "Frames or entries the feed could not read", labels=["feed"]
        )
        age = GaugeMetricFamily(
            "alertbot_feed_last_event_age_seconds",
            "Seconds since the feed's last event arrived (absent before the first)",
            labels=["feed"],
        )
        now = self.clock()
        for feed in self.feeds():
            up.add_metric([feed.name], 1.0 if feed.status.ready else 0.0)
            reconnects.add_metric([feed.name], feed.status.reconnects)
            unparsed.add_metric([feed.name], feed.status.unparsed)
            if feed.last_event_monotonic is not None:
                age.add_metric([feed.name], max(0.0, now - feed.last_event_monotonic))
        yield from (up, reconnects, unparsed, age)


class _ChannelCollector(Collector):
    """``alertbot_channel_stopped``: a channel stays stopped until its service takes a message
    again (tried every few minutes), so an alert on it must see a state, not the one failure
    that stopped it."""

    def __init__(self, stopped: Callable[[], Mapping[str, bool]]) -> None:
        self.stopped = stopped

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "alertbot_channel_stopped",
            "1 while the service refuses the channel (token, chat); 0 once it takes a message",
            labels=["channel"],
        )
        for channel, stopped in self.stopped().items():
            family.add_metric([channel], 1.0 if stopped else 0.0)
        yield family


class _EventCollector(Collector):
    """``alertbot_events`` from plain counts: the one metric that moves on every event.

    A client-library counter takes a lock and checks its arguments on every ``inc()``; a dict
    of ints costs a fraction of that, and the scrape turns it into the same counter family.
    """

    def __init__(self, counts: dict[tuple[str, str], int]) -> None:
        self.counts = counts

    def collect(self) -> Iterator[Metric]:
        family = CounterMetricFamily(
            "alertbot_events", "Events from the feeds", labels=["kind", "source"]
        )
        for (kind, source), count in self.counts.items():
            family.add_metric([kind, source], count)
        yield family


def failure_reason(exc: BaseException) -> str:
    """A small fixed set of label values, whatever the service said."""
    if isinstance(exc, RateLimited):
        return "rate_limited"
    if isinstance(exc, PermanentError):
        return "permanent"
    if isinstance(exc, MessageRejected):
        return "rejected"
    if isinstance(exc, TransientError):
        return "transient"
    if isinstance(exc, DeliveryError):
        return "error"
    return "unexpected"


class Metrics:
    """Every metric the bot exports; ``render()`` is the ``/metrics`` body."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self._event_counts: dict[tuple[str, str], int] = {}
        r.register(_EventCollector(self._event_counts))
        self._alerts = Counter("alertbot_alerts", "Alerts the rules fired", ["rule"], registry=r)
        self._muted = Counter(
            "alertbot_alerts_muted", "Alerts held back by a mute", ["rule"], registry=r
        )
        self._sends = Counter(
            "alertbot_sends", "Messages a chat service accepted", ["channel"], registry=r
        )
        self._send_failures = Counter(
            "alertbot_send_failures", "Send attempts that failed", ["channel", "reason"], registry=r
        )
        self._set_aside = Counter(
            "alertbot_dead_letters",
            "Messages a service refused, set aside as dead letters (kept; see /status)",
            ["channel"],
            registry=r,
        )
        self.outbox_depth = Gauge(
            "alertbot_outbox_depth", "Messages waiting to be sent", registry=r
        )

        reloads = Counter(
            "alertbot_rule_reloads", "Rule loads by result (ok, rejected)", ["result"], registry=r
        )
        self.reload_ok, self.reload_rejected = reloads.labels("ok"), reloads.labels("rejected")
        self.last_reload_success = Gauge(
            "alertbot_rules_last_reload_success",
            "1 when the last rule load was accepted",
            registry=r,
        )
        self.rules_loaded = Gauge("alertbot_rules_loaded", "Rules in force", registry=r)
        self._commands = Counter(
            "alertbot_commands", "Chat commands answered", ["command"], registry=r
        )
        self.commands_ignored = Counter(
            "alertbot_commands_ignored",
            "Chat updates ignored: from chats not allowed, or not commands",
            registry=r,
        )
        self._alert_children: dict[str, Callable[[], None]] = {}

    # ------------------------------------------------------------------ hot path

    def event(self, kind: str, source: str) -> None:
        key = (kind, source)
        counts = self._event_counts
        counts[key] = counts.get(key, 0) + 1

    def alert(self, rule: str) -> None:
        inc = self._alert_children.get(rule)
        if inc is None:
            inc = self._alert_children[rule] = self._alerts.labels(rule).inc
        inc()

    # ------------------------------------------------------------------ everything else

    def muted(self, rule: str) -> None:
        self._muted.labels(rule).inc()

    def sent(self, channel: str) -> None:
        self._sends.labels(channel).inc()

    def send_failed(self, channel: str, error: BaseException) -> None:
        self._send_failures.labels(channel, failure_reason(error)).inc()

    def set_aside(self, channel: str) -> None:
        self._set_aside.labels(channel).inc()

    def command(self, name: str) -> None:
        self._commands.labels(name).inc()

    def reloaded(self, ok: bool, rules: int | None = None) -> None:
        """Record a rule load (the first at start, then every reload)."""
        (self.reload_ok if ok else self.reload_rejected).inc()
        self.last_reload_success.set(1 if ok else 0)
        if ok and rules is not None:
            self.rules_loaded.set(rules)

    def watch_feeds(
        self, feeds: Callable[[], Iterable[FeedView]], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.registry.register(_FeedCollector(feeds, clock))

    def watch_channels(self, stopped: Callable[[], Mapping[str, bool]]) -> None:
        self.registry.register(_ChannelCollector(stopped))

    def watch_outbox(self, depth: Callable[[], float]) -> None:
        self.outbox_depth.set_function(depth)

    def render(self) -> bytes:
        return generate_latest(self.registry)


class DeliveryMetrics:
    """Delivery's ``Observer``: what its stages report, as metrics; ``on_sent`` tells the
    progress watch that delivery moves."""

    def __init__(self, metrics: Metrics, on_sent: Callable[[], None]) -> None:
        self.metrics = metrics
        self.on_sent = on_sent

    def muted(self, rule: str) -> None:
        self.metrics.muted(rule)

    def sent(self, channel: str, alerts: int) -> None:
        self.metrics.sent(channel)
        self.on_sent()

    def failed(self, channel: str, error: BaseException) -> None:
        self.metrics.send_failed(channel, error)

    def set_aside(self, channel: str) -> None:
        self.metrics.set_aside(channel)
