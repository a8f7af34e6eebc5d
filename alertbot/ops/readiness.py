"""Readiness reasons about the configuration itself: a bot that can never alert is not ready.

An empty rules folder (what Docker makes of a mistyped bind-mount path) or a bot with no broker
credentials would otherwise answer 200 while doing nothing. Each function returns the reasons
as lines for ``/readyz``; an empty list means nothing to report.
"""

from __future__ import annotations

from alertbot.engine.rules import RuleSet
from alertbot.i18n import t


def no_rules(ruleset: RuleSet | None, where: object) -> list[str]:
    """Zero rules loaded: nothing can ever fire."""
    if ruleset is None or ruleset.rules:
        return []
    return [t("ready.zero_rules", where=where)]


def no_feed(ruleset: RuleSet | None, feeds: int, console_only: bool) -> list[str]:
    """No broker feed while alerts are meant for people (a console-only setup, as the demo's,
    is a trial run and may go without)."""
    if feeds or ruleset is None or console_only:
        return []
    if all(spec.type == "console" for spec in ruleset.channels.values()):
        return []
    return [t("ready.no_broker", fix=t("feeds.keys_fix"))]
