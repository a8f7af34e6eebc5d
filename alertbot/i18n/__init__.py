"""The message catalog: every user-facing string, one module per language.

``ko`` (the default) and ``en`` hold the same keys with the same ``{fields}``; a test walks
them all. ``ALERTBOT_LANG`` picks the language (read on first use; ``use`` sets it). Code asks
for text by key — ``t("feed.down", feed="kiwoom", ...)`` — and never writes a sentence itself.
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping

from alertbot.i18n import en, ko

CATALOGS: dict[str, Mapping[str, str]] = {"ko": ko.MESSAGES, "en": en.MESSAGES}
MARKET_STATUS: dict[str, Mapping[str, str]] = {"ko": ko.MARKET_STATUS, "en": en.MARKET_STATUS}
DEFAULT = "ko"
_language: str | None = None


def language() -> str:
    """The language in use: ``use``'s, else ``ALERTBOT_LANG``'s (unknown values: Korean)."""
    global _language
    if _language is None:
        wanted = os.environ.get("ALERTBOT_LANG", "").strip().lower()
        _language = wanted if wanted in CATALOGS else DEFAULT
    return _language


def use(lang: str | None) -> None:
    """Speak ``lang`` from now on (None: read ``ALERTBOT_LANG`` again on next use)."""
    global _language
    if lang is not None and lang not in CATALOGS:
        raise ValueError(f"unknown language {lang!r} (known: {', '.join(CATALOGS)})")
    _language = lang


def template(key: str) -> str:
    """The raw text for ``key`` in the language in use."""
    return CATALOGS[language()][key]


def t(key: str, /, **fields: object) -> str:
    """The text for ``key`` with its ``{fields}`` filled in."""
    return template(key).format(**fields)


def lookup(key: str) -> str | None:
    """The text for ``key`` when the catalog has one (for keys built from data)."""
    return CATALOGS[language()].get(key)


def market_status(group: str, code: str) -> str | None:
    """A market status's label in the language in use (``stocks``/``derivatives``, LS code)."""
    return MARKET_STATUS[language()].get(f"{group}:{code}")


def duration(seconds: float) -> str:
    """A span as people say it in the language in use: ``45초``, ``3분``, ``2시간 5분``."""
    whole = int(seconds)
    if whole < 60:
        return t("duration.seconds", seconds=whole)
    if whole < 3600:
        return t("duration.minutes", minutes=whole // 60)
    hours, minutes = divmod(whole // 60, 60)
    if minutes:
        return t("duration.hours_minutes", hours=hours, minutes=minutes)
    return t("duration.hours", hours=hours)


def fields_of(text: str) -> set[str]:
    """The field names a catalog text uses (``{count:,}`` → ``count``)."""
    names = set()
    for _, name, _, _ in string.Formatter().parse(text):
        if name:
            names.add(name.split(".", 1)[0].split("[", 1)[0])
    return names
