"""Telegram notifier: python-telegram-bot's ``Bot.send_message`` in HTML parse mode."""

from __future__ import annotations

import html

from pydantic import SecretStr, field_validator
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
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

from alertbot.delivery import mute_button
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
    allowed_chats: list[str] | None = None
    """Chats whose commands the bot answers (alertbot/ops/commands.py); default: chat_id."""
    commands: bool = True
    """False when another program polls this bot's updates."""

    @field_validator("chat_id", mode="before")
    @classmethod
    def _chat_id_text(cls, value: object) -> object:
        return _id_text(value)

    @field_validator("allowed_chats", mode="before")
    @classmethod
    def _allowed_text(cls, value: object) -> object:
        return [_id_text(v) for v in value] if isinstance(value, list) else value


def _id_text(value: object) -> object:
    """Chat ids may be written as numbers in YAML; Telegram's answers compare as text."""
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

    async def send(self, text: str, *, mute: tuple[str, str] | None = None) -> None:
        markup = None
        if mute is not None:
            data = mute_button.encode(*mute)
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(mute_button.TEXT, callback_data=data)]]
            )
        try:
            await self.bot.send_message(
                chat_id=self.options.chat_id,
                text=to_html(text),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
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
