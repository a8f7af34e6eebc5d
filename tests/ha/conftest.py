"""The two-process group the end-to-end HA tests share; each module sets its ``LEASE``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.telegram import FakeTelegram
from tests.ha.processes import Group


@pytest.fixture
async def group(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    pg_url: str,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
) -> AsyncIterator[Group]:
    world = Group(tmp_path, pg_url, kiwoom_sim, fake_telegram, lease=request.module.LEASE)
    try:
        yield world
    finally:
        await world.close()
