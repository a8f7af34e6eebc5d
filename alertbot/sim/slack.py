"""A fake Slack on 127.0.0.1: the Web API (``auth.test``, ``chat.postMessage``,
``conversations.list``) and an incoming-webhook endpoint, answering in the real shapes,
driven by the real slack-sdk.

Web API calls answer HTTP 200 with ``{"ok": true, …}`` or ``{"ok": false, "error": …}``
(``invalid_auth`` for a token it does not know, ``channel_not_found`` for a channel not in
``channels``); a 429 carries a ``Retry-After`` header. Webhooks answer a bare ``ok``.
Script failures as for the Telegram fake: ``fail_next("chat.postMessage", slack_error(…))``.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web

from alertbot.sim.fakehttp import FakeHTTPService, Hang, request_params

__all__ = ["WEBHOOK_PATH", "FakeSlack", "Hang", "SlackMessage", "slack_error", "webhook_error"]

TEXT_LIMIT = 40_000
WEBHOOK_PATH = "/services/T0000/B0000/fakewebhooksecret"
WEBHOOK = "webhook"
"""The ``method`` name webhook posts are recorded and scripted under."""


@dataclass
class SlackMessage:
    via: str
    """The bot token, or ``webhook``."""
    channel: str
    text: str
    blocks: list[dict[str, Any]]
    arrived: float = field(default_factory=time.monotonic)


class FakeSlack(FakeHTTPService):
    """``async with FakeSlack(tokens=["xoxb-1"]) as slack:`` then
    ``AsyncWebClient(token, base_url=slack.base_url)`` or ``AsyncWebhookClient(slack.webhook_url)``.
    """

    def __init__(
        self,
        *args: Any,
        tokens: Iterable[str] = ("xoxb-fake-token",),
        channels: Iterable[str] = ("#alerts", "C0123456"),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.tokens = set(tokens)
        self.channels = set(channels)
        self.conversations: list[dict[str, Any]] = [
            {"id": "C0123456", "name": "alerts", "is_member": True}
        ]
        """What ``conversations.list`` shows (the bot sees these; ``is_member``: it is in)."""
        self.messages: list[SlackMessage] = []
        self._ts = itertools.count(1)

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._api)  # slack-sdk GETs some methods
        app.router.add_post(WEBHOOK_PATH, self._webhook)

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/api/"

    @property
    def webhook_url(self) -> str:
        return f"http://{self.host}:{self.port}{WEBHOOK_PATH}"

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = await request_params(request)
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")

        async def normal() -> web.Response:
            if token not in self.tokens:
                return slack_error("invalid_auth")
            if method == "auth.test":
                return web.json_response(
                    {
                        "ok": True,
                        "team": "fake",
                        "team_id": "T0000",
                        "user": "alertbot",
                        "user_id": "U0000",
                    }
                )
            if method == "conversations.list":
                return web.json_response(
                    {"ok": True, "channels": self.conversations, "response_metadata": {}}
                )
            if method != "chat.postMessage":
                return slack_error("unknown_method")
            channel = str(params.get("channel", ""))
            if channel not in self.channels:
                return slack_error("channel_not_found")
            refusal = _refusal(params)
            if refusal is not None:
                return slack_error(refusal)
            self._record(token, channel, params)
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            return web.json_response({"ok": True, "channel": channel, "ts": ts})

        return await self.answer(method, params, normal)

    async def _webhook(self, request: web.Request) -> web.Response:
        params = await request_params(request)

        async def normal() -> web.Response:
            refusal = _refusal(params)
            if refusal is not None:
                return webhook_error(400, refusal)
            self._record(WEBHOOK, "", params)
            return web.Response(text="ok")

        return await self.answer(WEBHOOK, params, normal)

    def _record(self, via: str, channel: str, params: dict[str, Any]) -> None:
        blocks = params.get("blocks") or []
        self.messages.append(
            SlackMessage(via, channel, str(params.get("text", "")), list(blocks), self.clock())
        )


LIMITS = {"header": 150, "section": 3000}
"""Characters a block's text may hold, counted as sent (after escaping)."""


def _refusal(params: dict[str, Any]) -> str | None:
    """The error Slack answers for a message it will not post, or None."""
    blocks = params.get("blocks") or []
    if isinstance(blocks, str):
        blocks = orjson.loads(blocks)
    text = str(params.get("text") or "")
    if not text.strip() and not blocks:
        return "no_text"
    if len(text) > TEXT_LIMIT:
        return "msg_too_long"
    for block in blocks:
        limit = LIMITS.get(block.get("type", ""))
        body = str((block.get("text") or {}).get("text", ""))
        if limit is not None and (len(body) > limit or not body.strip()):
            return "invalid_blocks"
    return None


def slack_error(error: str, status: int = 200, retry_after: int | None = None) -> web.Response:
    """A Web API failure: ``{"ok": false, "error": …}``, with ``Retry-After`` for a 429."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.json_response({"ok": False, "error": error}, status=status, headers=headers)


def webhook_error(status: int, body: str, retry_after: int | None = None) -> web.Response:
    """An incoming-webhook failure: a status and a bare text body (``invalid_token``, …)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return web.Response(status=status, text=body, headers=headers)
