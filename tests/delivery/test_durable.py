"""Dedupe and the outbox in one process: repeats dropped, restarts resume, nothing twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.delivery.store import DeliveryStore
from alertbot.sim.telegram import FakeTelegram
from alertbot.state import StateDB
from tests.delivery.conftest import VirtualClock, alert, running, telegram


async def test_a_repeated_event_is_sent_once(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930"))
        d.submit(alert("005930"))  # the same frame again, after a reconnect
        await d.drain()
        d.submit(alert("005930"))
        await d.drain()
    assert len(fake_telegram.messages) == 1


async def test_dedupe_is_per_channel(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    channels = {
        "a": telegram(fake_telegram.base_url, "1"),
        "b": telegram(fake_telegram.base_url, "2"),
    }
    async with running(channels, tmp_path / "s.db", clock) as d:
        d.submit(alert("005930", channels=("a",)))
        d.submit(alert("005930", channels=("a", "b")))
        await d.drain()
    assert sorted(m.chat_id for m in fake_telegram.messages) == ["1", "2"]


async def test_an_alert_rebuilt_after_a_restart_is_not_sent_again(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    path = tmp_path / "s.db"
    channels = {"phone": telegram(fake_telegram.base_url)}
    async with running(channels, path, clock) as d:
        d.submit(alert("005930"))
        await d.drain()
    async with running(channels, path, clock) as d:
        d.submit(alert("005930"))
        d.submit(alert("000660"))
        await d.drain()
    assert ["005930" in m.text for m in fake_telegram.messages] == [True, False]
    assert len(fake_telegram.messages) == 2


async def test_pending_alerts_survive_a_restart_and_go_once(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    path = tmp_path / "s.db"
    channels = {"phone": telegram(fake_telegram.base_url)}
    await fake_telegram.stop()  # the chat service is down
    async with running(channels, path, clock) as d:
        d.submit(alert("005930"))
        d.submit(alert("000660"))
        d.flush()
    state = StateDB(path)
    assert DeliveryStore(state).counts() == {"phone": 2}, "stored before any send succeeded"
    state.close()
    await fake_telegram.start()
    async with running(channels, path, clock) as d:
        await d.drain()
    state = StateDB(path)
    assert DeliveryStore(state).counts() == {}
    state.close()
    texts = "\n".join(m.text for m in fake_telegram.messages)
    assert texts.count("005930") == 1 and texts.count("000660") == 1


async def test_notices_are_durable_and_go_in_order(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        d.notice(["phone"], "🤖 first")
        d.notice(["phone", "unknown"], "🤖 second")
        await d.drain()
    assert [m.text for m in fake_telegram.messages] == ["<b>🤖 first</b>", "<b>🤖 second</b>"]


async def test_the_console_is_never_behind_so_never_gets_digests(
    tmp_path: Path, clock: VirtualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with running({"log": {"type": "console"}}, tmp_path / "s.db", clock) as d:
        for i in range(6):
            d.submit(alert(f"00000{i}", channels=("log",)))
        await d.drain()
    out = capsys.readouterr().out
    assert out.count("[log] ⚡ VI 발동") == 6 and "종목\n" not in out
