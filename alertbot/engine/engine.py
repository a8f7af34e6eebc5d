"""Evaluating events against the rules: the hot path after parsing.

Rules are indexed by event kind so that an event only meets the rules that could fire on it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from alertbot.alerts import Alert
from alertbot.engine.messages import DEFAULT_MESSAGES, SUMMARIES, render
from alertbot.engine.rules import LocatedRule, RuleSet, ViRule
from alertbot.events import Event, Vi, now_kst
from alertbot.subscriptions import Subscriptions


class Engine:
    """Holds one validated ``RuleSet`` and turns events into alerts."""

    def __init__(self, ruleset: RuleSet) -> None:
        self.ruleset = ruleset
        self._by_kind: dict[str, list[LocatedRule]] = defaultdict(list)
        for located in ruleset.rules:
            if located.rule.enabled:
                self._by_kind[located.rule.event].append(located)

    def subscriptions(self) -> Subscriptions:
        return Subscriptions(vi=bool(self._by_kind.get("vi")))

    def evaluate(self, event: Event, now: datetime | None = None) -> list[Alert]:
        candidates = self._by_kind.get(event.kind)
        if not candidates:
            return []
        alerts: list[Alert] = []
        for located in candidates:
            rule = located.rule
            if isinstance(rule, ViRule) and isinstance(event, Vi) and _vi_matches(rule, event):
                alerts.append(self._alert(rule, event, now or now_kst()))
        return alerts

    def _alert(self, rule: ViRule, event: Event, now: datetime) -> Alert:
        fields = event.fields()
        return Alert(
            rule=rule.name,
            event_key=event.key,
            channels=self.ruleset.notify_for(rule),
            text=render(rule.message or DEFAULT_MESSAGES[event.kind], fields),
            kind=event.kind,
            symbol=event.symbol,
            summary=render(SUMMARIES[event.kind], fields),
            event_time=event.time,
            created_at=now,
        )


def _vi_matches(rule: ViRule, event: Vi) -> bool:
    symbols = rule.symbol_set
    if symbols is not None and event.symbol not in symbols:
        return False
    if rule.state != "any" and rule.state != event.state:
        return False
    return rule.kind == "any" or rule.kind in event.vi_kind
