"""What fires and what does not, per event kind: table tests over the engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alertbot.engine.cooldowns import Cooldowns
from alertbot.engine.engine import Engine
from alertbot.events import ConditionHit, Event, Fill, MarketStatus, News, Tick, Vi
from alertbot.state import StateDB
from alertbot.stocks.book import Stock, StockBook
from alertbot.subscriptions import Subscriptions
from tests.engine.support import MONDAY_10AM, ruleset

T = MONDAY_10AM


def engine(folder: Path, rules: str, cooldowns: Cooldowns | None = None) -> Engine:
    return Engine(ruleset(folder, rules), cooldowns)


def tick(price: int, rate: float = 0.0, symbol: str = "005930", **more: object) -> Tick:
    name = {"005930": "삼성전자", "000660": "SK하이닉스"}.get(symbol, "")
    return Tick(source="sim", time=T, symbol=symbol, name=name, price=price, rate=rate, **more)


def fired_at(eng: Engine, events: list[Event], now: datetime = T) -> list[int]:
    """Indexes of the events that produced at least one alert."""
    return [i for i, event in enumerate(events) if eng.evaluate(event, now)]


# ---------------------------------------------------------------------- price crossings

CROSSINGS = [
    # (level key, level, sequence, indexes that fire)
    ("above", 100, [101], []),  # first tick after start: already past, no previous price
    ("above", 100, [101, 102, 150], []),  # stays above: never a crossing
    ("above", 100, [99, 100], [1]),  # reaching the level counts
    ("above", 100, [99, 101], [1]),
    ("above", 100, [90, 110], [1]),  # a gap over the level is a crossing
    ("above", 100, [100, 101], []),  # starting at the level is not below it
    ("above", 100, [99, 101, 102, 99, 101], [1, 4]),  # re-armed only after going back under
    ("above", 100, [99, 101, 100, 101], [1]),  # back to the level is not back under it
    ("above", 100, [101, 99, 100], [2]),
    ("above", 100, [99, 98, 97], []),
    ("below", 100, [99], []),
    ("below", 100, [101, 100], [1]),
    ("below", 100, [101, 99, 98, 101, 99], [1, 4]),
    ("below", 100, [100, 99], []),
    ("below", 100, [120, 80], [1]),
    ("below", 100, [101, 102], []),
    ("change_pct_above", 5, [4.9, 5.0], [1]),
    ("change_pct_above", 5, [6, 7], []),
    ("change_pct_above", 5, [4, 6, 4, 6], [1, 3]),
    ("change_pct_above", -2, [-3, -1], [1]),
    ("change_pct_below", -5, [-4, -6], [1]),
    ("change_pct_below", -5, [-6, -7, -4, -5], [3]),
    ("change_pct_below", -5, [0, 3], []),
]


@pytest.mark.parametrize(("key", "level", "sequence", "expected"), CROSSINGS)
def test_price_crossings(
    tmp_path: Path, key: str, level: float, sequence: list[float], expected: list[int]
) -> None:
    rule = f'{{name: p, event: price, symbol: "005930", {key}: {level}, cooldown: 0}}'
    eng = engine(tmp_path, f"- {rule}")
    pct = key.startswith("change_pct")
    events: list[Event] = [tick(70000, rate=v) if pct else tick(int(v)) for v in sequence]
    assert fired_at(eng, events) == expected


def test_price_alert_names_the_stock_and_the_numbers(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: samsung-80k, event: price, symbol: "005930", above: 80000}')
    eng.evaluate(tick(79900, rate=2.1))
    [alert] = eng.evaluate(tick(80100, rate=2.4))
    assert alert.rule == "samsung-80k"
    assert alert.kind == "price" and alert.symbol == "005930"
    assert "삼성전자(005930)" in alert.text
    assert "80,100원" in alert.text and "80,000원" in alert.text and "상향 돌파" in alert.text
    assert alert.summary == "삼성전자(005930) 80,100원 ↑80,000"
    assert alert.channels == ("log",)


def test_change_pct_alert_shows_the_rate_level(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: drop, event: price, symbol: "005930", change_pct_below: -5}')
    eng.evaluate(tick(70000, rate=-4.5))
    [alert] = eng.evaluate(tick(69000, rate=-5.2))
    assert "등락률 -5%" in alert.text and "하향 이탈" in alert.text and "-5.20%" in alert.text


def test_a_gap_over_several_levels_fires_each_rule_once_in_file_order(tmp_path: Path) -> None:
    eng = engine(
        tmp_path,
        """
        - {name: c, event: price, symbol: "005930", above: 103}
        - {name: a, event: price, symbol: "005930", above: 101, change_pct_above: 1}
        - {name: b, event: price, symbol: "005930", above: 102}
        - {name: far, event: price, symbol: "005930", above: 200}
        """,
    )
    eng.evaluate(tick(100, rate=0.5))
    alerts = eng.evaluate(tick(105, rate=1.5))
    assert [a.rule for a in alerts] == ["c", "a", "b"]  # 'a' crossed twice, alerted once


def test_venues_are_separate_price_series(tmp_path: Path) -> None:
    """KRX at 99 and NXT at 101 alternating is not a crossing every tick."""
    eng = engine(tmp_path, '- {name: p, event: price, symbol: "005930", above: 100, cooldown: 0}')
    events: list[Event] = [
        tick(99, venue="KRX"),
        tick(101, venue="NXT"),
        tick(99, venue="KRX"),
        tick(101, venue="NXT"),
        tick(100, venue="KRX"),
    ]
    assert fired_at(eng, events) == [4]


def test_other_symbols_do_not_fire(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: p, event: price, symbols: ["005930"], above: 100}')
    assert fired_at(eng, [tick(99, symbol="000660"), tick(101, symbol="000660")]) == []


# ---------------------------------------------------------------------- vi

VI_CASES = [
    # (rule keys, event changes, fires)
    ("", {}, True),
    ("state: triggered", {"state": "released"}, False),
    ("state: released", {"state": "released"}, True),
    ("state: any", {"state": "released"}, True),
    ("kind: static", {"vi_kind": "static"}, True),
    ("kind: static", {"vi_kind": "dynamic"}, False),
    ("kind: dynamic", {"vi_kind": "static+dynamic"}, True),
    ("kind: any", {"vi_kind": "dynamic"}, True),
    ('symbols: ["000660"]', {}, False),
    ('symbol: "005930"', {}, True),
]


def vi(**changes: object) -> Vi:
    base = Vi(source="sim", time=T, symbol="005930", name="삼성전자", vi_price=78400, rate=10.02)
    return replace(base, **changes)


@pytest.mark.parametrize(("keys", "changes", "fires"), VI_CASES)
def test_vi(tmp_path: Path, keys: str, changes: dict[str, object], fires: bool) -> None:
    eng = engine(tmp_path, f"- {{name: v, event: vi{', ' + keys if keys else ''}}}")
    assert bool(eng.evaluate(vi(**changes))) is fires


def test_vi_default_message(tmp_path: Path) -> None:
    [alert] = engine(tmp_path, "- {name: v, event: vi}").evaluate(vi(direction="up"))
    assert alert.text == (
        "⚡ VI 발동 삼성전자(005930)\n"
        "정적 VI · 상승 · 발동가 78,400원 (기준가 대비 +10.02%)\n10:00:00"
    )
    [no_direction] = engine(tmp_path, "- {name: v, event: vi}").evaluate(vi())
    assert "정적 VI · 발동가 78,400원" in no_direction.text
    [nxt] = engine(tmp_path, "- {name: v, event: vi}").evaluate(replace(vi(), venue="NXT"))
    assert nxt.text.endswith("10:00:00 · NXT")


# ---------------------------------------------------------------------- condition


def hit(action: str = "enter", seq: str = "4", condition: str = "급등주", **more: object):
    return ConditionHit(
        source="sim",
        time=T,
        symbol="" if action == "snapshot" else "005930",
        name="" if action == "snapshot" else "삼성전자",
        seq=seq,
        condition=condition,
        action=action,  # type: ignore[arg-type]
        **more,  # type: ignore[arg-type]
    )


CONDITION_CASES = [
    # (rule keys, event, fires)
    ("condition: 급등주", hit(), True),
    ("condition: 급등주", hit(condition="눌림목"), False),
    ("seq: 4", hit(), True),
    ("seq: 4", hit(seq="4 "), True),  # Kiwoom may pad the seq
    ("seq: 4", hit(seq="5", condition=""), False),
    ("seq: 4", hit(condition=""), True),
    ("condition: 급등주", hit(action="exit"), False),
    ("condition: 급등주, action: exit", hit(action="exit"), True),
    ("condition: 급등주, action: exit", hit(), False),
    ("condition: 급등주, action: any", hit(action="exit"), True),
    ('condition: 급등주, symbols: ["000660"]', hit(), False),
]


@pytest.mark.parametrize(("keys", "event", "fires"), CONDITION_CASES)
def test_condition(tmp_path: Path, keys: str, event: ConditionHit, fires: bool) -> None:
    eng = engine(tmp_path, f"- {{name: c, event: condition, {keys}}}")
    assert bool(eng.evaluate(event)) is fires


def test_condition_entry_message(tmp_path: Path) -> None:
    [alert] = engine(tmp_path, "- {name: c, event: condition, seq: 4}").evaluate(hit())
    assert alert.text.startswith("🔎 조건검색 급등주 편입: 삼성전자(005930)")


SNAPSHOT_CASES = [
    # (action, fires)
    ("enter", True),
    ("any", True),
    ("exit", False),
]


@pytest.mark.parametrize(("action", "fires"), SNAPSHOT_CASES)
def test_snapshot_is_one_summary(tmp_path: Path, action: str, fires: bool) -> None:
    eng = engine(
        tmp_path,
        f"- {{name: c, event: condition, condition: 급등주, action: {action}, "
        "message: '{display} 편입'}",
    )
    matches = tuple(f"{n:06d}" for n in range(1, 13))
    alerts = eng.evaluate(hit(action="snapshot", matches=matches))
    assert len(alerts) == (1 if fires else 0)
    if fires:
        assert alerts[0].text.startswith("🔎 조건검색 급등주 현재 편입 12종목: 000001, 000002")
        assert alerts[0].summary == "급등주 현재 편입 12종목"


def test_snapshot_lists_at_most_twenty_and_respects_symbols(tmp_path: Path) -> None:
    eng = engine(
        tmp_path,
        """
        - {name: all, event: condition, seq: 4}
        - {name: mine, event: condition, seq: 4, symbols: ["000007", "999999"]}
        - {name: none, event: condition, seq: 4, symbols: ["999999"]}
        """,
    )
    matches = tuple(f"{n:06d}" for n in range(1, 31))
    all_, mine = eng.evaluate(hit(action="snapshot", matches=matches))
    assert all_.text.endswith("000020 외 10종목")
    assert mine.text.endswith("현재 편입 1종목: 000007")


# ---------------------------------------------------------------------- fill


def fill(**changes: object) -> Fill:
    base = Fill(
        source="sim",
        time=T,
        symbol="005930",
        name="삼성전자",
        order_no="0000123",
        fill_no="1",
        side="buy",
        status="체결",
        qty=10,
        price=78400,
        order_qty=30,
        unfilled=20,
    )
    return replace(base, **changes)


FILL_CASES = [
    ("", {}, True),
    ("", {"status": "접수"}, False),
    ("status: 접수", {"status": "접수"}, True),
    ("status: [거부, 취소]", {"status": "취소"}, True),
    ("status: any", {"status": "확인"}, True),
    ("side: buy", {}, True),
    ("side: sell", {}, False),
    ("side: sell", {"side": "sell"}, True),
    ("side: any", {"side": "sell"}, True),
    ('symbols: ["000660"]', {}, False),
]


@pytest.mark.parametrize(("keys", "changes", "fires"), FILL_CASES)
def test_fill(tmp_path: Path, keys: str, changes: dict[str, object], fires: bool) -> None:
    eng = engine(tmp_path, f"- {{name: f, event: fill{', ' + keys if keys else ''}}}")
    assert bool(eng.evaluate(fill(**changes))) is fires


def test_fill_message_and_no_default_cooldown(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: f, event: fill}")
    [first] = eng.evaluate(fill())
    assert first.text.startswith("💰 매수 체결 삼성전자(005930)")
    assert "10주 × 78,400원" in first.text and "미체결 20주" in first.text
    assert eng.evaluate(fill(fill_no="2", unfilled=10))  # a second partial fill is news too


# ---------------------------------------------------------------------- market


def market(**changes: object) -> MarketStatus:
    base = MarketStatus(
        source="sim",
        time=T,
        market="kospi",
        market_code="1",
        status_code="61",
        category="circuit_breaker",
        label="서킷브레이크 1단계 발동",
    )
    return replace(base, **changes)


MARKET_CASES = [
    ("", {}, True),
    ("", {"category": "session", "status_code": "21"}, False),
    ("status: session", {"category": "session", "status_code": "21"}, True),
    ("status: any", {"category": "other", "status_code": "99"}, True),
    ("status: [61]", {}, True),
    ("status: ['64']", {}, False),
    ("status: sidecar", {"category": "sidecar", "status_code": "64"}, True),
    ("markets: [kosdaq]", {}, False),
    ("markets: [kospi]", {}, True),
    ("markets: [1]", {}, True),
    ("markets: [kosdaq, kospi]", {}, True),
]


@pytest.mark.parametrize(("keys", "changes", "fires"), MARKET_CASES)
def test_market(tmp_path: Path, keys: str, changes: dict[str, object], fires: bool) -> None:
    eng = engine(tmp_path, f"- {{name: m, event: market{', ' + keys if keys else ''}}}")
    assert bool(eng.evaluate(market(**changes))) is fires


def test_market_message(tmp_path: Path) -> None:
    [alert] = engine(tmp_path, "- {name: m, event: market}").evaluate(market())
    assert alert.text.startswith("🚨 코스피 서킷브레이커 1단계 발동")
    assert alert.summary == "코스피 서킷브레이커 1단계 발동"


# ---------------------------------------------------------------------- news


def news(title: str, symbols: tuple[str, ...] = (), news_id: str = "n1") -> News:
    return News(
        source="sim",
        time=T,
        symbol=symbols[0] if symbols else "",
        news_id=news_id,
        title=title,
        symbols=symbols,
        provider="연합뉴스",
    )


NEWS_CASES = [
    ("keywords: [2차전지, 리튬]", news("리튬 가격 급등"), True),
    ("keywords: [2차전지, 리튬]", news("반도체 호황"), False),
    ("keywords: [LG]", news("lg에너지솔루션 신고가"), True),
    ("keywords: [리튬], exclude: [펀드]", news("리튬 펀드 출시"), False),
    ("keywords: [리튬], exclude: [ETF]", news("리튬 etf 자금 유입"), False),
    ("keywords: [리튬], exclude: [펀드]", news("리튬 광산 인수"), True),
    ('keywords: [리튬], symbols: ["005930"]', news("리튬 광산", ("000660",)), False),
    ('keywords: [리튬], symbols: ["005930"]', news("리튬 광산", ("000660", "005930")), True),
    ('symbols: ["005930"]', news("삼성전자 실적", ("005930",)), True),
    ('symbols: ["005930"]', news("하이닉스 실적", ("000660",)), False),
    ('symbols: ["005930"]', news("시황"), False),
    ("exclude: [광고]", news("무엇이든"), True),
    ("exclude: [광고]", news("광고 기사"), False),
]


@pytest.mark.parametrize(("keys", "event", "fires"), NEWS_CASES)
def test_news(tmp_path: Path, keys: str, event: News, fires: bool) -> None:
    eng = engine(tmp_path, f"- {{name: n, event: news, {keys}}}")
    assert bool(eng.evaluate(event)) is fires


def test_news_rules_share_one_keyword_pass(tmp_path: Path) -> None:
    eng = engine(
        tmp_path,
        """
        - {name: battery, event: news, keywords: [2차전지, 리튬], message: "📰 {title}"}
        - {name: lithium-only, event: news, keywords: [리튬], exclude: [전지]}
        - {name: chips, event: news, keywords: [반도체]}
        """,
    )
    alerts = eng.evaluate(news("2차전지 소재 리튬 급등"))
    assert [a.rule for a in alerts] == ["battery"]
    assert alerts[0].text == "📰 2차전지 소재 리튬 급등"


def test_news_default_message(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: n, event: news}")
    [alert] = eng.evaluate(news("삼성전자 신고가", ("005930",)))
    assert alert.text == "📰 삼성전자 신고가\n관련 종목: 005930 · 10:00:00"
    named = Engine(eng.ruleset, stocks=StockBook([Stock("005930", "삼성전자")]))
    [alert] = named.evaluate(news("삼성전자 신고가", ("005930",)))
    assert alert.text == "📰 삼성전자 신고가\n관련 종목: 삼성전자(005930) · 10:00:00"


# ---------------------------------------------------------------------- active, cooldown


def test_active_hours_gate_firing(tmp_path: Path) -> None:
    eng = engine(tmp_path, '- {name: v, event: vi, active: "09:00-15:30", cooldown: 0}')
    saturday = T + timedelta(days=5)
    evening = T.replace(hour=16)
    assert eng.evaluate(vi())
    assert not eng.evaluate(replace(vi(), time=saturday))
    assert not eng.evaluate(replace(vi(), time=evening))
    assert eng.stats[("v", "fired")] == 1
    assert eng.stats[("v", "inactive")] == 2


def test_cooldown_per_rule_and_symbol(tmp_path: Path) -> None:
    eng = engine(
        tmp_path,
        """
        - {name: a, event: vi, cooldown: 60s}
        - {name: b, event: vi, cooldown: 60s}
        """,
    )
    assert len(eng.evaluate(vi(), T)) == 2
    assert eng.evaluate(vi(), T + timedelta(seconds=59)) == []
    assert len(eng.evaluate(vi(symbol="000660"), T + timedelta(seconds=30))) == 2
    assert len(eng.evaluate(vi(), T + timedelta(seconds=60))) == 2
    assert eng.stats[("a", "cooldown")] == 1 and eng.stats[("a", "fired")] == 3


def test_default_cooldown_comes_from_defaults(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: a, event: vi}")  # support.HEADER: none, so 60s
    assert eng.evaluate(vi(), T)
    assert not eng.evaluate(vi(), T + timedelta(seconds=59))
    assert eng.evaluate(vi(), T + timedelta(seconds=61))


def test_cooldown_survives_a_restart(tmp_path: Path) -> None:
    rules = "- {name: a, event: vi, cooldown: 5m}"
    db = StateDB(tmp_path / "state.db")
    assert engine(tmp_path, rules, Cooldowns(db)).evaluate(vi(), T)
    db.close()
    db = StateDB(tmp_path / "state.db")
    restarted = engine(tmp_path, rules, Cooldowns(db))
    assert restarted.evaluate(vi(), T + timedelta(minutes=1)) == []
    assert restarted.evaluate(vi(), T + timedelta(minutes=5))
    db.close()


def test_cooldown_writes_of_one_loop_turn_share_one_flush(tmp_path: Path) -> None:
    """A storm's firings are written together when the deferred flush runs, not one by one."""
    deferred: list[Callable[[], None]] = []
    db = StateDB(tmp_path / "state.db")
    eng = engine(tmp_path, "- {name: a, event: vi, cooldown: 5m}", Cooldowns(db, deferred.append))
    for code in ("005930", "000660", "035420"):
        assert eng.evaluate(vi(symbol=code), T)
    assert len(deferred) == 1  # one flush scheduled for the whole turn
    assert db.conn.execute("SELECT COUNT(*) FROM rule_cooldowns").fetchone() == (0,)
    deferred.pop()()
    assert db.conn.execute("SELECT COUNT(*) FROM rule_cooldowns").fetchone() == (3,)
    db.close()
    restarted = engine(
        tmp_path, "- {name: a, event: vi, cooldown: 5m}", Cooldowns(StateDB(tmp_path / "state.db"))
    )
    assert restarted.evaluate(vi(symbol="000660"), T + timedelta(minutes=1)) == []


