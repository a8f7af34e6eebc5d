"""Running until the process is told to stop: what ``alertbot run`` does with a bot or a node."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import Protocol

log = logging.getLogger("alertbot")


class Service(Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


async def run_until_signalled(
    service: Service, reload: Callable[[], Awaitable[object]] | None = None
) -> None:
    """Start ``service``, wait for SIGTERM or SIGINT, then stop it cleanly.
    ``reload``: what SIGHUP does (None: SIGHUP keeps its default); a reload still running
    at the stop is cancelled, so nothing is applied to a stopping bot."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    reloads: set[asyncio.Task[object]] = set()
    if reload is not None:

        def reload_now() -> None:
            task = loop.create_task(reload())  # type: ignore[arg-type]
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        loop.add_signal_handler(signal.SIGHUP, reload_now)
    await service.start()
    try:
        await stop.wait()
    finally:
        log.info("stopping")
        for task in reloads:
            task.cancel()
        await service.stop()
