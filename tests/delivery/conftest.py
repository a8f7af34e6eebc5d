"""Delivery test helpers: a virtual clock, alerts, and a Delivery wired to the fakes."""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alertbot.alerts import Alert
from alertbot.delivery.clock import Clock
from alertbot.delivery.notifiers import Notifier, build_notifier
from alertbot.delivery.pipeline import Delivery
from alertbot.delivery.worker import Policy
from alertbot.events import KST
from alertbot.sim.slack import FakeSlack
from alertbot.state import StateDB

TOKEN = "123456:secret-telegram-token"


class VirtualClock(Clock):
    """Sleeping advances time at once, so seconds of backoff and pacing cost nothing."""

    def __init__(self) -> None:
        self.t = 1000.0
        self.start = datetime(2026, 3, 9, 9, 0, tzinfo=KST)
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.start + timedelta(seconds=self.t - 1000.0)

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds
        await asyncio.sleep(0)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as fake:
        yield fake


def alert(
    symbol: str,
    name: str = "종목",
    *,
    channels: tuple[str, ...] = ("phone",),
    rule: str = "vi-watch",
    created: datetime | None = None,
    text: str | None = None,
) -> Alert:
    display = f"{name}({symbol})"
    return Alert(
        rule=rule,
        event_key=f"vi|{symbol}|20260309|090512|triggered",
        channels=channels,
        text=text or f"⚡ VI 발동 {display}\n정적 VI · 상승 · 발동가 78,400원 (+10.02%)",
        kind="vi",
        symbol=symbol,
        summary=f"{display} 78,400 (+10.02%)",
        event_time=created or datetime(2026, 3, 9, 9, 0, tzinfo=KST),
        created_at=created or datetime(2026, 3, 9, 9, 0, tzinfo=KST),
    )


def telegram(base_url: str, chat_id: str = "424242", **options: Any) -> dict[str, Any]:
    return {"type": "telegram", "token": TOKEN, "chat_id": chat_id, "base_url": base_url} | options


def slack(fake: FakeSlack, **options: Any) -> dict[str, Any]:
    """A Slack bot channel on the fake."""
    spec = {"type": "slack", "token": "xoxb-fake-token", "channel": "#alerts"}
    return spec | {"base_url": fake.base_url} | options


@asynccontextmanager
async def running(
    channels: Mapping[str, dict[str, Any]],
    path: Path,
    clock: Clock,
    *,
    admin: tuple[str, ...] = (),
    policy: Policy | None = None,
) -> AsyncIterator[Delivery]:
    """A started Delivery over a state file; closed (not drained) on exit."""
    state = StateDB(path)
    notifiers: dict[str, Notifier] = {
        name: build_notifier(name, spec["type"], {k: v for k, v in spec.items() if k != "type"})
        for name, spec in channels.items()
    }
    policy = policy or Policy(probe_every=math.inf)  # a stopped channel stays stopped
    delivery = Delivery(notifiers, state, admin=admin, clock=clock, policy=policy)
    await delivery.start()
    try:
        yield delivery
    finally:
        await delivery.close()
        state.close()
