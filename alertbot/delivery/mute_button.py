"""The 🔕 button under a Telegram alert: its ``callback_data``, written by the Telegram
notifier and read back by the command poller (alertbot/ops/commands.py) when pressed.

Telegram allows 64 bytes of ``callback_data``. A rule named in Korean can exceed that, so a
long name travels as a digest and is matched against the rules in force when pressed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection

from alertbot.i18n import t

SECONDS = 3600
LIMIT = 64
_PLAIN, _HASHED = "m1h", "m1h#"


def label() -> str:
    """The button's text, in the language in use (it mutes for ``SECONDS``)."""
    return t("button.mute_1h")


def _digest(rule: str) -> str:
    return hashlib.sha256(rule.encode()).hexdigest()[:16]


def encode(rule: str, symbol: str) -> str:
    """``callback_data`` for muting ``rule`` about ``symbol``; always within 64 bytes."""
    data = f"{_PLAIN}|{symbol}|{rule}"
    if len(data.encode()) <= LIMIT:
        return data
    return f"{_HASHED}|{symbol[:20]}|{_digest(rule)}"


def decode(data: str, rules: Collection[str]) -> tuple[str, str] | None:
    """(rule, symbol) from a press, or None when the data names none of ``rules``."""
    kind, _, rest = data.partition("|")
    symbol, _, ref = rest.partition("|")
    if kind == _PLAIN and ref in rules:
        return ref, symbol
    if kind == _HASHED:
        return next(((rule, symbol) for rule in rules if _digest(rule) == ref), None)
    return None