def test_an_edited_rule_starts_without_cooldown(tmp_path: Path) -> None:
    db = StateDB(tmp_path / "state.db")
    assert engine(tmp_path, "- {name: a, event: vi, cooldown: 5m}", Cooldowns(db)).evaluate(vi())
    edited = engine(tmp_path, "- {name: a, event: vi, cooldown: 5m, kind: any}", Cooldowns(db))
    # 'kind: any' is the default: the definition as written is the same, so is the state
    assert edited.evaluate(vi(), T + timedelta(minutes=1)) == []
    changed = engine(tmp_path, "- {name: a, event: vi, cooldown: 4m}", Cooldowns(db))
    assert changed.evaluate(vi(), T + timedelta(minutes=1))
    db.close()


# ---------------------------------------------------------------------- swap (reload)


def test_swap_keeps_state_of_unchanged_rules(tmp_path: Path) -> None:
    eng = engine(
        tmp_path,
        """
        - {name: keep, event: vi, cooldown: 5m}
        - {name: edit, event: vi, cooldown: 5m}
        - {name: p, event: price, symbol: "005930", above: 100}
        """,
    )
    assert len(eng.evaluate(vi(), T)) == 2
    eng.evaluate(tick(99), T)
    eng.swap(
        ruleset(
            tmp_path,
            """
            - {name: keep, event: vi, cooldown: 5m}
            - {name: edit, event: vi, cooldown: 5m, state: any}
            - {name: p, event: price, symbol: "005930", above: 100}
            - {name: new, event: price, symbol: "005930", above: 98}
            """,
        )
    )
    assert [a.rule for a in eng.evaluate(vi(), T + timedelta(minutes=1))] == ["edit"]
    # the last price (99) carried over: 99 → 101 crosses 100; 98 was never crossed
    assert [a.rule for a in eng.evaluate(tick(101), T)] == ["p"]


