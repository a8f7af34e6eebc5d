"""Shared fixtures: simulators and fakes on loopback, and the vendors' golden frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.telegram import FakeTelegram

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden(name: str) -> str:
    """A vendor example frame stored under tests/golden (see its README for the sources)."""
    return (GOLDEN / name).read_text(encoding="utf-8")


@pytest.fixture
async def kiwoom_sim() -> AsyncIterator[KiwoomSimulator]:
    async with KiwoomSimulator() as simulator:
        yield simulator


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake
