"""The notifier contract and registry, and the errors every notifier raises.

A notifier puts one formatted message on one service. It does not retry, queue or dedupe:
those are delivery's job. It classifies every failure as one of three errors so that delivery
can decide: try again later, wait exactly this long, or stop this channel.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError


class DeliveryError(Exception):
    """A send failed. ``str()`` never contains a token or webhook URL."""


class TransientError(DeliveryError):
    """Timeouts, 5xx, network: the same send may succeed later."""


class RateLimited(DeliveryError):
    """The service said to wait ``retry_after`` seconds before the next send."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(DeliveryError):
    """Bot blocked, chat not found, bad token: retrying cannot help; stop the channel."""


class NotifierOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Notifier(ABC):
    """Subclasses set ``type`` and ``Options`` and implement ``send``."""

    type: ClassVar[str]
    Options: ClassVar[type[NotifierOptions]] = NotifierOptions

    def __init__(self, name: str, options: NotifierOptions) -> None:
        self.name = name
        self.options = options

    async def start(self) -> None:  # noqa: B027 - optional hook
        """Open clients; called once before the first send."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release clients."""

    @abstractmethod
    async def send(self, text: str, *, mute: tuple[str, str] | None = None) -> None:
        """Deliver ``text`` (plain; first line is the headline) or raise a ``DeliveryError``.

        ``mute`` is the alert's (rule, symbol): services with buttons offer to mute it.
        """


NOTIFIERS: dict[str, type[Notifier]] = {}


def register(cls: type[Notifier]) -> type[Notifier]:
    NOTIFIERS[cls.type] = cls
    return cls


def validate_options(type_: str, options: dict[str, Any]) -> NotifierOptions:
    """Check a channel's keys for its type; raise ``ValueError`` with a readable message."""
    cls = NOTIFIERS.get(type_)
    if cls is None:
        raise ValueError(f"unknown channel type {type_!r} (known: {', '.join(sorted(NOTIFIERS))})")
    try:
        return cls.Options.model_validate(options)
    except ValidationError as exc:
        parts = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            what = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
            parts.append(f"{where}: {what}" if where else what)
        raise ValueError("; ".join(parts)) from None


def build_notifier(name: str, type_: str, options: dict[str, Any]) -> Notifier:
    return NOTIFIERS[type_](name, validate_options(type_, options))


NotifierFactory = Callable[[str, str, dict[str, Any]], Notifier]
