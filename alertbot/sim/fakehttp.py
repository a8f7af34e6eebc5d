"""What the fake chat services share: an aiohttp server on 127.0.0.1 that records requests,
wakes waiters, and answers from a script before answering normally.

A script is per method: ``fail_next("sendMessage", error, error)`` makes the next two calls
fail. An answer is a ready ``web.Response`` or a ``Hang`` (no answer until the fake stops or
``release()``, optionally after doing the work — "delivered, but the answer was lost").
``failures`` holds standing rules (``(method, params) -> Response | None``), asked in order.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web


@dataclass(frozen=True, slots=True)
class Hang:
    """Keep the request open without answering; ``deliver`` does the work first."""

    deliver: bool = False


Answer = web.Response | Hang
Failure = Callable[[str, dict[str, Any]], web.Response | None]


class FakeHTTPService:
    """Subclasses add routes in ``routes`` and call ``answer`` from their handlers."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.host = host
        self._port = port
        self.clock = clock
        """Stamps ``arrived`` on what the fake records; tests pass their virtual clock."""
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.failures: list[Failure] = []
        self.delay = 0.0
        """Seconds between doing a request's work and answering it: keeps requests in flight
        (a crash test kills the client while the service has shown a message unanswered)."""
        self._script: dict[str, deque[Answer]] = defaultdict(deque)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._changed = asyncio.Condition()
        self._release = asyncio.Event()

    def routes(self, app: web.Application) -> None:
        raise NotImplementedError

    async def start(self) -> FakeHTTPService:
        app = web.Application()
        self.routes(app)
        self._release = asyncio.Event()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self._port)
        await self._site.start()
        self._port = self.port
        return self

    async def stop(self) -> None:
        """Stop answering; the port stays this fake's, so ``start`` again comes back on it."""
        self._release.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = self._site = None

    async def __aenter__(self) -> Any:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._site is None or self._site._server is None:
            return self._port
        return self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    def fail_next(self, method: str, *answers: Answer) -> None:
        """The next calls of ``method`` get these answers, in order."""
        self._script[method].extend(answers)

    def release(self) -> None:
        """Let every hanging request finish (with a 502)."""
        self._release.set()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(predicate)

    async def answer(
        self, method: str, params: dict[str, Any], normal: Callable[[], Awaitable[web.Response]]
    ) -> web.Response:
        """Record the call, then answer from the script, the standing failures, or ``normal``."""
        self.requests.append((method, params))
        await self._changed_now()  # a test may wait for a long poll to be under way
        try:
            scripted = self._script[method].popleft() if self._script[method] else None
            if isinstance(scripted, Hang):
                if scripted.deliver:
                    await normal()
                await self._changed_now()
                await self._release.wait()
                return web.Response(status=502, text="released")
            if scripted is not None:
                return scripted
            for failure in self.failures:
                response = failure(method, params)
                if response is not None:
                    return response
            answer = await normal()
            if self.delay:
                await asyncio.sleep(self.delay)
            return answer
        finally:
            await self._changed_now()

    async def _changed_now(self) -> None:
        async with self._changed:
            self._changed.notify_all()


async def request_params(request: web.Request) -> dict[str, Any]:
    """Clients post form or JSON bodies; accept both, plus the query string."""
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
