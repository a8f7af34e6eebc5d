"""Steering the bot from Telegram: ``/status``, ``/rules``, ``/mute``, ``/unmute``, ``/test``,
and the 🔕 button under every alert.

One poller per bot token (two pollers on one token make Telegram answer 409 Conflict) reads
``getUpdates`` with python-telegram-bot. Deny by default: only chats in the channel's
``allowed_chats`` (default: its own ``chat_id``) are answered; anything else — a stranger who
found the bot, a group it was added to — is ignored, counted and logged, never answered.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from telegram import Bot, CallbackQuery, Message, Update
from telegram.error import Conflict, Forbidden, InvalidToken, TelegramError

from alertbot.delivery import mute_button
from alertbot.engine.rules import RuleSet, parse_duration
from alertbot.i18n import duration, t
from alertbot.ops.metrics import FeedView, Metrics
from alertbot.ops.mutes import ALL_SYMBOLS, MuteStore

log = logging.getLogger("alertbot.ops.commands")
T = TypeVar("T")


class Control(Protocol):
    """What commands read and do in the running bot (``App`` provides it)."""

    mutes: MuteStore

    @property
    def ruleset(self) -> RuleSet | None: ...

    def feed_views(self) -> list[FeedView]: ...

    def outbox_depth(self) -> int: ...

    def leadership(self) -> str | None: ...

    def unserved(self) -> list[str]:
        """Rules that no running feed can serve, as lines (empty when every rule is served)."""
        ...

    def dead_letters(self) -> int: ...

    def send_test(self, channels: tuple[str, ...]) -> None: ...


@dataclass(slots=True)
class CommandBot:
    """One bot token's command poller, serving the channels that use that token."""

    token: str = field(repr=False)
    base_url: str
    allowed_chats: dict[str, tuple[str, ...]]
    """Chat id → the channels an alert from ``/test`` there goes to."""
    control: Control
    metrics: Metrics
    poll_timeout: float = 25.0
    retry_delay: float = 5.0
    bot: Bot = field(init=False)

    def __post_init__(self) -> None:
        self.bot = Bot(self.token, base_url=self.base_url)

    async def run(self) -> None:
        """Poll until cancelled; transient errors wait ``retry_delay``, a bad token stops."""
        try:
            if await self._call(self._initialize):
                await self._poll()
        finally:
            await self.bot.shutdown()

    async def _initialize(self) -> bool:
        await self.bot.initialize()  # getMe: our @username, to tell our commands from others'
        return True

    async def _poll(self) -> None:
        offset: int | None = None
        while True:
            updates = await self._call(
                functools.partial(
                    self.bot.get_updates,
                    offset=offset,
                    timeout=int(self.poll_timeout),
                    allowed_updates=["message", "callback_query"],
                )
            )
            if updates is None:
                return
            for update in updates:
                offset = update.update_id + 1
                try:
                    await self.handle(update)
                except TelegramError as exc:
                    log.warning("telegram commands: answer failed: %s", exc.message)
                except Exception:  # one odd update must not end the commands
                    log.exception("telegram commands: update %s failed", update.update_id)

    async def _call(self, request: Callable[[], Awaitable[T]]) -> T | None:
        """``request()`` until it succeeds; None when the token is refused (no use retrying)."""
        while True:
            try:
                return await request()
            except (InvalidToken, Forbidden) as exc:
                log.error("telegram commands stopped: %s", exc.message)
                return None
            except Conflict:
                log.warning("telegram commands: another program polls this bot's updates")
            except TelegramError as exc:
                log.warning("telegram commands: %s", exc.message)
            await asyncio.sleep(self.retry_delay)

    async def handle(self, update: Update) -> None:
        if update.callback_query is not None:
            await self._button(update.callback_query)
        elif update.message is not None and update.message.text:
            await self._command(update.message)

    def _allowed(self, chat_id: int | None, what: str) -> bool:
        if chat_id is not None and str(chat_id) in self.allowed_chats:
            return True
        self.metrics.commands_ignored.inc()
        log.warning(
            "telegram commands: ignored %s from chat %s (not in allowed_chats)", what, chat_id
        )
        return False

    async def _command(self, message: Message) -> None:
        text = message.text or ""
        if not text.startswith("/"):
            return
        head, *args = text.split()
        name, _, addressee = head[1:].partition("@")
        if addressee and addressee.lower() != (self.bot.username or "").lower():
            return  # a command for another bot in the same group
        if not self._allowed(message.chat_id, f"/{name}"):
            return
        reply = self.answer(name.lower(), args, str(message.chat_id))
        await self.bot.send_message(chat_id=message.chat_id, text=reply)

    def answer(self, name: str, args: list[str], chat: str) -> str:
        """The reply to one command from an allowed chat."""
        handler = _COMMANDS.get(name)
        self.metrics.command(name if handler else "unknown")
        return handler(self, args, chat) if handler else t("cmd.help")

    async def _button(self, query: CallbackQuery) -> None:
        chat_id = query.message.chat.id if query.message is not None else None
        if not self._allowed(chat_id, "button"):
            return
        ruleset = self.control.ruleset
        target = mute_button.decode(query.data or "", _rule_names(ruleset))
        if target is None:
            await query.answer(t("cmd.button.unknown"))
            return
        rule, symbol = target
        self.control.mutes.mute(rule, symbol, mute_button.SECONDS)
        self.metrics.command("button_mute")
        log.info("muted %s for %s for 1h (button)", rule, symbol or "every symbol")
        await query.answer(t("cmd.button.muted", rule=rule, target=symbol or t("cmd.all")))

    # ------------------------------------------------------------------ commands

    def _status(self, _args: list[str], _chat: str) -> str:
        lines = []
        for feed in self.control.feed_views():
            state = t("cmd.status.up") if feed.status.ready else None
            state = state or feed.status.stopped or t("cmd.status.down")
            last = feed.status.last_event_at
            seen = t("cmd.status.last_event", at=f"{last:%H:%M:%S}") if last else None
            seen = seen or t("cmd.status.no_event")
            lines.append(t("cmd.status.feed", feed=feed.name, state=state, seen=seen))
        if not lines:
            lines.append(t("cmd.status.no_feeds"))
        lines.append(t("cmd.status.outbox", count=self.control.outbox_depth()))
        dead = self.control.dead_letters()
        if dead:
            lines.append(t("cmd.status.dead", count=dead))
        ruleset = self.control.ruleset
        lines.append(t("cmd.status.rules", count=len(ruleset.rules) if ruleset else 0))
        lines.extend(self.control.unserved())
        leadership = self.control.leadership()
        if leadership is not None:
            lines.append(leadership)
        lines.extend(_mute_lines(self.control.mutes))
        return "\n".join(lines)

    def _rules(self, _args: list[str], _chat: str) -> str:
        ruleset = self.control.ruleset
        if ruleset is None or not ruleset.rules:
            return t("cmd.rules.none")
        muted = {m.rule for m in self.control.mutes.active()}
        lines = []
        for located in ruleset.rules:
            rule = located.rule
            marks = ("" if rule.enabled else t("cmd.rules.disabled")) + (
                " 🔕" if rule.name in muted else ""
            )
            lines.append(f"{rule.name} — {rule.event}{marks}")
        return "\n".join(lines)

    def _mute(self, args: list[str], _chat: str) -> str:
        if not args or len(args) > 2:
            return t("cmd.mute.usage")
        rule = args[0]
        if rule not in _rule_names(self.control.ruleset):
            return t("cmd.mute.unknown", rule=rule)
        seconds = None
        if len(args) == 2:
            try:
                seconds = parse_duration(args[1]).total_seconds()
            except ValueError as exc:
                return str(exc)
        self.control.mutes.mute(rule, ALL_SYMBOLS, seconds)
        log.info(
            "muted %s %s (command)", rule, "until /unmute" if seconds is None else f"for {args[1]}"
        )
        if seconds is None:
            return t("cmd.mute.until_unmute", rule=rule)
        return t("cmd.mute.for", rule=rule, duration=duration(seconds))

    def _unmute(self, args: list[str], _chat: str) -> str:
        if len(args) != 1:
            return t("cmd.unmute.usage")
        lifted = self.control.mutes.unmute(args[0])
        log.info("unmuted %s (command)", args[0])
        return t("cmd.unmute.done" if lifted else "cmd.unmute.not_muted", rule=args[0])

    def _test(self, _args: list[str], chat: str) -> str:
        channels = self.allowed_chats.get(chat, ())
        self.control.send_test(channels)
        return t("cmd.test.sent", channels=", ".join(channels))

    def _help(self, _args: list[str], _chat: str) -> str:
        return t("cmd.help")


