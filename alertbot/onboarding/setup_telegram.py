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
    prompt = "텔레그램 봇 토큰 (@BotFather가 준 123456:ABC… 형식): "
    token = find_secret(given, "TELEGRAM_BOT_TOKEN", env, env_file, prompt)
    if token is None:
        raise SetupError(
            "봇 토큰이 없습니다: --token으로 주거나 TELEGRAM_BOT_TOKEN을 설정하세요 "
            "(텔레그램에서 @BotFather → /newbot 으로 만듭니다)"
        )
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
            raise SetupError(
                "다른 프로그램이 이 봇의 업데이트를 읽고 있습니다 "
                f"({exc.message}): 실행 중인 alertbot을 잠시 멈추거나, "
                "웹훅을 쓰는 봇이면 deleteWebhook 후 다시 실행하세요"
            ) from None
        for update in reversed(updates):
            found = chat_of(update)
            if found is not None:
                return found
        if updates:
            offset = updates[-1].update_id + 1
    raise SetupError(
        f"{timeout:.0f}초 동안 메시지가 오지 않았습니다: 봇에게 메시지를 보냈는지, "
        "그룹이라면 봇을 추가한 뒤 /start@봇이름 을 보냈는지 확인하고 다시 실행하세요"
    )


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
            say(f"✅ 토큰 확인: @{me.username} ({me.first_name})")
            say(
                f"👉 텔레그램에서 @{me.username} 에게 아무 메시지나 보내세요.\n"
                "   그룹으로 받으려면 봇을 그룹에 추가하고 그룹에서 /start@"
                f"{me.username} 을 보내세요 (포럼 토픽이면 그 토픽 안에서).\n"
                f"   기다리는 중… (최대 {timeout:.0f}초)"
            )
            found = await wait_for_chat(bot, timeout)
            await bot.send_message(
                found.chat_id,
                "✅ alertbot 연결 완료: 알림이 여기로 옵니다",
                message_thread_id=found.thread_id,
            )
    except InvalidToken:
        raise SetupError(
            "텔레그램이 토큰을 거부했습니다: @BotFather → /mybots 에서 토큰을 다시 복사하세요"
        ) from None
    except Forbidden as exc:
        raise SetupError(
            f"봇이 이 채팅에 글을 쓸 수 없습니다 ({exc.message}): 채널이면 봇을 관리자로 추가하세요"
        ) from None
    except TelegramError as exc:
        raise SetupError(f"텔레그램 API 오류: {exc.message}") from None
    where = f"{found.kind} {found.title}".strip()
    say(f"✅ 채팅 발견: {where}")
    say(f"TELEGRAM_CHAT_ID={found.chat_id}")
    values = {"TELEGRAM_BOT_TOKEN": token, "TELEGRAM_CHAT_ID": str(found.chat_id)}
    if found.thread_id is not None:
        say(f"TELEGRAM_THREAD_ID={found.thread_id}   (포럼 토픽: 채널에 message_thread_id로)")
        values["TELEGRAM_THREAD_ID"] = str(found.thread_id)
    if env_file is not None:
        set_env_values(env_file, values)
        say(f"📝 {env_file}에 저장했습니다 ({', '.join(values)})")
    return found
