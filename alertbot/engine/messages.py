"""Message text for alerts: the default per event kind, and trader-written templates.

Defaults are Korean, name the stock by name and code, and carry the numbers that made the
rule fire. Templates are ``str.format`` over the event's ``fields()``.
"""

from __future__ import annotations

from typing import Any

DEFAULT_MESSAGES: dict[str, str] = {
    "vi": (
        "⚡ VI {state_ko} {display}\n"
        "{kind_ko} VI · {direction_ko} · 발동가 {vi_price:,}원 ({rate:+.2f}%)\n"
        "{hhmmss} · {venue}"
    ),
}

SUMMARIES: dict[str, str] = {
    "vi": "{display} {vi_price:,} ({rate:+.2f}%)",
}


def render(template: str, fields: dict[str, Any]) -> str:
    """Format a template; on a bad value fall back to the raw template rather than crash."""
    try:
        return template.format(**fields)
    except (KeyError, ValueError, IndexError, TypeError, AttributeError):
        return template
