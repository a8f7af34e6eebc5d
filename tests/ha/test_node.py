"""Group members on a real PostgreSQL, each serving real HTTP: one runs the bot, the other
stands by (ready, naming the leader and epoch); a clean stop or a lost database hands over.

The bot a term runs is a recorder here: what the node starts, stops and announces is the
subject. The real ``alertbot run`` processes are in ``test_two_processes``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import pytest

from alertbot.ha.node import Node
from alertbot.ha.term import Term
from alertbot.ops.metrics import Metrics
from alertbot.settings import HostPort
from tests.ha.support import Cuttable, migrated
from tests.ops_support import get
from tests.pgcluster import Cluster
from tests.test_ops_http import samples

RULES = """
channels: {log: {type: console}}
defaults: {notify: [log], admin: [log]}
rules: [{name: vi-all, event: vi}]
"""


class RecordingBot:
    """Stands in for ``App``: records its term, its start and stop, and its notices."""

    def __init__(self, term: Term, changed: asyncio.Event) -> None:
        self.term = term
        self.metrics = Metrics()
        self.accepting = False
        self.started = self.stopped = False
        self.drained: bool | None = None
        self.notices: list[str] = []
        self.changed = changed
        self.view = self  # it answers /readyz itself

    async def start(self) -> None:
        self.started = self.accepting = True
        self.changed.set()

    async def stop(self, drain: bool = True) -> None:
        self.stopped, self.drained, self.accepting = True, drain, False
        self.changed.set()

    def readiness(self) -> list[str]:
        return []

    def admin_notice(self, text: str, level: int = logging.WARNING) -> None:
        self.notices.append(text)


class Member:
    def __init__(self, url: str, rules: Path) -> None:
        self.bots: list[RecordingBot] = []
        self.changed = asyncio.Event()
        self.node = Node(
            url,
            self._bot,
            rules_path=rules,
            http=HostPort("127.0.0.1", 0),
            lease_seconds=1.0,
            renew_every=0.2,
        )

    def _bot(self, term: Term) -> RecordingBot:
        bot = RecordingBot(term, self.changed)
        self.bots.append(bot)
        return bot

    @property
    def running(self) -> RecordingBot | None:
        live = [b for b in self.bots if b.started and not b.stopped]
        assert len(live) <= 1
        return live[0] if live else None

    async def until(self, predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        async with asyncio.timeout(timeout):
            while not predicate():
                self.changed.clear()
                await self.changed.wait()

    async def readyz(self) -> tuple[int, dict[str, object]]:
        status, body = await get(self.node.http, "/readyz")
        return status, orjson.loads(body)


@asynccontextmanager
async def member(url: str, rules: Path) -> AsyncIterator[Member]:
    m = Member(url, rules)
    await m.node.start()
    try:
        yield m
    finally:
        async with asyncio.timeout(10):
            await m.node.stop()


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


async def test_one_member_runs_the_bot_the_other_stands_by_ready(pg_url: str, rules: Path) -> None:
    async with member(pg_url, rules) as first:
        await first.until(lambda: first.running is not None)
        async with member(pg_url, rules) as second:
            await poll_role(second, "standby", first.node.me)
            assert second.bots == [] and first.running is not None
            status, body = await second.readyz()
            assert status == 200
            assert body["role"] == "standby" and body["leader"] == first.node.me
            status, body = await first.readyz()
            assert status == 200 and body["role"] == "leader" and body["epoch"] == 1
            _, metrics = await get(second.node.http, "/metrics")
            values = samples(metrics)
            assert values[("alertbot_ha_leader", ())] == 0
            assert values[("alertbot_ha_epoch", ())] == 1
            _, metrics = await get(first.node.http, "/metrics")
            assert samples(metrics)[("alertbot_ha_leader", ())] == 1
        assert first.running is not None
        assert first.running.notices == [f"👑 리더: {first.node.me} (epoch 1)"]
        assert first.running.term.epoch == 1
        assert first.node.describe() == f"HA 리더: {first.node.me} (이 인스턴스), epoch 1"


async def test_a_clean_stop_drains_then_hands_over(pg_url: str, rules: Path) -> None:
    async with member(pg_url, rules) as first:
        await first.until(lambda: first.running is not None)
        async with member(pg_url, rules) as second:
            await poll_role(second, "standby", first.node.me)
            bot = first.running
            assert bot is not None
            await first.node.stop()
            assert bot.stopped and bot.drained
            await second.until(lambda: second.running is not None)
            assert second.running is not None
            assert second.running.term.epoch == 2
            (notice,) = second.running.notices
            assert notice == f"👑 리더: {second.node.me} (epoch 2), {first.node.me}에게서 넘겨받음"


async def test_a_leader_cut_off_from_the_database_stops_its_bot(
    pg_cluster: Cluster, pg_url: str, rules: Path
) -> None:
    async with migrated(pg_url), Cuttable(pg_cluster.port) as link:
        url = link.url(pg_url)
        async with member(url, rules) as cut:
            await cut.until(lambda: cut.running is not None)
            bot = cut.running
            assert bot is not None
            async with member(pg_url, rules) as other:
                await poll_role(other, "standby", cut.node.me)
                link.cut()
                await cut.until(lambda: bot.stopped)
                assert bot.drained is False and not bot.accepting
                await other.until(lambda: other.running is not None)
                status, body = await cut.readyz()
                assert status == 503 and body["role"] == "standby"
                (problem,) = body["problems"]  # type: ignore[misc]
                assert problem.startswith("상태 DB: "), problem
                assert pg_cluster.password not in orjson.dumps(body).decode()


async def poll_role(m: Member, role: str, leader: str) -> None:
    """Until the member's /readyz names ``role`` and ``leader`` (it renews every 0.2 s)."""
    async with asyncio.timeout(10):
        while True:
            _, body = await m.readyz()
            if body["role"] == role and body["leader"] == leader:
                return
            await asyncio.sleep(0.05)
