"""Simulators for the stock-master tests (the Kiwoom one comes from tests/conftest.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from tenacity import wait_none

from alertbot.delivery.notifiers.base import Message, Notifier, register
from alertbot.sim.ls import LsSimulator

NO_WAIT = wait_none()
"""Retries at once: tests check that a retry happens, not how long it waits."""


@pytest.fixture
async def ls_sim() -> AsyncIterator[LsSimulator]:
    async with LsSimulator() as simulator:
        yield simulator


class Inbox:
    """What a ``memory`` channel was sent: the alerts as text, waited on without sleeping."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.changed = asyncio.Condition()

    async def add(self, text: str) -> None:
        async with self.changed:
            self.texts.append(text)
            self.changed.notify_all()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(predicate)


INBOX = Inbox()


@register
class MemoryNotifier(Notifier):
    """A channel without a service (no rate limit, so no storm digests): these tests read
    what the alerts say, delivery has its own tests against the fake chat servers."""

    type = "memory"

    async def send(self, message: Message) -> None:
        await INBOX.add(message.text)


@pytest.fixture
def inbox() -> Inbox:
    INBOX.texts.clear()
    return INBOX
