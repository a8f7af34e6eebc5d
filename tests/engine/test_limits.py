"""``event: limit``: 상한가/하한가 reached once, re-armed by leaving, released as news."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path

import pytest

from alertbot.engine.engine import Engine
from alertbot.events import KST, PriceLimit, Tick
from alertbot.stocks.book import Stock
from tests.engine.support import ruleset

DAY = datetime(2025, 3, 3, tzinfo=KST).date()
NAMES = {"005930": "삼성전자", "000660": "SK하이닉스"}


def at(hhmmss: str, day: int = 0) -> datetime:
    hour, minute, second = int(hhmmss[:2]), int(hhmmss[2:4]), int(hhmmss[4:])
    return datetime.combine(DAY + timedelta(days=day), time(hour, minute, second), KST)


def trade(
    sign: str,
    hhmmss: str = "100000",
    price: int = 71_500,
    *,
    symbol: str = "005930",
    venue: str = "KRX",
    cum: int = 1_000_000,
    day: int = 0,
) -> Tick:
    rate = {"1": 29.97, "4": -29.97, "5": -1.0}.get(sign, 1.0)
    return Tick(
        source="sim",
        time=at(hhmmss, day),
        symbol=symbol,
        name=NAMES.get(symbol, ""),
        price=price,
        rate=rate,
        volume=10,
        cum_volume=cum,
        venue=venue,
        sign=sign,
    )


def report(
    direction: str, state: str, hhmmss: str = "100000", symbol: str = "005930"
) -> PriceLimit:
    """A feed's own limit report, as the LS feed makes from SHI (reached) and SHO (released)."""
    return PriceLimit(
        source="ls",
        time=at(hhmmss),
        symbol=symbol,
        name=NAMES.get(symbol, ""),
        direction=direction,  # type: ignore[arg-type]
        state=state,  # type: ignore[arg-type]
        price=71_500,
        rate=29.97,
        limit_price=71_500,
    )


def engine(folder: Path, keys: str = "", symbols: str = 'symbols: ["005930"]') -> Engine:
    rules = f"- {{name: lim, event: limit, {symbols}, cooldown: 0, {keys}}}"
    return Engine(ruleset(folder, rules.replace(", }", "}")))


def fired(eng: Engine, events: list[Tick | PriceLimit]) -> list[int]:
    return [i for i, event in enumerate(events) if eng.evaluate(event, at("120000"))]


SEQUENCES = [
    # (rule keys, signs of successive trades, indexes that fire)
    ("", ["2", "1"], [1]),  # default: reached, either direction
    ("", ["2", "1", "1", "1"], [1]),  # staying at the limit is not reaching it again
    ("", ["2", "1", "2", "1"], [1, 3]),  # re-armed once it left
    ("", ["2", "1", "3", "2", "1"], [1, 4]),
    ("", ["5", "4", "4", "5", "4"], [1, 4]),  # the lower limit too
    ("direction: up", ["5", "4", "2", "1"], [3]),
    ("direction: down", ["2", "1", "5", "4"], [3]),
    ("state: released", ["2", "1", "1", "2", "1", "5"], [3, 5]),
    ("state: released, direction: down", ["2", "1", "2", "5", "4", "5"], [5]),
    ("state: any", ["2", "1", "2"], [1, 2]),
    ("", ["2", "", "1", "", "1"], [2]),  # an empty sign says nothing either way
    ("state: released", ["2", "1", "", "2"], [3]),
    ("", ["1", "1", "2"], []),  # first seen at the limit mid-day: recorded, not announced
    ("state: released", ["1", "2"], [1]),  # … but leaving it is news
    ("direction: up", ["4", "1"], [1]),  # straight from the lower limit to the upper
]


@pytest.mark.parametrize(("keys", "signs", "expected"), SEQUENCES)
def test_limit_sequences(tmp_path: Path, keys: str, signs: list[str], expected: list[int]) -> None:
    eng = engine(tmp_path, keys)
    events = [trade(sign, f"10{n:02d}00") for n, sign in enumerate(signs)]
    assert fired(eng, events) == expected


def test_opening_at_the_limit_is_reaching_it(tmp_path: Path) -> None:
    """The day's first trade at the limit: it got there just now."""
    assert fired(engine(tmp_path), [trade("1", "093000", cum=10)]) == [0]
    # The opening auction's match at 09:00:00 (its cumulative holds pre-market trades too).
    assert fired(engine(tmp_path), [trade("1", "090000", symbol="005930")]) == [0]


def test_default_message(tmp_path: Path) -> None:
    eng = engine(tmp_path, "state: any")
    eng.evaluate(trade("2", "093000"), at("120000"))
    [reached] = eng.evaluate(trade("1", "093105"), at("120000"))
    assert reached.text == "🔺 상한가 삼성전자(005930) 71,500원 (+29.97%) · 09:31:05"
    assert reached.kind == "limit"
    [left] = eng.evaluate(trade("2", "094012", price=71_400), at("120000"))
    assert left.text.startswith("↩️ 상한가 이탈 삼성전자(005930) 71,400원")
    eng.evaluate(trade("4", "100000", price=50_000), at("120000"))
    [lower] = eng.evaluate(trade("5", "100100"), at("120000"))  # released the lower limit
    assert lower.text.startswith("↩️ 하한가 이탈")


