"""Rules mean what the trader wrote: cooldowns keyed on what happened, templates checked on
typed values, crossings at the open and across venues, restarts and days, active hours."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.engine import Engine
from alertbot.engine.rules import load_rules
from alertbot.engine.yamlsource import RulesError
from alertbot.events import ConditionHit, Fill, News, Tick, Vi
from alertbot.state import StateDB
from tests.engine.support import MONDAY_10AM, ruleset, write_rules

T = MONDAY_10AM


def engine(folder: Path, rules: str, **options: object) -> Engine:
    return Engine(ruleset(folder, rules), **options)  # type: ignore[arg-type]


def tick(
    price: int, *, change: int = 0, rate: float = 0.0, at: datetime = T, venue: str = "KRX"
) -> Tick:
    return Tick(
        source="sim", time=at, symbol="005930", name="삼성전자", price=price, change=change,
        rate=rate, venue=venue,
    )  # fmt: skip


def vi(state: str = "triggered", at: datetime = T) -> Vi:
    return Vi(source="sim", time=at, symbol="005930", name="삼성전자", state=state)  # type: ignore[arg-type]


# ---------------------------------------------------------------------- cooldown keys


def test_a_vi_release_is_not_hidden_by_the_trigger_cooldown(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: v, event: vi, state: any, cooldown: 10m}")
    assert eng.evaluate(vi("triggered"), T)
    assert eng.evaluate(vi("released"), T + timedelta(minutes=2))
    assert not eng.evaluate(vi("triggered"), T + timedelta(minutes=3))  # the same thing again


def test_a_condition_exit_right_after_the_entry_is_sent(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: c, event: condition, seq: 4, action: any, cooldown: 5m}")

    def hit(action: str, seconds: int) -> ConditionHit:
        at = T + timedelta(seconds=seconds)
        return ConditionHit(source="sim", time=at, symbol="005930", seq="4", action=action)  # type: ignore[arg-type]

    assert eng.evaluate(hit("enter", 0))
    assert eng.evaluate(hit("exit", 5))
    assert not eng.evaluate(hit("enter", 10))


def test_a_below_crossing_after_an_above_is_sent(tmp_path: Path) -> None:
    rule = '- {name: p, event: price, symbol: "005930", above: 100, below: 90, cooldown: 10m}'
    eng = engine(tmp_path, rule)
    moves = [(95, 0), (101, 1), (89, 2), (101, 3)]
    fired = [p for p, s in moves if eng.evaluate(tick(p), T + timedelta(seconds=s))]
    assert fired == [101, 89]  # the second 101 repeats the first within the cooldown


def test_fill_statuses_cool_down_apart(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: f, event: fill, status: any, cooldown: 5m}")

    def fill(status: str) -> Fill:
        return Fill(source="sim", time=T, symbol="005930", order_no="1", status=status)

    assert eng.evaluate(fill("접수"), T)
    assert eng.evaluate(fill("체결"), T + timedelta(seconds=1))
    assert not eng.evaluate(fill("체결"), T + timedelta(seconds=2))


# ---------------------------------------------------------------------- templates


def test_a_template_is_checked_against_the_rule_s_own_levels(tmp_path: Path) -> None:
    rule = (
        '- name: p\n  event: price\n  symbol: "005930"\n  change_pct_above: 5.5\n'
        '  message: "{display} {level:d}%"'
    )
    path = write_rules(tmp_path, rule)
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    [problem] = caught.value.problems
    assert problem.line == 13  # the message's own line
    assert "message: change_pct_above: 5.5일 때 {level:d}을(를) 채울 수 없습니다" in problem.message
    assert problem.file == str(path)
    whole = rule.replace("change_pct_above: 5.5", "above: 80000")
    assert ruleset(tmp_path, whole).rules  # {level:d} suits a whole-won level


def test_indexing_a_list_field_passes_check(tmp_path: Path) -> None:
    rules = """
    - {name: n, event: news, message: "{symbols[0]} {title}"}
    - {name: c, event: condition, seq: 1, message: "{matches[0]} {display}"}
    """
    assert len(ruleset(tmp_path, rules).rules) == 2


def test_a_template_failing_live_sends_the_default_and_tells_the_admin_once(
    tmp_path: Path,
) -> None:
    told: list[str] = []
    eng = engine(
        tmp_path,
        '- {name: n, event: news, message: "📰 {symbols[0]}: {title}", cooldown: 0}',
        on_notice=told.append,
    )
    story = News(source="sim", time=T, news_id="1", title="리튬 가격 급등")  # no stock
    [alert] = eng.evaluate(story)
    assert alert.text.startswith("📰 리튬 가격 급등")  # the default news message
    assert "{" not in alert.text
    eng.evaluate(replace(story, news_id="2"))
    assert len(told) == 1 and "규칙 'n'" in told[0] and "기본 메시지" in told[0]
    [fine] = eng.evaluate(replace(story, news_id="3", symbols=("005930",)))
    assert fine.text == "📰 005930: 리튬 가격 급등"


# ---------------------------------------------------------------------- the open, days, restarts

PREVIOUS_CLOSE = 79000


def test_a_gap_through_a_level_at_the_open_fires_once(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: p, event: price, symbol: "005930", above: 80000}')
    opening = T.replace(hour=9)
    [alert] = eng.evaluate(tick(81000, change=81000 - PREVIOUS_CLOSE, at=opening), opening)
    assert "80,000원 상향 돌파" in alert.text
    later = opening + timedelta(minutes=5)
    assert not eng.evaluate(tick(81500, change=2500, at=later), later)


def test_a_day_change_gap_fires_from_zero(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: p, event: price, symbol: "005930", change_pct_above: 5}')
    assert eng.evaluate(tick(83000, change=4000, rate=5.06))


def test_a_restart_does_not_repeat_a_crossing_sent_today(tmp_path: Path) -> None:
    rule = '- {name: p, event: price, symbol: "005930", above: 80000, cooldown: 0}'
    db = StateDB(tmp_path / "state.db")
    first = engine(tmp_path, rule, cooldowns=Cooldowns(db))
    assert not first.evaluate(tick(79500, change=500), T)
    assert first.evaluate(tick(80100, change=1100), T + timedelta(seconds=1))
    db.close()

    db = StateDB(tmp_path / "state.db")
    restarted = engine(tmp_path, rule, cooldowns=Cooldowns(db))
    later = T + timedelta(hours=1)
    assert not restarted.evaluate(tick(80500, change=1500, at=later), later)
    # A real new crossing later the same day still fires.
    assert not restarted.evaluate(tick(79900, change=900, at=later), later)
    assert restarted.evaluate(tick(80200, change=1200, at=later), later)
    # The next morning's gap is news again.
    tomorrow = T + timedelta(days=1)
    assert restarted.evaluate(tick(81000, change=1500, at=tomorrow), tomorrow)
    db.close()


def test_day_change_state_never_carries_over(tmp_path: Path) -> None:
    """Yesterday ended at +6 %; today's first trade at +6 % crossed +5 % from 0 % today."""
    eng = engine(
        tmp_path,
        '- {name: p, event: price, symbol: "005930", change_pct_above: 5, cooldown: 0}',
    )
    assert eng.evaluate(tick(84000, change=4000, rate=5.0))
    assert not eng.evaluate(tick(84800, change=4800, rate=6.0))
    tomorrow = T + timedelta(days=1)
    assert eng.evaluate(tick(89900, change=5100, rate=6.0, at=tomorrow))


