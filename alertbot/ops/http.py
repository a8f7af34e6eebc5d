"""``/healthz``, ``/readyz`` and ``/metrics`` on ``ALERTBOT_HTTP``, and the probe behind
``alertbot healthcheck``.

``/healthz`` answers whenever the event loop does: it is what a container runtime should
restart on. ``/readyz`` is stricter (rules loaded, every feed logged in, delivery moving) and
flips to 503 when a broker drops the connection — which happens every night — so it is for
dashboards and alerts on the bot itself, not for restarts.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Protocol

import orjson
from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from alertbot.settings import HostPort

ProblemsSource = Callable[[], list[str]]
"""Returns what is wrong right now; an empty list means healthy (or ready)."""


class Renders(Protocol):
    def render(self) -> bytes: ...


class OpsServer:
    """``await server.start()`` serves until ``await server.stop()``."""

    def __init__(
        self,
        address: HostPort,
        *,
        metrics: Renders,
        alive: ProblemsSource,
        ready: ProblemsSource,
        about: Callable[[], dict[str, object]] | None = None,
    ) -> None:
        self.address = address
        self.metrics = metrics
        self.alive = alive
        self.ready = ready
        self.about = about
        """Extra fields for ``/readyz`` (in an HA group: role, leader, epoch)."""
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/readyz", self._readyz)
        app.router.add_get("/metrics", self._metrics)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.address.host, self.address.port)
        await self._site.start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def port(self) -> int:
        """The bound port (``ALERTBOT_HTTP=127.0.0.1:0`` picks a free one)."""
        assert self._site is not None and self._site._server is not None, "start() first"
        return self._site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    @staticmethod
    def _answer(problems: list[str], about: dict[str, object] | None = None) -> web.Response:
        body = orjson.dumps({"ok": not problems, "problems": problems, **(about or {})})
        return web.Response(
            body=body + b"\n", status=503 if problems else 200, content_type="application/json"
        )

    async def _healthz(self, _request: web.Request) -> web.Response:
        return self._answer(self.alive())

    async def _readyz(self, _request: web.Request) -> web.Response:
        return self._answer(self.ready(), self.about() if self.about is not None else None)

    async def _metrics(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )


def local_address(address: HostPort) -> HostPort:
    """Where to reach a server bound to ``address`` from the same host (0.0.0.0 → 127.0.0.1)."""
    wildcard = {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1", "*": "127.0.0.1"}
    return HostPort(wildcard.get(address.host, address.host), address.port)


def probe(address: HostPort, path: str = "/healthz", timeout: float = 3.0) -> tuple[bool, str]:
    """GET the running bot's endpoint: (healthy, one line saying why)."""
    target = local_address(address)
    host = f"[{target.host}]" if ":" in target.host else target.host
    url = f"http://{host}:{target.port}{path}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status == 200, f"{url}: {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"{url}: {exc.code} {exc.read(500).decode('utf-8', 'replace').strip()}"
    except (OSError, ValueError) as exc:
        return False, f"{url}: {exc}"