def test_swap_forgets_prices_of_stocks_no_longer_watched(tmp_path: Path) -> None:
    price_rule = '- {name: p, event: price, symbol: "005930", above: 100}'
    eng = engine(tmp_path, price_rule)
    eng.evaluate(tick(99))
    eng.swap(ruleset(tmp_path, "- {name: v, event: vi}"))
    eng.swap(ruleset(tmp_path, price_rule))
    assert eng.evaluate(tick(101)) == []  # 99 is stale: the first tick only records


def test_a_replaced_index_is_retired_without_touching_the_running_one(tmp_path: Path) -> None:
    rules = '- {name: v, event: vi}\n- {name: p, event: price, symbol: "005930", above: 100}'
    eng = engine(tmp_path, rules)
    eng.evaluate(tick(99))
    replaced = eng.swap(ruleset(tmp_path, rules))
    replaced.retire()  # the app does this in a worker thread after a reload
    assert replaced.ruleset.rules == [] and replaced.prices.levels == {}
    assert replaced.vi.any == [] and replaced.fingerprints == {}
    assert [a.rule for a in eng.evaluate(tick(101))] == ["p"]  # 99 carried over, not retired
    assert [a.rule for a in eng.evaluate(vi())] == ["v"]


# ---------------------------------------------------------------------- index, subscriptions


