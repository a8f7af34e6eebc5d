"""Logging for a service nobody watches: one line per event that matters, secrets never shown.

Every handler on the root logger gets the same ``RedactingFilter``. It rewrites the record
itself (message with its arguments, exception and stack text) before any formatter sees it,
so a token cannot leak through a third-party library's log line (httpx logs Telegram URLs,
which carry the bot token) or a traceback. It removes the secret values the bot knows
(``Settings`` credentials, channel tokens and webhook URLs from the rules) and anything shaped
like a secret (bot tokens, Slack tokens and webhooks, ``token=…``), known or not.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import IO, Any

import orjson

from alertbot.events import KST
from alertbot.ha import url as database_url
from alertbot.redaction import Redactor
from alertbot.settings import Settings

REDACTOR = Redactor()
"""The process's one redactor: logging is process-wide, and so are the secrets it must hide."""


class RedactingFilter(logging.Filter):
    """Bakes the formatted, redacted message and exception text into the record."""

    def __init__(self, redactor: Redactor = REDACTOR) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_alertbot_redacted", False):
            return True
        try:
            message = record.getMessage()
        except Exception as exc:  # a bad format string must not lose the line
            message = f"{record.msg!r} (unformattable: {type(exc).__name__})"
        record.msg = self.redactor(message)
        record.args = None
        if record.exc_info:
            text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
            record.exc_text = self.redactor(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redactor(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor(record.stack_info)
        record._alertbot_redacted = True
        return True


_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "_alertbot_redacted"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (KST), ``level``, ``logger``, ``msg``, extras, ``exc``."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, KST).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        return orjson.dumps(line, default=str).decode()


class HumanFormatter(logging.Formatter):
    """``2025-03-04 09:00:01 KST WARNING alertbot.feeds: …`` — Korean time, like the alerts."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        return datetime.fromtimestamp(record.created, KST).strftime("%Y-%m-%d %H:%M:%S KST")


NOISY_LOGGERS = ("httpx", "httpcore", "telegram", "slack_sdk", "aiohttp.access", "websockets")
"""Libraries that log every request at INFO (and URLs with a bot token, headers with a Slack
token at DEBUG): only their warnings are worth a line. Set here, when logging is set up, not
by any module on import."""


def setup_logging(
    level: str = "INFO",
    fmt: str = "human",
    secrets: Iterable[str | None] = (),
    stream: IO[str] | None = None,
) -> logging.Handler:
    """Replace the root handlers with one on ``stream`` (stderr); redact on every handler."""
    REDACTOR.add(secrets)
    root = logging.getLogger()
    for old in list(root.handlers):
        if isinstance(old, logging.StreamHandler) and getattr(old, "_alertbot", False):
            root.removeHandler(old)
    handler = logging.StreamHandler(stream or sys.stderr)
    handler._alertbot = True  # type: ignore[attr-defined]
    handler.setFormatter(JsonFormatter() if fmt == "json" else HumanFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    quiet_libraries()
    redact_every_handler()
    return handler


def quiet_libraries() -> None:
    """The ``NOISY_LOGGERS`` log warnings only, whatever the root level."""
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLogger().level))


def redact_every_handler() -> None:
    """Put the redacting filter on every root handler that lacks it (also ones added later)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, RedactingFilter) for f in handler.filters):
            handler.addFilter(RedactingFilter())


SECRET_OPTION_KEYS = frozenset(
    {"token", "bot_token", "app_token", "webhook_url", "signing_secret", "secret", "password"}
)
"""Channel option keys whose values are secrets (the rest, like ``chat_id``, are not)."""


def option_secrets(options: Mapping[str, Any]) -> list[str]:
    """The secret values among one channel's options."""
    return [str(v) for k, v in options.items() if k in SECRET_OPTION_KEYS and v]


def settings_secrets(settings: Settings) -> list[str]:
    """Every credential the environment gave."""
    values = []
    for credentials in (settings.kiwoom, settings.ls):
        for secret in (credentials.appkey, credentials.secret, credentials.token):
            if secret is not None:
                values.append(secret.get_secret_value())
    if settings.dart.api_key is not None:
        values.append(settings.dart.api_key.get_secret_value())
    if settings.database is not None:
        values.extend(database_url.secrets(settings.database.get_secret_value()))
    return values
