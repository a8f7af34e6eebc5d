"""Cooldowns committed by delivery: with the alert's outbox rows or not at all, never for a
muted alert, and never stretched by the clock jumping back."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alertbot.delivery.notifiers import build_notifier
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.engine import Engine
from alertbot.events import Vi
from alertbot.state import StateDB
from tests.delivery.conftest import VirtualClock
from tests.engine.support import MONDAY_10AM, ruleset

T = MONDAY_10AM
RULES = "- {name: v, event: vi, cooldown: 5m}"
CRASH_BEFORE_OUTBOX = """
CREATE TRIGGER crash BEFORE INSERT ON outbox BEGIN SELECT RAISE(ABORT, 'killed'); END;
"""


def vi(at: timedelta = timedelta(0)) -> Vi:
    return Vi(source="sim", time=T + at, symbol="005930", name="삼성전자", vi_price=78400)


class Bot:
    """The engine and delivery as the app wires them, over one state file."""

    def __init__(self, folder: Path, clock: VirtualClock, muted: set[str] | None = None):
        self.state = StateDB(folder / "state.db")
        self.cooldowns = Cooldowns(self.state, delivery_commits=True)
        self.engine = Engine(ruleset(folder, RULES), self.cooldowns)
        muted = muted if muted is not None else set()
        self.delivery = Delivery(
            {"log": build_notifier("log", "console", {})},
            self.state,
            clock=clock,
            muted=lambda rule, _symbol: rule in muted,
            cooldowns=self.cooldowns,
        )

    async def __aenter__(self) -> Bot:
        await self.delivery.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.delivery.close()
        self.state.close()

    def evaluate(self, event: Vi, now: timedelta = timedelta(0)) -> int:
        alerts = self.engine.evaluate(event, T + now)
        for alert in alerts:
            self.delivery.submit(alert)
        self.delivery.flush()
        return len(alerts)

    def rows(self, table: str) -> int:
        return self.state.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


async def test_a_crash_before_the_outbox_commit_leaves_no_cooldown_behind(
    tmp_path: Path, clock: VirtualClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async with Bot(tmp_path, clock) as bot:
        bot.state.ensure(CRASH_BEFORE_OUTBOX)
        assert bot.evaluate(vi()) == 1
        assert (bot.rows("rule_cooldowns"), bot.rows("outbox")) == (0, 0), "neither is stored"
    # The process died there. After the restart the feed sends the VI again:
    async with Bot(tmp_path, clock) as bot:
        bot.state.conn.execute("DROP TRIGGER crash")
        assert bot.evaluate(vi()) == 1, "not silenced by a cooldown whose alert was lost"
        await bot.delivery.drain()
        assert bot.rows("rule_cooldowns") == 1
    assert capsys.readouterr().out.count("[log] ⚡") == 1


async def test_a_committed_alert_keeps_its_cooldown_across_a_restart(
    tmp_path: Path, clock: VirtualClock
) -> None:
    async with Bot(tmp_path, clock) as bot:
        assert bot.evaluate(vi()) == 1
        assert (bot.rows("rule_cooldowns"), bot.rows("outbox")) == (1, 1)
    async with Bot(tmp_path, clock) as bot:
        assert bot.evaluate(vi(timedelta(minutes=1)), timedelta(minutes=1)) == 0


async def test_a_muted_alert_starts_no_cooldown(tmp_path: Path, clock: VirtualClock) -> None:
    muted = {"v"}
    async with Bot(tmp_path, clock, muted) as bot:
        assert bot.evaluate(vi()) == 1
        assert (bot.rows("rule_cooldowns"), bot.rows("outbox")) == (0, 0)
        muted.clear()
        assert bot.evaluate(vi(timedelta(minutes=1)), timedelta(minutes=1)) == 1
        assert bot.rows("outbox") == 1


def test_a_backward_clock_jump_does_not_stretch_the_cooldown(tmp_path: Path) -> None:
    eng = Engine(ruleset(tmp_path, RULES), Cooldowns())
    assert eng.evaluate(vi(), T)
    back = T - timedelta(hours=1)  # NTP sets the clock back an hour
    assert eng.evaluate(vi(timedelta(seconds=1)), back) == []
    assert eng.evaluate(vi(timedelta(seconds=2)), back + timedelta(minutes=4)) == []
    assert eng.evaluate(vi(timedelta(seconds=3)), back + timedelta(minutes=5, seconds=1))


def test_a_firing_stamped_in_the_future_counts_from_when_it_is_seen(tmp_path: Path) -> None:
    state = StateDB(tmp_path / "state.db")
    Engine(ruleset(tmp_path, RULES), Cooldowns(state)).evaluate(vi(), T)
    restarted = Engine(ruleset(tmp_path, RULES), Cooldowns(state))  # the clock went back
    back = T - timedelta(hours=1)
    assert restarted.evaluate(vi(timedelta(seconds=1)), back) == []
    assert restarted.evaluate(vi(timedelta(seconds=2)), back + timedelta(minutes=5, seconds=1))
    state.close()