_COMMANDS: dict[str, Callable[[CommandBot, list[str], str], str]] = {
    "status": CommandBot._status,
    "rules": CommandBot._rules,
    "mute": CommandBot._mute,
    "unmute": CommandBot._unmute,
    "test": CommandBot._test,
    "help": CommandBot._help,
    "start": CommandBot._help,
}


def _rule_names(ruleset: RuleSet | None) -> set[str]:
    return {located.rule.name for located in ruleset.rules} if ruleset else set()


def _mute_lines(mutes: MuteStore) -> list[str]:
    lines = []
    for mute in mutes.active():
        target = f"{mute.rule} · {mute.symbol}" if mute.symbol else mute.rule
        lines.append(f"🔕 {target}" + (t("cmd.until_unmute") if mute.until is None else ""))
    return lines


@dataclass(frozen=True, slots=True)
class TelegramChannel:
    """The parts of a telegram channel's options that commands need."""

    name: str
    token: str = field(repr=False)
    base_url: str
    chat_id: str
    allowed_chats: tuple[str, ...] | None
    commands: bool


def command_bots(
    channels: Iterable[TelegramChannel], control: Control, metrics: Metrics, **options: float
) -> list[CommandBot]:
    """One ``CommandBot`` per (token, server); its allowed chats are its channels' together."""
    by_bot: dict[tuple[str, str], dict[str, list[str]]] = {}
    for channel in channels:
        if not channel.commands:
            continue
        chats = by_bot.setdefault((channel.token, channel.base_url), {})
        for chat in (
            channel.allowed_chats if channel.allowed_chats is not None else (channel.chat_id,)
        ):
            chats.setdefault(str(chat), []).append(channel.name)
    return [
        CommandBot(
            token,
            base_url,
            {chat: tuple(names) for chat, names in chats.items()},
            control,
            metrics,
            **options,
        )
        for (token, base_url), chats in by_bot.items()
    ]
