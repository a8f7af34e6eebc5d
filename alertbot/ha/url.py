"""The ``postgresql://`` form of ``ALERTBOT_STATE``: recognised, checked, and shown redacted.

The URI carries the database password. It is kept as a secret by the settings and only ever
shown through ``redacted`` (``postgresql://alertbot:***@db:5432/alertbot``).
"""

from __future__ import annotations

from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

from alertbot.i18n import t

SCHEMES = ("postgresql", "postgres")


def is_postgres_url(value: str) -> bool:
    """Whether ``ALERTBOT_STATE`` names a PostgreSQL database rather than a SQLite file."""
    return value.partition("://")[0].lower() in SCHEMES and "://" in value


def redacted(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``; safe for logs and errors."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://***"
    netloc, query = parts.netloc, parts.query
    if parts.password is not None:
        netloc = f"{parts.username or ''}:***@{netloc.rpartition('@')[2]}"
    pairs = parse_qsl(query, keep_blank_values=True)
    if any(key == "password" for key, _ in pairs):  # libpq also takes ?password=…
        hidden = [(key, "***" if key == "password" else value) for key, value in pairs]
        query = urlencode(hidden, safe="/*")
    return SplitResult(parts.scheme, netloc, parts.path, query, parts.fragment).geturl()


def check(url: str) -> str | None:
    """What is wrong with ``url`` as a database address (None: nothing we can tell offline)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return t("settings.state.invalid", error=exc)
    if not parts.path.strip("/"):
        return t("settings.state.no_database")
    return None


def secrets(url: str) -> list[str]:
    """The password in ``url`` (as written and decoded), for the log redactor."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return [url]
    raw = parts.netloc.rpartition("@")[0].partition(":")[2] if parts.password else ""
    found = [raw, unquote(raw)] if raw else []
    found += [value for key, value in parse_qsl(parts.query) if key == "password" and value]
    return found
