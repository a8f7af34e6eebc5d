"""상한가/하한가 and volume spikes the whole way: simulated brokers → app → fake Telegram.

Kiwoom: the stocks' ``0B`` trades (FID 25 for the limit, FIDs 20/15/13 for the minutes).
LS: the stocks' ``S3_`` trades, and the market-wide SHI/SHO limit reports that need no symbols.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from alertbot.sim import kiwoom as kw
from alertbot.sim import ls
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.ls import LsSimulator
from alertbot.sim.telegram import FakeTelegram
from alertbot.subscriptions import Subscriptions
from tests.ls.test_end_to_end import ls_env

LIMIT_AND_VOLUME = """
rules:
  - name: 상한가
    event: limit
    symbols: ["005930"]
    state: any
    cooldown: 0
  - name: 거래량 급증
    event: volume
    symbols: ["000660"]
    ratio_above: 5
    window: 10m
"""


def kiwoom_env(kiwoom: KiwoomSimulator, tmp_path: Path) -> dict[str, str]:
    return {
        "KIWOOM_TOKEN": kw.SIM_TOKEN,
        "KIWOOM_WS_URL": kiwoom.url,
        "KIWOOM_API_URL": kiwoom.api_url,  # the stock list (ka10099): trades carry only codes
        "ALERTBOT_RULES": str(tmp_path),
        "ALERTBOT_STATE": str(tmp_path / "state.db"),
    }


def hynix_minutes(cum: int = 5_000_000) -> list[tuple[str, int, int]]:
    """(HHMMSS, volume, cumulative): watched from 10:00:30, three 1,000-share minutes, then a
    10:04 that reaches 5 × the average on its second trade."""
    trades = [("100030", 1_000), ("100110", 1_000), ("100210", 1_000), ("100310", 1_000)]
    trades += [("100405", 2_000), ("100420", 3_000), ("100430", 7_000)]
    rows = []
    for hhmmss, volume in trades:
        cum += volume
        rows.append((hhmmss, volume, cum))
    return rows


VOLUME_TEXT = "📊 거래량 급증 SK하이닉스(000660) 5,000주/분 (평균 1,000주 × 5.0) · 10:04"
"""Trades carry only the code: the name comes from the broker's stock list."""


def shown(telegram: FakeTelegram) -> str:
    """Everything the chat shows, markup removed (alerts close together share a message)."""
    return "\n".join(html.unescape(re.sub(r"</?[a-z]+>", "", m.text)) for m in telegram.messages)


async def wait_shown(telegram: FakeTelegram, *lines: str) -> str:
    try:
        await telegram.wait_for(lambda: all(line in shown(telegram) for line in lines))
    except TimeoutError:
        raise AssertionError(shown(telegram)) from None
    return shown(telegram)


async def test_kiwoom_trades_make_limit_and_volume_alerts(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram, start_app
) -> None:
    async with start_app(LIMIT_AND_VOLUME, kiwoom_env(kiwoom_sim, tmp_path)):
        wanted = Subscriptions(ticks=frozenset({"005930", "000660"}))
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(wanted))
        await kiwoom_sim.push(
            [
                kw.trade_entry("005930", 71_000, change=16_000, rate=29.09, hhmmss="093100"),
                kw.trade_entry(
                    "005930", 71_500, change=16_500, rate=29.97, hhmmss="093105", at_limit=True
                ),
                kw.trade_entry(
                    "005930", 71_500, change=16_500, rate=29.97, hhmmss="093106", at_limit=True
                ),
                kw.trade_entry("005930", 71_400, change=16_400, rate=29.79, hhmmss="094012"),
            ]
        )
        for hhmmss, volume, cum in hynix_minutes():
            entry = kw.trade_entry("000660", 190_000, volume=volume, cum_volume=cum, hhmmss=hhmmss)
            await kiwoom_sim.push([entry])
        reached = "🔺 상한가 삼성전자(005930) 71,500원 (+29.97%) · 09:31:05"
        released = "↩️ 상한가 이탈 삼성전자(005930) 71,400원 (+29.79%) · 09:40:12"
        text = await wait_shown(fake_telegram, reached, released, VOLUME_TEXT)
    assert [text.count(line) for line in (reached, released, VOLUME_TEXT)] == [1, 1, 1]
    assert text.index(reached) < text.index(released)


async def test_ls_limit_reports_need_no_symbols_and_trades_make_volume_alerts(
    tmp_path: Path, ls_sim: LsSimulator, fake_telegram: FakeTelegram, start_app
) -> None:
    rules = """
rules:
  - name: 상한가
    event: limit
    state: any
  - name: 거래량 급증
    event: volume
    symbols: ["000660"]
    ratio_above: 5
"""
    async with start_app(rules, ls_env(ls_sim, tmp_path)) as app:
        await ls_sim.wait_for(
            lambda: (
                ls_sim.subscribed("SHI", "1")
                and ls_sim.subscribed("SHO", "1")
                and ls_sim.subscribed("S3_", "000660")
            )
        )
        await ls_sim.push(ls.limit_reached("005950", "이수화학", 38_850))
        await ls_sim.push(ls.limit_reached("005950", "이수화학", 38_850))  # the same, again
        await ls_sim.push(ls.limit_released("005950", "이수화학", 38_800, 38_850))
        for hhmmss, volume, cum in hynix_minutes():
            frame = ls.trade("000660", 190_000, volume=volume, cum_volume=cum, hhmmss=hhmmss)
            await ls_sim.push(frame)
        reached = "🔺 상한가 이수화학(005950) 38,850원 (+29.93%) · 10:33:24"
        released = "↩️ 상한가 이탈 이수화학(005950) 38,800원 (+29.77%) · "  # SHO: arrival time
        text = await wait_shown(fake_telegram, reached, released, VOLUME_TEXT)
        assert app.engine is not None
        assert app.engine.stats[("상한가", "fired")] == 2
    assert [text.count(line) for line in (reached, released, VOLUME_TEXT)] == [1, 1, 1]


async def test_one_limit_seen_by_both_feeds_is_one_alert(
    tmp_path: Path,
    ls_sim: LsSimulator,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    start_app,
) -> None:
    env = {**ls_env(ls_sim, tmp_path), **kiwoom_env(kiwoom_sim, tmp_path)}
    async with start_app(LIMIT_AND_VOLUME, env) as app:
        await kiwoom_sim.wait_for(
            lambda: kiwoom_sim.covers(Subscriptions(ticks=frozenset({"005930"})))
        )
        await ls_sim.wait_for(lambda: ls_sim.subscribed("SHI", "1"))
        await kiwoom_sim.push(
            [
                kw.trade_entry("005930", 71_000, change=16_000, rate=29.09, hhmmss="093100"),
                kw.trade_entry(
                    "005930", 71_500, change=16_500, rate=29.97, hhmmss="093105", at_limit=True
                ),
            ]
        )
        reached = "🔺 상한가 삼성전자(005930) 71,500원 (+29.97%) · 09:31:05"
        await wait_shown(fake_telegram, reached)
        await ls_sim.push(ls.limit_reached("005930", "삼성전자", 71_500, hhmmss="093105"))
        await ls_sim.push(ls.limit_released("005930", "삼성전자", 71_400, 71_500))
        released = "↩️ 상한가 이탈 삼성전자(005930) 71,400원"
        text = await wait_shown(fake_telegram, released)
        assert app.engine is not None
        assert app.engine.stats[("상한가", "fired")] == 2  # LS's SHI of the same reach: nothing
    assert text.count("상한가") == 2
