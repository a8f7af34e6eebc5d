"""Coming back from faults: a stopped channel resumes when its service takes a message again,
a delete that failed never causes a resend, rows of a removed channel are reported once and
kept, and the first outbox format is carried over."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from pathlib import Path

import orjson

from alertbot.delivery.store import DeliveryStore
from alertbot.delivery.worker import Policy
from alertbot.sim.slack import FakeSlack
from alertbot.sim.telegram import FakeTelegram, error_response
from alertbot.state import StateDB
from tests.delivery.conftest import VirtualClock, alert, running, slack, telegram


class WatchedClock(VirtualClock):
    """A virtual clock that says when delivery waited on it."""

    def __init__(self) -> None:
        super().__init__()
        self.waited = asyncio.Event()

    async def sleep(self, seconds: float) -> None:
        self.waited.set()
        await super().sleep(seconds)

    async def until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        async with asyncio.timeout(timeout):
            while not predicate():
                self.waited.clear()
                await self.waited.wait()


async def test_a_stopped_channel_resumes_when_its_service_takes_a_message_again(
    tmp_path: Path, fake_telegram: FakeTelegram, fake_slack: FakeSlack, clock: VirtualClock
) -> None:
    fake_telegram.fail_next("sendMessage", error_response(403, "Forbidden: bot was blocked"))
    channels = {"phone": telegram(fake_telegram.base_url), "desk": slack(fake_slack)}
    policy = Policy(probe_every=300.0)
    async with running(channels, tmp_path / "s.db", clock, admin=("desk",), policy=policy) as d:
        d.submit(alert("005930", "삼성전자"))
        await fake_slack.wait_for(lambda: any("복구" in m.text for m in fake_slack.messages))
        await d.drain()
        assert d.problems() == [] and d.pending() == 0
    assert 300.0 in clock.sleeps, "tried again after probe_every"
    notices = [m.text for m in fake_slack.messages]
    assert ["중지" in n for n in notices] == [True, False]
    assert [m.text.count("삼성전자(005930)") for m in fake_telegram.messages] == [1]


async def test_a_failed_delete_deletes_again_and_never_resends(
    tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    clock = WatchedClock()
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        conn = d.store.conn
        conn.executescript(
            """
            CREATE TABLE broken (on_ INTEGER);
            INSERT INTO broken VALUES (1);
            CREATE TRIGGER no_delete BEFORE DELETE ON outbox WHEN (SELECT on_ FROM broken)
            BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;
            """
        )
        d.submit(alert("005930", "삼성전자"))
        await clock.until(lambda: clock.sleeps.count(Policy().backoff_max) >= 3)  # refused
        conn.execute("UPDATE broken SET on_ = 0")
        await d.drain()
        assert d.pending() == 0
    assert len(fake_telegram.messages) == 1


async def test_rows_of_a_removed_channel_are_reported_once_and_kept(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    path = tmp_path / "s.db"
    both = {
        "phone": telegram(fake_telegram.base_url),
        "old": telegram(fake_telegram.base_url, "777"),
    }
    await fake_telegram.stop()
    async with running(both, path, clock) as d:
        for symbol in ("005930", "000660"):
            d.submit(alert(symbol, channels=("old",)))
        d.flush()
    await fake_telegram.start()
    only_phone = {"phone": both["phone"]}
    for _ in range(2):
        async with running(only_phone, path, clock, admin=("phone",)) as d:
            await d.drain()
            assert d.dead_letters() == 2 and d.pending() == 0
    [notice] = [m.text for m in fake_telegram.messages]
    assert "'old'" in notice and "2건" in notice


async def test_the_first_outbox_format_is_carried_over(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    path = tmp_path / "s.db"
    with sqlite3.connect(path) as db:
        db.execute(
            "CREATE TABLE delivery_outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT,"
            " body BLOB, created REAL, uncertain INTEGER NOT NULL DEFAULT 0)"
        )
        body = {
            "kind": "vi",
            "text": "⚡ VI 발동 삼성전자(005930)",
            "symbol": "005930",
            "rule": "v",
        }
        db.execute(
            "INSERT INTO delivery_outbox (channel, body, created, uncertain) VALUES (?, ?, ?, 1)",
            ("phone", orjson.dumps(body), clock.now().timestamp()),
        )
    async with running({"phone": telegram(fake_telegram.base_url)}, path, clock) as d:
        await d.drain()
    [sent] = fake_telegram.messages
    assert "삼성전자(005930)" in sent.text and "🔁 재전송" in sent.text
    state = StateDB(path)
    assert DeliveryStore(state).counts() == {}
    assert state.conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'delivery_outbox'"
    ).fetchone() == (0,)
    state.close()
