"""DART fixtures: the OpenDART simulator on loopback, and filings dated today (KST)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pytest

from alertbot.events import KST, now_kst
from alertbot.sim.dart import DartSimulator, filing


@pytest.fixture
async def dart_sim() -> AsyncIterator[DartSimulator]:
    async with DartSimulator() as simulator:
        yield simulator


def rcept(serial: int, when: datetime | None = None) -> str:
    """A 접수번호 of ``when``'s day (today, KST, by default)."""
    day = (when or now_kst()).astimezone(KST).strftime("%Y%m%d")
    return f"{day}{serial:06d}"


def buyback(serial: int, **kwargs: str) -> dict[str, str]:
    return filing(rcept(serial), "삼성전자", "005930", "주요사항보고서(자기주식취득결정)", **kwargs)