def test_template_fields(tmp_path: Path) -> None:
    message = "{limit_ko} {state_ko} {limit_price:,}"
    rules = f'- {{name: lim, event: limit, symbols: ["005930"], message: "{message}"}}'
    eng = Engine(ruleset(tmp_path, rules))
    eng.evaluate(trade("2", "093000"), at("120000"))
    [alert] = eng.evaluate(trade("1", "093105"), at("120000"))
    assert alert.text == "상한가 도달 71,500"


def test_reach_and_release_have_separate_cooldowns(tmp_path: Path) -> None:
    """The default cooldown applies per stock, direction and state: a limit break right after
    the limit was reached is still told; the same reach again within the minute is not."""
    rules = '- {name: lim, event: limit, symbols: ["005930"], state: any}'
    eng = Engine(ruleset(tmp_path, rules))
    now = at("100000")
    signs = ["2", "1", "2", "1"]
    assert [bool(eng.evaluate(trade(s, f"1000{n:02d}"), now)) for n, s in enumerate(signs)] == [
        False,
        True,
        True,
        False,  # reached again 2 s later: inside the 60 s cooldown of "reached"
    ]


def test_venues_and_days_are_separate(tmp_path: Path) -> None:
    eng = engine(tmp_path, "state: any")
    assert fired(eng, [trade("2", "100000"), trade("1", "100100")]) == [1]
    assert fired(eng, [trade("2", "100200", venue="NXT"), trade("1", "100300", venue="NXT")]) == [1]
    # Yesterday it closed at the limit; today's first trade below it is no release.
    assert fired(eng, [trade("2", "100000", day=1)]) == []


def test_other_stocks_are_not_tracked(tmp_path: Path) -> None:
    eng = engine(tmp_path)
    assert fired(eng, [trade("2", symbol="000660"), trade("1", symbol="000660")]) == []
    assert eng.limits._standing == {}


def test_rule_without_symbols_watches_every_stock(tmp_path: Path) -> None:
    eng = engine(tmp_path, symbols="direction: up")
    assert fired(eng, [trade("2", symbol="000660"), trade("1", "100100", symbol="000660")]) == [1]
    assert eng.subscriptions().limits
    assert eng.subscriptions().ticks == frozenset()


def test_feed_reports_and_trades_tell_one_happening_once(tmp_path: Path) -> None:
    """LS's SHI, then the trade at the limit: one alert; the trade leaving, then SHO: one."""
    eng = engine(tmp_path, "state: any")
    events: list[Tick | PriceLimit] = [
        trade("2", "100000"),
        report("up", "reached", "100100"),
        trade("1", "100101"),
        trade("2", "100500"),
        report("up", "released", "100501"),
        report("up", "reached", "100600"),
        report("up", "reached", "100601"),  # a repeat after a reconnect
        report("down", "released", "100700"),  # not at the lower limit: nothing to release
    ]
    assert fired(eng, events) == [1, 3, 5]


def test_feed_report_for_a_stock_never_traded_is_news(tmp_path: Path) -> None:
    eng = engine(tmp_path, "state: any", symbols="direction: any")
    assert fired(eng, [report("up", "released", symbol="000660")]) == [0]
    assert fired(eng, [report("down", "reached", symbol="000660")]) == [0]


def test_limit_state_survives_a_reload(tmp_path: Path) -> None:
    eng = engine(tmp_path)
    eng.evaluate(trade("2", "100000"), at("120000"))
    eng.evaluate(trade("1", "100100"), at("120000"))
    eng.swap(ruleset(tmp_path, '- {name: lim2, event: limit, symbols: ["005930"], cooldown: 0}'))
    assert fired(eng, [trade("1", "100200"), trade("2", "100300"), trade("1", "100400")]) == [2]


def test_without_a_sign_the_stock_masters_limits_tell(tmp_path: Path) -> None:
    """A trade that carries no 전일대비기호: LS's master (t8436) has the day's limits."""
    eng = engine(tmp_path, "state: any")
    eng.stocks.replace([Stock("005930", "삼성전자", "KOSPI", 55_000, 71_500, 38_500)])
    signless = [
        trade("", "100000", price=70_000),
        trade("", "100100", price=71_500),
        trade("", "100200", price=71_500),
        trade("", "100300", price=71_400),
        trade("", "100400", price=38_500),
    ]
    assert fired(eng, signless) == [1, 3, 4]


def test_without_a_sign_or_master_limits_nothing_is_guessed(tmp_path: Path) -> None:
    eng = engine(tmp_path, "state: any")
    eng.stocks.replace([Stock("005930", "삼성전자", "KOSPI")])  # Kiwoom's list: no limits
    assert fired(eng, [trade("", "100000", price=70_000), trade("", "100100")]) == []
