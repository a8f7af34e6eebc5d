"""LS fixtures: the simulator on loopback and the vendor's example frames."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from alertbot.sim.ls import LsSimulator
from tests.conftest import golden


def golden_ls(name: str) -> Any:
    """A vendor example under tests/golden/ls, decoded (see tests/golden/README.md)."""
    return orjson.loads(golden(f"ls/{name}"))


@pytest.fixture
async def ls_sim() -> AsyncIterator[LsSimulator]:
    async with LsSimulator() as simulator:
        yield simulator
