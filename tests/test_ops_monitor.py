"""The feed monitor, the delivery progress watch and mute expiry, on injected clocks."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot import i18n
from alertbot.feeds.base import FeedStatus
from alertbot.ops.monitor import FeedMonitor, ProgressWatch
from alertbot.ops.mutes import MuteStore
from alertbot.state import StateDB


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_feed_down_past_threshold_then_back_up() -> None:
    clock, notices = Clock(), []
    status = FeedStatus()
    monitor = FeedMonitor(lambda: [("ls", status)], notices.append, threshold=60, clock=clock)
    monitor.check()  # still connecting for the first time: not an outage
    status.connected = status.logged_in = True
    monitor.check()
    status.connected = status.logged_in = False
    status.down_since, status.last_error = clock.now, "ConnectionResetError: reset"
    clock.now += 59
    monitor.check()
    assert notices == []
    clock.now += 1
    monitor.check()
    monitor.check()  # said once, not every check
    assert notices == ["⚠️ ls 연결이 1분째 끊겨 있습니다 (ConnectionResetError: reset)"]
    clock.now += 125
    status.connected = status.logged_in = True
    status.down_since = None
    monitor.check()
    assert notices[1:] == ["✅ ls 연결 복구 (3분 동안 끊김)"]


def test_short_drops_and_stopped_feeds_are_not_announced() -> None:
    clock, notices = Clock(), []
    flapping, stopped = FeedStatus(down_since=clock.now), FeedStatus(down_since=clock.now)
    stopped.stopped = "LOGIN refused (8005): token invalid"  # the feed told the admin itself
    monitor = FeedMonitor(
        lambda: [("kiwoom", flapping), ("ls", stopped)], notices.append, threshold=60, clock=clock
    )
    clock.now += 30
    monitor.check()
    flapping.connected = flapping.logged_in = True
    clock.now += 600
    monitor.check()
    assert notices == []


def test_delivery_stuck_only_while_messages_wait_without_progress() -> None:
    clock, depth = Clock(), [0]
    watch = ProgressWatch(lambda: depth[0], stuck_after=300, clock=clock)
    clock.now += 1000
    assert watch.stuck_for() is None  # nothing waiting: idle, not stuck
    depth[0] = 3
    clock.now += 299
    assert watch.stuck_for() is None
    clock.now += 1
    assert watch.stuck_for() == 300
    watch.progressed()
    assert watch.stuck_for() is None


def test_mutes_expire_and_survive_a_restart(tmp_path: Path) -> None:
    clock = Clock(1_700_000_000)
    mutes = MuteStore(StateDB(tmp_path / "state.db"), clock=clock)
    mutes.mute("vi-a", "005930", seconds=3600)
    mutes.mute("news")
    assert mutes.muted("vi-a", "005930") and not mutes.muted("vi-a", "000660")
    assert mutes.muted("news", "000660")  # a rule-wide mute covers every symbol
    clock.now += 3600
    assert not mutes.muted("vi-a", "005930")
    again = MuteStore(StateDB(tmp_path / "state.db"), clock=clock)
    assert [(m.rule, m.symbol, m.until) for m in again.active()] == [("news", "", None)]
    assert again.unmute("news") == 1 and not again.muted("news", "000660")


def test_durations_read_like_a_person_wrote_them(monkeypatch: pytest.MonkeyPatch) -> None:
    spans = (5, 61, 3600, 7500)
    assert [i18n.duration(s) for s in spans] == ["5초", "1분", "1시간", "2시간 5분"]
    monkeypatch.setenv("ALERTBOT_LANG", "en")
    i18n.use(None)
    try:
        assert [i18n.duration(s) for s in spans] == ["5s", "1m", "1h", "2h05m"]
    finally:
        i18n.use(None)
