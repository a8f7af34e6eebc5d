"""Telegram notifier: python-telegram-bot's ``Bot.send_message`` in HTML parse mode."""

from __future__ import annotations

import html

from pydantic import SecretStr, field_validator
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from alertbot.delivery.notifiers.base import (
    Notifier,
    NotifierOptions,
    PermanentError,
    RateLimited,
    TransientError,
    register,
)

DEFAULT_BASE_URL = "https://api.telegram.org/bot"


class TelegramOptions(NotifierOptions):
    token: SecretStr
    chat_id: str
    base_url: str = DEFAULT_BASE_URL

    @field_validator("chat_id", mode="before")
    @classmethod
    def _chat_id_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def to_html(text: str) -> str:
    """Escape for HTML parse mode and make the first line bold."""
    headline, _, rest = text.partition("\n")
    body = f"<b>{html.escape(headline, quote=False)}</b>"
    return f"{body}\n{html.escape(rest, quote=False)}" if rest else body


@register
class TelegramNotifier(Notifier):
    type = "telegram"
    Options = TelegramOptions
    options: TelegramOptions

    def __init__(self, name: str, options: TelegramOptions) -> None:  # type: ignore[override]
        super().__init__(name, options)
        self.bot = Bot(options.token.get_secret_value(), base_url=options.base_url)

    async def start(self) -> None:
        await self.bot.initialize()

    async def close(self) -> None:
        await self.bot.shutdown()

    async def send(self, text: str) -> None:
        try:
            await self.bot.send_message(
                chat_id=self.options.chat_id, text=to_html(text), parse_mode=ParseMode.HTML
            )
        except RetryAfter as exc:
            delay = exc.retry_after
            seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
            raise RateLimited(f"telegram 429: retry after {seconds:g}s", seconds) from None
        except (Forbidden, InvalidToken, ChatMigrated) as exc:
            raise PermanentError(f"telegram: {type(exc).__name__}: {exc.message}") from None
        except BadRequest as exc:
            raise PermanentError(f"telegram 400: {exc.message}") from None
        except (TimedOut, NetworkError) as exc:
            raise TransientError(f"telegram: {type(exc).__name__}: {exc.message}") from None
        except TelegramError as exc:
            raise TransientError(f"telegram: {exc.message}") from None