def test_a_tick_from_an_earlier_day_is_compared_with_nothing(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: p, event: price, symbol: "005930", below: 78000}')
    assert not eng.evaluate(tick(79000, change=0))
    assert not eng.evaluate(tick(77000, change=-2000, at=T - timedelta(days=1)))


# ---------------------------------------------------------------------- venues


def test_one_move_on_krx_and_nxt_gives_one_alert_naming_the_venue(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: p, event: price, symbol: "005930", above: 80000, cooldown: 0}')
    assert not eng.evaluate(tick(79800, venue="NXT"))
    assert not eng.evaluate(tick(79900, venue="KRX"))
    [alert] = eng.evaluate(tick(80100, venue="NXT"))
    assert "· NXT" in alert.text
    assert not eng.evaluate(tick(80200, venue="KRX"))  # the same move, on the other venue
    assert not eng.evaluate(tick(79900, venue="KRX"))  # back under: re-armed
    [again] = eng.evaluate(tick(80000, venue="KRX"))
    assert "NXT" not in again.text


# ---------------------------------------------------------------------- active hours, cooldown

ACTIVE = '- {name: p, event: price, symbol: "005930", above: 80000, active: "09:00-15:30"}'


def test_a_crossing_before_the_window_alerts_once_marked_when_it_opens(tmp_path: Path) -> None:
    eng = engine(tmp_path, ACTIVE)
    pre = T.replace(hour=8, minute=30)  # NXT's pre-market
    assert not eng.evaluate(tick(79900, venue="NXT", at=pre), pre)
    assert not eng.evaluate(tick(80100, venue="NXT", at=pre), pre)
    assert not eng.evaluate(tick(80300, venue="NXT", at=pre + timedelta(minutes=1)))
    assert eng.stats[("p", "inactive")] == 1
    opening = T.replace(hour=9)
    [alert] = eng.evaluate(tick(80400, venue="KRX", at=opening), opening)
    assert "알림 시간 전에 돌파, 지금도 유지" in alert.text
    assert not eng.evaluate(tick(80500, at=opening + timedelta(seconds=1)))


