"""Readiness reasons about the configuration itself: a bot that can never alert is not ready.

An empty rules folder (what Docker makes of a mistyped bind-mount path) or a bot with no broker
credentials would otherwise answer 200 while doing nothing. Each function returns the reasons
as lines for ``/readyz``; an empty list means nothing to report.
"""

from __future__ import annotations

from alertbot.engine.rules import RuleSet

BROKER_KEYS = (
    "KIWOOM_APPKEY와 KIWOOM_SECRETKEY (또는 KIWOOM_TOKEN), "
    "또는 LS_APPKEY와 LS_APPSECRET (또는 LS_TOKEN)을 설정하세요"
)
NO_FEED = f"피드 없음: 증권사 키가 설정되지 않았습니다 — {BROKER_KEYS}"


def no_rules(ruleset: RuleSet | None, where: object) -> list[str]:
    """Zero rules loaded: nothing can ever fire."""
    if ruleset is None or ruleset.rules:
        return []
    return [
        f"규칙 0개: {where}에 규칙이 없습니다 — 폴더 경로(ALERTBOT_RULES, 볼륨 마운트)를 확인하세요"
    ]


def no_feed(ruleset: RuleSet | None, feeds: int, console_only: bool) -> list[str]:
    """No broker feed while alerts are meant for people (a console-only setup, as the demo's,
    is a trial run and may go without)."""
    if feeds or ruleset is None or console_only:
        return []
    if all(spec.type == "console" for spec in ruleset.channels.values()):
        return []
    return [NO_FEED]
