"""``event: volume``: a minute's volume against the average minute, by the trades' own times."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.alerts import Alert
from alertbot.engine.engine import Engine
from alertbot.engine.volume import MinuteVolumes
from alertbot.events import KST, Tick
from tests.engine.support import ruleset

DAY = datetime(2025, 3, 3, tzinfo=KST).date()
FAR_AWAY = datetime(2030, 1, 1, 3, 0, tzinfo=KST)
"""The clock the engine is given: nothing about minutes may come from it."""


def at(hhmmss: str, day: int = 0) -> datetime:
    hour, minute, second = int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:])
    return datetime.combine(DAY + timedelta(days=day), time(hour, minute, second), KST)


class Market:
    """One stock's trades with a consistent cumulative volume, through an engine."""

    def __init__(
        self, eng: Engine, symbol: str = "000660", cum: int = 5_000_000, source: str = "sim"
    ) -> None:
        self.eng, self.symbol, self.cum, self.source = eng, symbol, cum, source

    def trade(
        self, hhmmss: str, volume: int, *, day: int = 0, with_volume: bool = True
    ) -> list[Alert]:
        self.cum += volume
        tick = Tick(
            source=self.source,
            time=at(hhmmss, day),
            symbol=self.symbol,
            name="SK하이닉스",
            price=190_000,
            volume=volume if with_volume else 0,
            cum_volume=self.cum,
        )
        return self.eng.evaluate(tick, FAR_AWAY)

    def minutes(self, first: str, volumes: list[int]) -> list[Alert]:
        """One trade at second 10 of each minute from ``first`` (HHMM)."""
        hour, minute = int(first[:2]), int(first[2:])
        alerts: list[Alert] = []
        for n, volume in enumerate(volumes):
            total = hour * 60 + minute + n
            alerts += self.trade(f"{total // 60:02d}{total % 60:02d}10", volume)
        return alerts


def engine(folder: Path, keys: str = "ratio_above: 5", extra: str = "") -> Engine:
    rules = f'- {{name: vol, event: volume, symbols: ["000660"], cooldown: 0, {keys}}}\n{extra}'
    return Engine(ruleset(folder, rules))


def started(folder: Path, keys: str = "ratio_above: 5", extra: str = "") -> Market:
    """A market watched from 10:00:30: 10:00 is incomplete; 10:01–10:03 trade 1,000 each."""
    market = Market(engine(folder, keys, extra))
    assert market.trade("100030", 1_000) == []
    assert market.minutes("1001", [1_000, 1_000, 1_000]) == []
    return market