def test_a_crossing_undone_before_the_window_stays_silent(tmp_path: Path) -> None:
    eng = engine(tmp_path, ACTIVE)
    pre = T.replace(hour=8, minute=30)
    eng.evaluate(tick(79900, venue="NXT", at=pre), pre)
    eng.evaluate(tick(80100, venue="NXT", at=pre), pre)
    opening = T.replace(hour=9)
    assert not eng.evaluate(tick(79800, at=opening), opening)
    assert not eng.evaluate(tick(79700, at=opening + timedelta(seconds=1)))


def test_a_held_crossing_does_not_wait_into_the_next_day(tmp_path: Path) -> None:
    eng = engine(tmp_path, ACTIVE)
    evening = T.replace(hour=18)
    eng.evaluate(tick(79900, venue="NXT", at=evening), evening)
    eng.evaluate(tick(80100, venue="NXT", at=evening), evening)
    tomorrow = T.replace(hour=9, minute=1) + timedelta(days=1)
    assert not eng.evaluate(tick(80100, at=tomorrow), tomorrow)  # change 0: no gap either


def test_a_crossing_during_its_cooldown_is_dropped(tmp_path: Path) -> None:
    rule = '- {name: p, event: price, symbol: "005930", above: 80000, cooldown: 5m}'
    eng = engine(tmp_path, rule)
    moves = [79900, 80100, 79900, 80100]
    fired = [i for i, p in enumerate(moves) if eng.evaluate(tick(p), T + timedelta(seconds=i))]
    assert fired == [1]
    assert eng.stats[("p", "cooldown")] == 1
    after = T + timedelta(minutes=6)
    eng.evaluate(tick(79900, at=after), after)
    assert eng.evaluate(tick(80100, at=after), after)


def test_days_are_seoul_days(tmp_path: Path) -> None:
    """Sunday 23:59 UTC is Monday 08:59 in Seoul: a new day, compared with the close."""
    eng = engine(tmp_path, '- {name: p, event: price, symbol: "005930", above: 80000}')
    sunday_night = datetime(2025, 3, 2, 14, 0, tzinfo=UTC)  # Sunday 23:00 KST
    assert not eng.evaluate(tick(80500, at=sunday_night), sunday_night)
    monday = datetime(2025, 3, 2, 23, 59, tzinfo=UTC)
    assert eng.evaluate(tick(80600, change=1600, at=monday), monday)


@pytest.mark.parametrize(
    ("exclude", "headline", "fires"),
    [
        ("2차 전지", "리튬 2차전지 소재", False),  # spaces ignored on both sides
        ("ETF", "리튬 ＥＴＦ 상장", False),  # full-width Latin is Latin
        ("ETF", "리튬 BETFAIR 제휴", True),  # not the word ETF
        ("펀드", "리튬 펀드".replace("펀", "\u1111\u1165\u11ab"), False),  # decomposed Hangul
    ],
)
def test_exclude_is_matched_after_the_same_normalization(
    tmp_path: Path, exclude: str, headline: str, fires: bool
) -> None:
    eng = engine(tmp_path, f'- {{name: n, event: news, keywords: [리튬], exclude: ["{exclude}"]}}')
    story = News(source="sim", time=T, news_id="1", title=headline)
    assert bool(eng.evaluate(story)) is fires
