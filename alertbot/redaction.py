"""One way to hide secrets, with one mark: ``«redacted»``.

Known secret values (tokens, app keys, webhook URLs) and secret-shaped text (``token=…``,
``Bearer …``, Telegram and Slack token shapes) are replaced wherever text leaves the process:
log lines, admin notices, errors quoting a server. Every part uses this class (the log filter's
process-wide instance, each feed's own for its tokens); like ``events``, it imports nothing of
the project.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

REDACTED = "«redacted»"

MIN_SECRET_LENGTH = 6
"""Shorter values (a chat id such as ``1``) would blank out ordinary text."""

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Bot API paths carry the token: https://api.telegram.org/bot123:AA…/sendMessage
    (re.compile(r"(/bot)\d+:[^/\s\"']+"), rf"\1{REDACTED}"),
    # Telegram bot tokens anywhere: 123456789:AAE…
    (re.compile(r"\b\d{5,}:[A-Za-z0-9_-]{30,}"), REDACTED),
    # Slack incoming webhooks and tokens.
    (re.compile(r"https?://hooks\.slack(?:-gov)?\.com/\S+"), f"https://hooks.slack.com/{REDACTED}"),
    (re.compile(r"\bxox[abposr]-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), REDACTED),
    # key=value, key: value, "key": "value" for the names secrets go by.
    (
        re.compile(
            r"(?i)(\"?\b(?:access_token|token|appkey|app_key|appsecretkey|appsecret|secretkey"
            r"|secret|client_secret|password|webhook_url|crtfc_key)\"?\s*[=:]\s*\"?)[^\s\"'&,;}]+"
        ),
        rf"\1{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+"), rf"\1{REDACTED}"),
)


class Redactor:
    """Replaces known secret values and secret-shaped text with ``«redacted»``."""

    def __init__(self) -> None:
        self._known: set[str] = set()
        self._known_pattern: re.Pattern[str] | None = None

    def add(self, secrets: Iterable[str | None]) -> None:
        """Learn more secret values (at start, and whenever the rules bring new channels)."""
        fresh = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH} - self._known
        if not fresh:
            return
        self._known |= fresh
        # Longest first, so a webhook URL goes as a whole before a token inside it.
        alternatives = sorted(self._known, key=len, reverse=True)
        self._known_pattern = re.compile("|".join(re.escape(s) for s in alternatives))

    def __call__(self, text: str) -> str:
        if self._known_pattern is not None:
            text = self._known_pattern.sub(REDACTED, text)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text