def test_subscriptions_follow_the_rules(tmp_path: Path) -> None:
    eng = engine(
        tmp_path,
        """
        - {name: p1, event: price, symbol: "005930", above: 1}
        - {name: p2, event: price, symbols: ["000660"], change_pct_below: -3}
        - {name: unused, event: price, symbol: "035720", above: 1, enabled: false}
        - {name: c1, event: condition, condition: 급등주}
        - {name: c2, event: condition, seq: 7}
        - {name: n, event: news}
        """,
    )
    assert eng.subscriptions() == Subscriptions(
        ticks=frozenset({"005930", "000660"}),
        conditions=frozenset({"급등주", "7"}),
        news=True,
    )
    eng.swap(ruleset(tmp_path, "- {name: v, event: vi}\n- {name: f, event: fill}"))
    assert eng.subscriptions() == Subscriptions(vi=True, fills=True)
    eng.swap(ruleset(tmp_path, "- {name: m, event: market}"))
    assert eng.subscriptions() == Subscriptions(market=True)


def test_disabled_rules_never_fire(tmp_path: Path) -> None:
    eng = engine(tmp_path, "- {name: v, event: vi, enabled: false}")
    assert eng.evaluate(vi()) == []


def test_an_event_meets_only_rules_for_its_symbol(tmp_path: Path) -> None:
    """10,000 rules on other stocks are not even looked at (no per-rule scan)."""
    many = "\n".join(
        f'- {{name: v{n}, event: vi, symbol: "{n:06d}"}}\n'
        f'- {{name: p{n}, event: price, symbol: "{n:06d}", above: 100}}\n'
        f"- {{name: n{n}, event: news, keywords: [kw{n}x]}}"
        for n in range(1, 3001)
    )
    eng = engine(tmp_path, many + '\n- {name: mine, event: vi, symbol: "999999"}')
    index = eng._index
    assert [c.name for c in index.vi.get("999999")] == ["mine"]
    assert index.vi.get("888888") == []
    assert index.prices.levels.get("999999") is None
    assert [c.name for c in index.news_by_keyword.get(*index.keywords.find("kw17x 속보"))] == [
        "n17"
    ]
    assert [a.rule for a in eng.evaluate(vi(symbol="000017"))] == ["v17"]


