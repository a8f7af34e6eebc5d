"""The notifier contract and registry, the message it sends, and the errors it raises.

A notifier puts one formatted message on one service. It does not retry, queue, dedupe or
rate-limit: those are delivery's job. It tells delivery how long a message may be, which rate
limits its destination has (``limits``), and classifies every failure by what it says: try
again later, wait exactly this long, this one message is refused (``MessageRejected``: send it
in a safe form, then set it aside), or the channel itself is refused (``PermanentError``:
stop the channel).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from alertbot.delivery.notifiers.split import split_text, utf16_len
from alertbot.engine.invalid import HIDDEN, describe, key_path
from alertbot.i18n import t
from alertbot.redaction import Redactor


class DeliveryError(Exception):
    """A send failed. ``str()`` never contains a token or webhook URL."""


class TransientError(DeliveryError):
    """Timeouts, 5xx, network: the same send may succeed later.

    ``maybe_delivered`` is set when the request went out but no answer came back (a read
    timeout): the service may have shown the message, so a resend can duplicate it.
    """

    def __init__(self, message: str, *, maybe_delivered: bool = False) -> None:
        super().__init__(message)
        self.maybe_delivered = maybe_delivered


class RateLimited(DeliveryError):
    """The service said to wait ``retry_after`` seconds before the next send."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """The channel is refused (bot blocked, chat not found, bad token): no message can go
    until the configuration changes, so the channel stops and says why."""


class MessageRejected(DeliveryError):
    """This one message is refused (too long, bad markup, bad button…); others can go."""


MuteTarget = tuple[str, str]
"""``(rule, symbol)``: what a "🔕 1h" button under an alert would silence."""


@dataclass(frozen=True, slots=True)
class Message:
    """What a notifier sends: plain text (first line is the headline) plus optional extras.

    ``mute`` names the rule and symbol of a single alert so that a notifier able to show
    buttons (Telegram's inline keyboard) can offer to silence it; digests and notices have
    none. Notifiers that cannot show buttons ignore it.
    """

    text: str
    mute: MuteTarget | None = None
    safe: bool = False
    """Send in the plainest form the service takes: no markup, no button, no blocks. Used
    once after the service refused the message as formatted."""


@dataclass(frozen=True, slots=True)
class Window:
    """A rate limit: at most ``count`` sends in any ``seconds`` to the destination ``key``.

    Notifiers that share a destination (two channels, one chat) or an account (one bot
    token) return the same key and so share the limit. Keys never contain secrets.
    """

    key: str
    count: int
    seconds: float


def fingerprint(secret: str) -> str:
    """A short, stable, non-reversible name for a secret, for rate-limit keys and logs."""
    return hashlib.sha256(secret.encode()).hexdigest()[:12]


class NotifierOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notifier(ABC):
    """Subclasses set ``type``, ``Options`` and ``max_text`` and implement ``send``."""

    type: ClassVar[str]
    Options: ClassVar[type[NotifierOptions]] = NotifierOptions
    max_text: ClassVar[int] = 4096
    """The longest text (in UTF-16 code units) one service message takes."""

    def __init__(self, name: str, options: NotifierOptions) -> None:
        self.name = name
        self.options = options

    async def check(self) -> None:  # noqa: B027 - optional hook
        """Ask the service whether the credentials work; raise a ``DeliveryError`` if not.

        Delivery calls it once at start so that a revoked token is reported to the admin
        at once rather than at the first alert, hours later.
        """

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients."""

    def limits(self) -> list[Window]:
        """The destination's rate limits; the first one names the destination itself."""
        return []

    def measure(self, text: str, safe: bool) -> int:
        """How long the service counts ``text`` as sent (after escaping, in UTF-16 units)."""
        return utf16_len(text)

    def split(self, message: Message) -> list[Message]:
        """Cut a message too long for one send into parts between lines; extras ride last."""
        parts = split_text(
            message.text, self.max_text, lambda text: self.measure(text, message.safe)
        )
        if len(parts) == 1:
            return [replace(message, text=parts[0])]
        return [replace(message, text=part, mute=None) for part in parts[:-1]] + [
            replace(message, text=parts[-1])
        ]

    @abstractmethod
    async def send(self, message: Message) -> str | None:
        """Deliver one part (at most ``max_text`` long) or raise a ``DeliveryError``.

        Returns the service's id for the message (Telegram ``message_id``, Slack ``ts``)
        where it gives one."""

    def secrets(self) -> list[str]:
        """Values that must never appear in an error or log line."""
        return []

    def redact(self, text: str) -> str:
        """``text`` with every secret of this notifier replaced by ``«redacted»`` (the mark
        the log filter uses too), so an error can quote what the service said."""
        redactor = Redactor()
        redactor.add(self.secrets())
        return redactor(text)


NOTIFIERS: dict[str, type[Notifier]] = {}


def register(cls: type[Notifier]) -> type[Notifier]:
    NOTIFIERS[cls.type] = cls
    return cls


def validate_options(type_: str, options: dict[str, Any]) -> NotifierOptions:
    """Check a channel's keys for its type; raise ``ValueError("key: what; key: what")`` in
    the catalog's words. A secret's value is never repeated in the message."""
    cls = NOTIFIERS.get(type_)
    if cls is None:
        known = ", ".join(sorted(NOTIFIERS))
        raise ValueError(t("check.channel_type", type=type_, known=known))
    try:
        return cls.Options.model_validate(options)
    except ValidationError as exc:
        fields = cls.Options.model_fields
        secrets = {name for name, field in fields.items() if "SecretStr" in str(field.annotation)}
        parts = []
        for error in exc.errors():
            location = error["loc"]
            if location and location[0] in secrets:
                error["input"] = HIDDEN
            what = describe(error, fields)
            parts.append(
                t("check.at_key", key=key_path(location), problem=what) if location else what
            )
        raise ValueError("; ".join(parts)) from None


def build_notifier(name: str, type_: str, options: dict[str, Any]) -> Notifier:
    return NOTIFIERS[type_](name, validate_options(type_, options))
