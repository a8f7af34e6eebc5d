"""A fake Telegram Bot API server on 127.0.0.1 for tests and benchmarks.

It answers the methods python-telegram-bot calls (``getMe``, ``sendMessage``, ``getUpdates``,
``answerCallbackQuery``, …) in the real JSON shape, records every message, and can be scripted
to fail the way the real service does: ``fail_next("sendMessage", error_response(429, …,
retry_after=1))``, a ``Hang``, or a standing rule in ``failures``. Point the client at it
with ``base_url=fake.base_url``.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from alertbot.sim.fakehttp import FakeHTTPService, Hang, request_params

BOT_ID = 7000000001
TEXT_LIMIT = 4096

__all__ = ["BOT_ID", "FakeTelegram", "Hang", "SentMessage", "UpdateQueue", "error_response"]


@dataclass
class SentMessage:
    token: str
    chat_id: str
    text: str
    params: dict[str, Any]
    arrived: float = field(default_factory=time.monotonic)


class FakeTelegram(FakeHTTPService):
    """``async with FakeTelegram() as tg:`` then ``Bot(token, base_url=tg.base_url)``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.messages: list[SentMessage] = []
        self.updates = UpdateQueue(self._changed)
        """What ``getUpdates`` hands out: script it with ``push_message`` / ``push_callback``."""
        self._message_ids = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/bot{token}/{method}", self._handle)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    async def start(self) -> FakeTelegram:
        self.updates.reopen()
        await super().start()
        return self

    async def stop(self) -> None:
        await self.updates.close()
        await super().stop()

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = request.match_info["token"]
        params = await request_params(request)

        async def normal() -> web.Response:
            refusal = _refusal(params) if method == "sendMessage" else None
            if refusal is not None:
                return error_response(400, refusal)
            result = await self._result(token, method, params)
            return web.json_response({"ok": True, "result": result})

        return await self.answer(method, params, normal)

    async def _result(self, token: str, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "alertbot",
                "username": "alertbot_test_bot",
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            }
        if method == "sendMessage":
            return self._send_message(token, params)
        if method == "getUpdates":
            return await self.updates.get(params)
        return True

    def _send_message(self, token: str, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = str(params.get("chat_id", ""))
        text = str(params.get("text", ""))
        self.messages.append(SentMessage(token, chat_id, text, params, self.clock()))
        numeric = int(chat_id) if chat_id.lstrip("-").isdigit() else 0
        result: dict[str, Any] = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": {"id": numeric, "type": "supergroup" if numeric < 0 else "private"},
            "text": text,
        }
        if params.get("message_thread_id"):
            result["message_thread_id"] = int(params["message_thread_id"])
        return result


class UpdateQueue:
    """Scripted updates for ``getUpdates``, with the Bot API's offset and long-poll rules.

    An update is handed out until a later ``getUpdates`` passes an ``offset`` above its id (that
    confirms it); with ``timeout``, an empty poll waits for the next update that long.
    """

    def __init__(self, changed: asyncio.Condition) -> None:
        self._changed = changed
        self._pending: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._closed = False
        self.confirmed = 0
        """The highest update id a client has confirmed (by polling with a higher offset)."""

    async def push(self, update: dict[str, Any]) -> int:
        """Queue one update (without ``update_id``; it is assigned); returns its id."""
        update_id = next(self._ids)
        self._pending.append({"update_id": update_id, **update})
        async with self._changed:
            self._changed.notify_all()
        return update_id

    async def push_message(
        self, chat_id: int, text: str, user_id: int | None = None, thread_id: int | None = None
    ) -> int:
        """A user's text message (a command when it starts with ``/``); ``thread_id``: written
        in that forum topic of a supergroup."""
        message = _message(chat_id, text, user_id or chat_id)
        if thread_id is not None:
            message["chat"].update(type="supergroup", title="트레이딩", is_forum=True)
            message.update(message_thread_id=thread_id, is_topic_message=True)
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self.push({"message": message})

    async def push_added(self, chat_id: int, title: str, user_id: int = 1) -> int:
        """The bot was added to the group ``chat_id`` (a ``my_chat_member`` update)."""
        chat = {"id": chat_id, "type": "supergroup", "title": title}
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "alertbot"}
        return await self.push(
            {
                "my_chat_member": {
                    "chat": chat,
                    "from": _user(user_id),
                    "date": int(time.time()),
                    "old_chat_member": {"status": "left", "user": bot},
                    "new_chat_member": {"status": "member", "user": bot},
                }
            }
        )

    async def push_callback(
        self, chat_id: int, data: str, user_id: int | None = None, message_id: int = 1
    ) -> int:
        """A press on an inline button under the bot's message ``message_id`` in ``chat_id``."""
        message = _message(chat_id, "alert", BOT_ID, message_id)
        message["from"]["is_bot"] = True
        user = _user(user_id or chat_id)
        return await self.push(
            {
                "callback_query": {
                    "id": f"cbq-{next(self._query_ids)}",
                    "from": user,
                    "chat_instance": f"ci-{chat_id}",
                    "message": message,
                    "data": data,
                }
            }
        )

    async def get(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)
        async with self._changed:
            if offset > self.confirmed + 1:
                self.confirmed = offset - 1
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                self._changed.notify_all()  # tests wait for a confirmation
            if not self._pending and timeout > 0 and not self._closed:
                try:
                    async with asyncio.timeout(timeout):
                        await self._changed.wait_for(lambda: bool(self._pending) or self._closed)
                except TimeoutError:
                    pass
        return list(self._pending)

    def reopen(self) -> None:
        """The server is (re)starting: long polls wait again."""
        self._closed = False

    async def close(self) -> None:
        """End every waiting long poll (the server is stopping)."""
        self._closed = True
        async with self._changed:
            self._changed.notify_all()


def _user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": "trader", "language_code": "ko"}


def _message(chat_id: int, text: str, user_id: int, message_id: int = 0) -> dict[str, Any]:
    return {
        "message_id": message_id or chat_id % 100000,
        "date": int(time.time()),
        "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
        "from": _user(user_id),
        "text": text,
    }


def _refusal(params: dict[str, Any]) -> str | None:
    """What the Bot API says about a text it will not show: sizes count the text after its
    HTML entities are parsed, in UTF-16 units."""
    text = str(params.get("text", ""))
    if params.get("parse_mode") == "HTML":
        text = html.unescape(re.sub(r"</?[a-z]+>", "", text))
    if not text.strip():
        return "Bad Request: message text is empty"
    if len(text.encode("utf-16-le")) // 2 > TEXT_LIMIT:
        return "Bad Request: message is too long"
    return None


def error_response(
    code: int,
    description: str,
    retry_after: int | None = None,
    migrate_to_chat_id: int | None = None,
) -> web.Response:
    """The Bot API's error shape: ``{"ok": false, "error_code": …, "description": …}``."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    parameters: dict[str, Any] = {}
    if retry_after is not None:
        parameters["retry_after"] = retry_after
    if migrate_to_chat_id is not None:
        parameters["migrate_to_chat_id"] = migrate_to_chat_id
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=code)