def test_names_learned_from_other_events_fill_in_for_feeds_without_them(tmp_path: Path) -> None:
    """Kiwoom's trade frames carry only the code; the VI before it carried the name."""
    eng = engine(
        tmp_path,
        """
        - {name: p, event: price, symbol: "005930", above: 100, cooldown: 0}
        - {name: c, event: condition, seq: 4}
        """,
    )
    eng.evaluate(replace(tick(99), name=""))
    [before] = eng.evaluate(replace(tick(101), name="", price=101))
    assert before.text.startswith("📈 005930 100원 상향 돌파\n현재가 101원")
    eng.evaluate(vi())
    eng.evaluate(replace(tick(99), name=""))
    [after] = eng.evaluate(replace(tick(101), name=""))
    assert after.text.startswith("📈 삼성전자(005930) 100원 상향 돌파\n현재가 101원")
    [snapshot] = eng.evaluate(hit(action="snapshot", matches=("005930", "000660")))
    assert snapshot.text.endswith("2종목: 삼성전자(005930), 000660")


def test_market_without_a_label_names_the_category_in_korean(tmp_path: Path) -> None:
    [alert] = engine(tmp_path, "- {name: m, event: market, status: any}").evaluate(
        market(label="", category="sidecar", status_code="99")
    )
    assert alert.text.startswith("🚨 코스피 사이드카 99")


