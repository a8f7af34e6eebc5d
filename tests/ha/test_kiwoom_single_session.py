"""The Kiwoom simulator as the real server: one session per app key, the older one kicked
with R10001 — what two bots on one key would do to each other."""

from __future__ import annotations

import asyncio

import orjson
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from alertbot.feeds.kiwoom import protocol
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator


async def test_a_second_login_with_the_same_key_ends_the_first(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    kiwoom_sim.one_session_per_key = True
    async with (
        asyncio.timeout(10),
        connect(kiwoom_sim.url) as first,
        connect(kiwoom_sim.url) as second,
    ):
        await first.send(protocol.login(SIM_TOKEN))
        assert orjson.loads(await first.recv())["return_code"] == 0
        await second.send(protocol.login(SIM_TOKEN))
        assert orjson.loads(await second.recv())["return_code"] == 0
        kicked = orjson.loads(await first.recv())
        assert (kicked["trnm"], kicked["code"]) == ("SYSTEM", "R10001")
        with pytest.raises(ConnectionClosed):
            await first.recv()
        assert [s.token for s in kiwoom_sim.live] == [SIM_TOKEN]
