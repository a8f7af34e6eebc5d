"""Telegram notifier: python-telegram-bot's ``Bot.send_message`` in HTML parse mode.

HTML is the safe parse mode: only ``<``, ``>`` and ``&`` need escaping, where MarkdownV2 fails
the whole send on an unescaped ``(`` in ``삼성전자(005930)``. Long texts are split (by
``Notifier.split``) before escaping, so no part ends inside a tag or an entity.

PTB's own ``AIORateLimiter`` is not used: it does not limit private chats and pauses every
request on one 429. Delivery keeps per-destination limits from ``limits`` instead.
"""

from __future__ import annotations

import html
import logging
import warnings

import httpx
from pydantic import SecretStr, field_validator
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    RetryAfter,
    TelegramError,
    TimedOut,
)

from alertbot.delivery import mute_button
from alertbot.delivery.notifiers.base import (
    DeliveryError,
    Message,
    MessageRejected,
    Notifier,
    NotifierOptions,
    PermanentError,
    RateLimited,
    TransientError,
    Window,
    fingerprint,
    register,
)
from alertbot.i18n import t

DEFAULT_BASE_URL = "https://api.telegram.org/bot"

CHANNEL_REFUSALS = (
    "chat not found",
    "peer_id_invalid",
    "chat_id is empty",
    "bot was kicked",
    "bot is not a member",
    "topic_closed",
    "topic closed",
    "message thread not found",
    "topic_deleted",
    "need administrator rights",
    "not enough rights",
    "have no rights",
    "chat_write_forbidden",
    "chat_restricted",
    "group chat was deactivated",
)
"""Words of a 400 that refuse the chat itself, not the message: the channel stops. Any
other 400 refuses only the message that caused it."""

log = logging.getLogger("alertbot.delivery.telegram")


class TelegramOptions(NotifierOptions):
    token: SecretStr
    chat_id: str
    base_url: str = DEFAULT_BASE_URL
    disable_notification: bool = False
    """Deliver silently (no sound on the phone)."""
    message_thread_id: int | None = None
    """A forum topic in a supergroup."""
    timeout: float = 10.0
    """Seconds to wait for the Bot API's answer."""
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
    max_text = 4096

    def __init__(self, name: str, options: TelegramOptions) -> None:  # type: ignore[override]
        super().__init__(name, options)
        self.token = options.token.get_secret_value()
        self.chat_id = options.chat_id
        """The chat sent to; changes when Telegram says the group became a supergroup."""
        self.bot = Bot(self.token, base_url=options.base_url)
        self._bot_key = f"telegram:{fingerprint(self.token)}"

    def secrets(self) -> list[str]:
        return [self.token]

    def limits(self) -> list[Window]:
        """About 1/s per chat, 20/min per group (negative ids), 30/s per bot (Bot FAQ).

        Windows are counted when a send starts; the service counts arrivals, which jitter
        with the network, so the per-chat windows keep a few percent of margin."""
        chat = f"{self._bot_key}:{self.chat_id}"
        windows = [Window(chat, 1, 1.05)]
        if self.chat_id.startswith("-"):
            windows.append(Window(f"{chat}:minute", 20, 63.0))
        windows.append(Window(self._bot_key, 30, 1.0))
        return windows

    async def check(self) -> None:
        """``getMe``: a rejected token is found at start, not at the first alert."""
        try:
            await self.bot.initialize()
        except TelegramError as exc:
            raise self._classify(exc) from None

    async def close(self) -> None:
        await self.bot.shutdown()

    async def send(self, message: Message) -> str:
        try:
            return await self._send(message)
        except ChatMigrated as exc:
            log.warning(
                "%s: the group became a supergroup; sending to chat_id %s "
                "(update the channel's chat_id)",
                self.name,
                exc.new_chat_id,
            )
            self.chat_id = str(exc.new_chat_id)
            try:
                return await self._send(message)
            except TelegramError as again:
                raise self._classify(again) from None
        except TelegramError as exc:
            raise self._classify(exc) from None

    async def _send(self, message: Message) -> str:
        """HTML with a 🔕 button; the safe form is the bare text."""
        if message.safe:
            return await self._post(message.text, None, None)
        markup = None
        if message.mute is not None:
            data = mute_button.encode(*message.mute)
            markup = InlineKeyboardMarkup(
                [[InlineKeyboardButton(mute_button.label(), callback_data=data)]]
            )
        return await self._post(to_html(message.text), ParseMode.HTML, markup)

    async def _post(
        self, text: str, parse_mode: str | None, markup: InlineKeyboardMarkup | None
    ) -> str:
        sent = await self.bot.send_message(
            chat_id=self.chat_id,
            text=text,
            parse_mode=parse_mode,
            reply_markup=markup,
            disable_notification=self.options.disable_notification,
            message_thread_id=self.options.message_thread_id,
            read_timeout=self.options.timeout,
            write_timeout=self.options.timeout,
            connect_timeout=self.options.timeout,
        )
        return str(sent.message_id)

    def _classify(self, exc: TelegramError) -> DeliveryError:
        """Map PTB's errors to delivery's three. Order matters: ``BadRequest`` and
        ``TimedOut`` subclass ``NetworkError``, and a bad request must not be retried."""
        what = self.redact(exc.message)
        if isinstance(exc, RetryAfter):
            with warnings.catch_warnings():  # PTB 22 warns that it becomes a timedelta
                warnings.simplefilter("ignore")
                delay = exc.retry_after
            seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
            return RateLimited(f"telegram 429: retry after {seconds:g}s", seconds)
        if isinstance(exc, InvalidToken):
            return PermanentError(t("delivery.token_rejected", service="telegram", error=what))
        if isinstance(exc, Forbidden):
            return PermanentError(f"telegram 403: {what}")
        if isinstance(exc, BadRequest):
            lowered = exc.message.lower()
            if any(words in lowered for words in CHANNEL_REFUSALS):
                return PermanentError(f"telegram 400: {what}")
            return MessageRejected(f"telegram 400: {what}")
        if isinstance(exc, ChatMigrated):
            return PermanentError(t("delivery.chat_migrated", chat_id=exc.new_chat_id))
        if isinstance(exc, TimedOut):
            # A connect or pool timeout means nothing was sent; any other timeout means the
            # request went out and the answer did not come back.
            sent = not isinstance(exc.__cause__, httpx.ConnectTimeout | httpx.PoolTimeout)
            return TransientError(f"telegram: timed out ({what})", maybe_delivered=sent)
        return TransientError(f"telegram: {type(exc).__name__}: {what}")