def test_news_line_leaves_out_what_the_feed_did_not_send(tmp_path: Path) -> None:
    [alert] = engine(tmp_path, "- {name: n, event: news}").evaluate(
        replace(news("시황"), provider="")
    )
    assert alert.text == "📰 시황\n10:00:00"


def test_the_engine_reads_its_clock_only_for_what_may_fire(tmp_path: Path) -> None:
    """Without ``now`` the injected clock dates alerts and cooldowns; a tick that crosses
    nothing does not need it."""
    reads: list[datetime] = []

    def clock() -> datetime:
        reads.append(T + timedelta(seconds=len(reads)))
        return reads[-1]

    eng = Engine(
        ruleset(
            tmp_path,
            """
            - {name: p, event: price, symbol: "005930", above: 100, cooldown: 60s}
            - {name: v, event: vi}
            """,
        ),
        clock=clock,
    )
    assert [eng.evaluate(tick(price)) for price in (98, 99, 99, 97)] == [[], [], [], []]
    assert reads == []
    (alert,) = eng.evaluate(tick(101))
    assert alert.created_at == reads[0]
    assert eng.evaluate(tick(99)) == [] and eng.evaluate(tick(102)) == []  # cooling down
    assert eng.stats[("p", "cooldown")] == 1
    (vi_alert,) = eng.evaluate(vi())
    assert vi_alert.created_at == reads[-1]


def test_a_stocks_venues_keep_their_own_last_price_across_a_swap(tmp_path: Path) -> None:
    rule = '- {name: p, event: price, symbol: "005930", above: 100}'
    eng = engine(tmp_path, rule)
    eng.evaluate(tick(99, venue="KRX"), T)
    eng.evaluate(tick(101, venue="NXT"), T)
    eng.swap(ruleset(tmp_path, rule + "\n- {name: v, event: vi}"))
    assert [a.rule for a in eng.evaluate(tick(101, venue="KRX"), T)] == ["p"]
    assert eng.evaluate(tick(102, venue="NXT"), T) == []  # NXT was already above