def test_the_running_minute_fires_as_soon_as_it_reaches_the_ratio(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.trade("100405", 2_000) == []
    assert market.trade("100410", 2_999) == []  # 4,999 < 5 × 1,000
    [alert] = market.trade("100420", 1)  # 5,000: fires now, not when 10:04 closes
    assert alert.text == "📊 거래량 급증 SK하이닉스(000660) 5,000주/분 (평균 1,000주 × 5.0) · 10:04"
    assert alert.kind == "volume"
    assert market.trade("100430", 5_000) == []  # once per minute
    assert market.trade("100510", 100) == []  # 10:04 closes: already told


def test_message_matches_the_issue_example(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.minutes("1004", [1_000] * 8) == []
    [alert] = market.trade("101200", 6_000)
    assert alert.text == "📊 거래량 급증 SK하이닉스(000660) 6,000주/분 (평균 1,000주 × 6.0) · 10:12"


def test_no_firing_before_three_complete_minutes(tmp_path: Path) -> None:
    market = Market(engine(tmp_path))
    assert market.trade("100030", 1_000) == []  # 10:00 seen from 10:00:30: not complete
    assert market.minutes("1001", [1_000, 1_000]) == []
    assert market.trade("100310", 50_000) == []  # only two complete minutes behind 10:03
    [alert] = market.trade("100410", 90_000)  # three now (10:01–10:03), average 17,333
    assert "(평균 17,333주 × 5.2)" in alert.text


def test_minutes_without_trades_count_as_zero(tmp_path: Path) -> None:
    market = started(tmp_path)  # 10:01–10:03: 1,000 each
    assert market.trade("100710", 1_000) == []  # 10:04–10:06 traded nothing
    # The average of 10:01–10:06 (window 20m, six minutes) is 500: 2,500 is × 5.
    [alert] = market.trade("100720", 1_500)
    assert "평균 500주 × 5.0" in alert.text


def test_the_average_is_over_the_window_only(tmp_path: Path) -> None:
    market = started(tmp_path, "ratio_above: 5, window: 3m")
    assert market.minutes("1004", [100, 100, 100]) == []  # 10:01–10:03 fall out of the window
    [alert] = market.trade("100710", 500)
    assert "평균 100주 × 5.0" in alert.text


def test_minute_boundaries_are_the_trades_own_times(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.trade("100459", 4_999) == []  # 10:04 ends with 4,999: not 5 × 1,000
    # 10:05 starts at its first trade; the average is now 10:01–10:04: 1,999.75.
    assert market.trade("100500", 4_999) == []
    [alert] = market.trade("100559", 5_000)
    assert alert.text.endswith("9,999주/분 (평균 2,000주 × 5.0) · 10:05")


def test_delayed_frames_count_in_the_minute_they_were_traded(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.trade("100410", 3_000) == []
    assert market.trade("100501", 100) == []  # 10:05 starts; 10:04 closed at 3,000
    [late] = market.trade("100459", 2_000)  # traded in 10:04, arrived during 10:05
    assert late.text.endswith("5,000주/분 (평균 1,000주 × 5.0) · 10:04")
    # 10:04's 5,000 now counts in the average (of 10:01–10:04: 2,000), not in 10:05's volume.
    assert market.trade("100530", 9_799) == []  # 9,899 < 5 × 2,000
    assert market.trade("100540", 101) != []  # 10,000


def test_a_minute_is_judged_again_when_it_closes(tmp_path: Path) -> None:
    """A reload lowered the ratio after 10:04's last trade: the close (the first trade of
    10:05) judges 10:04 by the rules of then, and tells it under its own minute."""
    market = started(tmp_path)
    assert market.trade("100410", 3_000) == []
    market.eng.swap(
        ruleset(tmp_path, '- {name: vol, event: volume, symbols: ["000660"], ratio_above: 3}')
    )
    [alert] = market.trade("100510", 10)
    assert alert.text.endswith("3,000주/분 (평균 1,000주 × 3.0) · 10:04")


def test_pre_open_and_the_opening_auction_do_not_count(tmp_path: Path) -> None:
    market = Market(engine(tmp_path), cum=0)
    assert market.trade("085930", 70_000) == []  # pre-open (장전 시간외)
    assert market.trade("090000", 1_000_000) == []  # the opening auction's match, at 09:00:00
    assert market.minutes("0900", [100, 100, 100]) == []  # 09:00 was seen whole, from the open
    [alert] = market.trade("090310", 500)
    assert "평균 100주 × 5.0" in alert.text


def test_the_closing_auction_and_after_hours_do_not_fire(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.trade("153000", 900_000) == []  # the closing auction's match
    assert market.trade("160000", 900_000) == []  # after-hours single-price trading
    assert market.trade("151910", 1) == []  # a delayed frame from the session still counts quietly
    assert market.trade("152030", 900_000) == []  # NXT trades on after 15:20: still not judged


def test_minutes_are_kst_whatever_zone_a_time_comes_in(tmp_path: Path) -> None:
    market = started(tmp_path)
    tick = Tick(
        source="sim",
        time=at("100410").astimezone(UTC),  # 01:04:10 UTC: outside the session in UTC
        symbol="000660",
        volume=5_000,
        cum_volume=market.cum + 5_000,
    )
    [alert] = market.eng.evaluate(tick, FAR_AWAY)
    assert alert.text.endswith("· 10:04")


def test_minutes_lost_to_a_dropped_connection_are_not_zeros(tmp_path: Path) -> None:
    """The feed was down from 10:05 to 10:09: the cumulative volume of the first trade after
    it shows trades were missed. Those minutes are unknown, not quiet: counting them as zero
    would make the next busy minute look like a spike. History starts afresh."""
    market = started(tmp_path)  # 10:01–10:03: 1,000 each
    assert market.minutes("1004", [1_000, 1_000]) == []
    market.cum += 9_000  # traded while the bot was not connected
    assert market.trade("100910", 5_000) == []  # the average would be 625 with zeros
    assert market.minutes("1010", [1_000, 1_000, 1_000]) == []  # 10:09 was seen in part only
    [alert] = market.trade("101310", 5_000)
    assert "평균 1,000주 × 5.0" in alert.text


def test_a_trade_reported_by_both_brokers_counts_once(tmp_path: Path) -> None:
    """Kiwoom and LS both connected: every trade arrives twice, with the same cumulative."""
    market = started(tmp_path)  # the "sim" feed: 10:01–10:03 at 1,000
    eng = market.eng

    def both(hhmmss: str, volume: int) -> list[Alert]:
        alerts = market.trade(hhmmss, volume)
        twin = Tick(
            source="ls",
            time=at(hhmmss),
            symbol="000660",
            volume=volume,
            cum_volume=market.cum,
        )
        return alerts + eng.evaluate(twin, FAR_AWAY)

    assert both("100410", 2_500) == []  # 5,000 if counted twice
    [alert] = both("100420", 2_500)
    assert "5,000주/분 (평균 1,000주 × 5.0)" in alert.text


def test_the_other_feed_takes_over_when_the_counted_one_goes_silent(tmp_path: Path) -> None:
    market = started(tmp_path)  # "sim" counted: 10:01–10:03 at 1,000
    ls = Market(market.eng, cum=market.cum, source="ls")  # the same exchange's cumulative
    assert ls.trade("100410", 1_000) == []  # "sim" silent since 10:03: it may still be late
    assert ls.trade("100510", 1_000) == []  # a whole minute (10:04) silent: LS counts from now
    tracker = market.eng.volumes.stocks[("000660", "KRX")]
    assert tracker.source == "ls" and tracker.start == 10 * 60 + 6  # 10:04–10:05: not whole
    assert ls.minutes("1006", [1_000, 1_000, 1_000]) == []
    [alert] = ls.trade("100910", 5_000)
    assert "평균 1,000주 × 5.0" in alert.text


def test_missing_trade_volume_uses_the_cumulative_increase(tmp_path: Path) -> None:
    market = started(tmp_path)
    [alert] = market.trade("100410", 6_000, with_volume=False)
    assert "6,000주/분" in alert.text


def test_each_rule_fires_once_per_minute_at_its_own_ratio(tmp_path: Path) -> None:
    extra = '- {name: vol10, event: volume, symbols: ["000660"], cooldown: 0, ratio_above: 10}'
    market = started(tmp_path, extra=extra)
    assert [a.rule for a in market.trade("100410", 5_000)] == ["vol"]
    assert [a.rule for a in market.trade("100420", 5_000)] == ["vol10"]
    assert market.trade("100430", 5_000) == []


def test_only_watched_stocks_are_tracked(tmp_path: Path) -> None:
    eng = engine(tmp_path)
    Market(eng, symbol="005930").minutes("1000", [1, 2, 3, 4, 500])
    assert eng.volumes.stocks == {}
    assert eng.subscriptions().ticks == frozenset({"000660"})


def test_history_survives_a_reload_and_new_ratios_apply(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.trade("100410", 3_000) == []
    market.eng.swap(
        ruleset(tmp_path, '- {name: vol, event: volume, symbols: ["000660"], ratio_above: 3}')
    )
    [alert] = market.trade("100420", 1)  # the running minute, by the new rule at once
    assert "3,001주/분 (평균 1,000주 × 3.0)" in alert.text


def test_a_new_day_starts_afresh(tmp_path: Path) -> None:
    market = started(tmp_path)
    assert market.trade("090000", 100, day=1) == []  # no history today: no average yet
    assert market.trade("090100", 100_000, day=1) == []


# ---------------------------------------------------------------------- property


@st.composite
def delayed_trades(draw: st.DrawFn) -> list[tuple[int, int, int]]:
    """(second of the day, volume, cumulative volume) in arrival order: the trades of up to
    an hour from 10:00:20 with quiet stretches of several minutes; some arrive late, behind
    later trades of the same minute or of the minute after (never behind a quiet minute:
    that, with the cumulative volume showing the gap, reads as a dropped connection)."""
    gaps = draw(st.lists(st.integers(0, 150), min_size=1, max_size=60))
    volumes = draw(st.lists(st.integers(1, 5_000), min_size=len(gaps), max_size=len(gaps)))
    seconds, cum, trades = 10 * 3600 + 20, 100_000, []
    for gap, volume in zip(gaps, volumes, strict=True):
        seconds, cum = seconds + gap, cum + volume
        trades.append((seconds, volume, cum))
    late = draw(st.lists(st.booleans(), min_size=len(trades), max_size=len(trades)))
    order = list(range(len(trades)))
    for i in range(len(order) - 1):
        a, b = trades[order[i]][0] // 60, trades[order[i + 1]][0] // 60
        previous = trades[order[i - 1]][0] // 60 if i else a
        if late[i] and b - a <= 1 and b - previous <= 1:  # the next trade arrives first
            order[i], order[i + 1] = order[i + 1], order[i]
    return [trades[i] for i in order]


@settings(max_examples=200, deadline=None)
@given(delayed_trades())
def test_every_trade_counts_in_the_minute_it_was_traded(
    trades: list[tuple[int, int, int]],
) -> None:
    """Whatever the arrival order, each complete minute holds exactly its own trades' volume
    and the running minute its own; a minute's volume never depends on when frames came."""
    tracker = MinuteVolumes()
    for seconds, volume, cum in trades:
        moment = datetime.combine(DAY, time(seconds // 3600, seconds // 60 % 60, seconds % 60), KST)
        tick = Tick(source="sim", time=moment, symbol="000660", volume=volume, cum_volume=cum)
        tracker.add(tick, ())
    truth: dict[int, int] = {}
    for seconds, volume, _ in trades:
        truth[seconds // 60] = truth.get(seconds // 60, 0) + volume
    first = trades[0][0] // 60
    assert tracker.start == first + 1  # the minute it started in was seen in part
    assert tracker.minute == max(truth)
    assert tracker.running == truth[tracker.minute]
    expected = [truth.get(minute, 0) for minute in range(tracker.start, tracker.minute)]
    assert tracker.history == expected
