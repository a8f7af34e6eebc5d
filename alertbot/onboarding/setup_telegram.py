"""``alertbot setup telegram``: from a bot token to the ``chat_id`` alerts go to.

The Bot API gives no way to look a chat up: the bot only learns a chat's id when someone
writes to it there. So this checks the token (``getMe``), asks the user to write to the bot
(or add it to a group, or write in a forum topic), waits for that update with ``getUpdates``
and prints the chat's id — writing it into the env file when asked. Updates are read without
being confirmed, so nothing is taken away from the bot's own command polling.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot, Update
from telegram.error import Conflict, Forbidden, InvalidToken, TelegramError

from alertbot.delivery.notifiers.telegram import DEFAULT_BASE_URL
from alertbot.i18n import lookup, t
from alertbot.onboarding.envfile import find_secret, set_env_values

POLL_SECONDS = 20
"""One long poll; the whole wait is ``timeout``."""


class SetupError(Exception):
    """What went wrong and what to do, in one or two lines for the user."""


@dataclass(frozen=True, slots=True)
class FoundChat:
    chat_id: int
    kind: str
    """private, group, supergroup or channel."""
    title: str
    thread_id: int | None = None
    """The forum topic the message was written in."""


def find_token(given: str | None, env: dict[str, str], env_file: Path | None) -> str:
    """``--token``, else ``TELEGRAM_BOT_TOKEN`` (environment, then env file), else ask."""
    prompt = t("setup.telegram.prompt")
    token = find_secret(given, "TELEGRAM_BOT_TOKEN", env, env_file, prompt)
    if token is None:
        raise SetupError(t("setup.telegram.no_token"))
    return token


def chat_of(update: Update) -> FoundChat | None:
    """The chat an update comes from: a message (a topic's id too), or the bot being added."""
    message = update.effective_message
    chat = update.effective_chat
    if chat is None:
        return None
    if message is not None and message.migrate_to_chat_id:
        # The group became a supergroup: its old id no longer takes messages.
        return FoundChat(message.migrate_to_chat_id, "supergroup", chat.title or "")
    title = chat.title or " ".join(filter(None, (chat.first_name, chat.last_name))) or ""
    thread = message.message_thread_id if message is not None and message.is_topic_message else None
    return FoundChat(chat.id, chat.type, title, thread)


async def wait_for_chat(bot: Bot, timeout: float) -> FoundChat:
    """The chat of the newest update, waiting up to ``timeout`` seconds for one."""
    offset: int | None = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while (remaining := deadline - loop.time()) > 0:
        try:
            updates = await bot.get_updates(
                offset=offset,
                timeout=int(min(POLL_SECONDS, max(1, remaining))),
                read_timeout=POLL_SECONDS + 10,
            )
        except Conflict as exc:
            raise SetupError(t("setup.telegram.conflict", error=exc.message)) from None
        for update in reversed(updates):
            found = chat_of(update)
            if found is not None:
                return found
        if updates:
            offset = updates[-1].update_id + 1
    raise SetupError(t("setup.telegram.timeout", seconds=timeout))


async def setup_telegram(
    token: str,
    *,
    base_url: str = DEFAULT_BASE_URL,
    env_file: Path | None = None,
    timeout: float = 300.0,
    say: Callable[[str], None] = print,
) -> FoundChat:
    """Check the token, wait for a chat, confirm by posting there, report (and store) the id."""
    try:
        async with Bot(token, base_url=base_url) as bot:
            me = bot.bot
            say(t("setup.telegram.token_ok", username=me.username, name=me.first_name))
            say(t("setup.telegram.waiting", username=me.username, seconds=timeout))
            found = await wait_for_chat(bot, timeout)
            await bot.send_message(
                found.chat_id, t("setup.connected"), message_thread_id=found.thread_id
            )
    except InvalidToken:
        raise SetupError(t("setup.telegram.refused")) from None
    except Forbidden as exc:
        raise SetupError(t("setup.telegram.forbidden", error=exc.message)) from None
    except TelegramError as exc:
        raise SetupError(t("setup.telegram.api_error", error=exc.message)) from None
    kind = lookup(f"setup.telegram.kind.{found.kind}") or found.kind
    say(t("setup.telegram.found", kind=kind, title=found.title).rstrip())
    say(f"TELEGRAM_CHAT_ID={found.chat_id}")
    values = {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_CHAT_ID": str(found.chat_id)}
    if found.thread_id is not None:
        say(t("setup.telegram.thread", thread=found.thread_id))
        values["TELEGRAM_THREAD_ID"] = str(found.thread_id)
    if env_file is not None:
        set_env_values(env_file, values)
        say(t("setup.saved", path=env_file, keys=", ".join(values)))
    return found
