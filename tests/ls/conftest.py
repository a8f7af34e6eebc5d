"""LS fixtures: the simulator on loopback and the vendor's example frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from alertbot.sim.ls import LsSimulator
from alertbot.subscriptions import Subscriptions
from tests.conftest import golden

EVERYTHING = Subscriptions(vi=True, ticks=frozenset({"005930"}), fills=True, market=True, news=True)
EVERYTHING_TOPICS = {
    ("JIF", "0"),
    ("NWS", "NWS001"),
    ("VI_", "000000"),
    ("SC0", ""),
    ("SC1", ""),
    ("SC2", ""),
    ("SC3", ""),
    ("SC4", ""),
    ("S3_", "005930"),
    ("K3_", "005930"),
}
"""Every subscription kind the LS feed serves, and the (tr_cd, tr_key) topics they become."""


def golden_ls(name: str) -> Any:
    """A vendor example under tests/golden/ls, decoded (see tests/golden/README.md)."""
    return orjson.loads(golden(f"ls/{name}"))


@pytest.fixture
async def ls_sim() -> AsyncIterator[LsSimulator]:
    async with LsSimulator() as simulator:
        yield simulator
