"""A fake Telegram Bot API server on 127.0.0.1 for tests and benchmarks.

It answers the methods python-telegram-bot calls (``getMe``, ``sendMessage``, …) in the real
JSON shape, records every message, and can be scripted to fail the way the real service does.
Point the client at it with ``base_url=fake.base_url``.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_ID = 7000000001


@dataclass
class SentMessage:
    token: str
    chat_id: str
    text: str
    params: dict[str, Any]
    arrived: float = field(default_factory=time.monotonic)


class FakeTelegram:
    """``async with FakeTelegram() as tg:`` then ``Bot(token, base_url=tg.base_url)``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.messages: list[SentMessage] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._message_ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self.failures: list[Callable[[str, dict[str, Any]], web.Response | None]] = []
        """Scripted answers: each is asked in turn; the first to return a response wins."""

    async def start(self) -> FakeTelegram:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, 0)
        await self._site.start()
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        assert self._site is not None and self._site._server is not None
        return self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bot"

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await _params(request)
        self.requests.append((method, params))
        try:
            for failure in self.failures:
                response = failure(method, params)
                if response is not None:
                    return response
            return web.json_response({"ok": True, "result": self._result(request, method, params)})
        finally:
            async with self._changed:
                self._changed.notify_all()

    def _result(self, request: web.Request, method: str, params: dict[str, Any]) -> Any:
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
            chat_id = str(params.get("chat_id", ""))
            text = str(params.get("text", ""))
            self.messages.append(SentMessage(request.match_info["token"], chat_id, text, params))
            return {
                "message_id": next(self._message_ids),
                "date": int(time.time()),
                "chat": {
                    "id": int(chat_id) if chat_id.lstrip("-").isdigit() else 0,
                    "type": "private",
                },
                "text": text,
            }
        return True


def error_response(code: int, description: str, retry_after: int | None = None) -> web.Response:
    """The Bot API's error shape: ``{"ok": false, "error_code": …, "description": …}``."""
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return web.json_response(body, status=code)


async def _params(request: web.Request) -> dict[str, Any]:
    """python-telegram-bot posts form or JSON bodies; accept both, plus the query string."""
    params: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                params.update(body)
        else:
            form = await request.post()
            params.update({k: v for k, v in form.items() if isinstance(v, str)})
    return params
