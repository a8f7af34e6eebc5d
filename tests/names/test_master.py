"""The stock master's book, store and refresh: names survive a restart, a failure only warns."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from alertbot.events import KST
from alertbot.state import StateDB
from alertbot.stocks.book import Stock, StockBook, bare_code
from alertbot.stocks.refresh import StockMaster, seconds_until
from alertbot.stocks.store import StockStore

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=KST)
SAMSUNG = Stock("005930", "삼성전자", "KOSPI", 75_900)


def master(path: Path, loaders, notices: list[str]) -> StockMaster:  # type: ignore[no-untyped-def]
    store = StockStore(StateDB(path))
    return StockMaster(StockBook(), store, loaders, warn=notices.append, clock=lambda: NOW)


def loader(stocks: list[Stock]):  # type: ignore[no-untyped-def]
    async def load() -> list[Stock]:
        return stocks

    return load


async def failing() -> list[Stock]:
    raise ConnectionError("broker unreachable")


def test_book_serves_venue_items_and_learned_names() -> None:
    book = StockBook([SAMSUNG])
    assert book.name("005930_NX") == book.name("A005930") == "삼성전자"
    assert bare_code("005930_AL") == "005930"
    book.learn("005930", "다른 이름")  # the master wins over a feed's name
    book.learn("999990", "신규상장")
    assert book.name("005930") == "삼성전자" and book.name("999990") == "신규상장"
    assert book.name("000000") == "" and book.market("005930") == "KOSPI"


async def test_a_restart_restores_what_the_last_load_kept(tmp_path: Path) -> None:
    notices: list[str] = []
    first = master(tmp_path / "state.db", [("kiwoom", loader([SAMSUNG]))], notices)
    assert await first.refresh() and first.book.name("005930") == "삼성전자"
    later = master(tmp_path / "state.db", [("kiwoom", failing)], notices)
    assert later.restore() == 1 and later.book.name("005930") == "삼성전자"
    assert not await later.refresh()
    assert later.book.name("005930") == "삼성전자" and later.loaded.is_set()
    assert len(notices) == 1 and "kiwoom" in notices[0] and "broker unreachable" in notices[0]


async def test_a_second_broker_fills_in_the_limits_the_first_lacks(tmp_path: Path) -> None:
    with_limits = Stock("005930", "삼성전자", "KOSPI", 75_900, 98_600, 53_200)
    both = master(
        tmp_path / "state.db",
        [("kiwoom", loader([SAMSUNG])), ("ls", loader([with_limits]))],
        [],
    )
    assert await both.refresh()
    assert both.book.get("005930") == with_limits


async def test_one_broker_failing_does_not_lose_the_other(tmp_path: Path) -> None:
    notices: list[str] = []
    both = master(tmp_path / "state.db", [("kiwoom", failing), ("ls", loader([SAMSUNG]))], notices)
    assert await both.refresh() and both.book.name("005930") == "삼성전자"
    assert len(notices) == 1


async def test_start_without_a_broker_to_load_from_does_not_wait(tmp_path: Path) -> None:
    alone = master(tmp_path / "state.db", [], [])
    assert await alone.start([]) is None and alone.loaded.is_set()


async def test_start_with_no_names_waits_for_the_first_load(tmp_path: Path) -> None:
    fresh = master(tmp_path / "state.db", [], [])
    keeping = await fresh.start([("kiwoom", loader([SAMSUNG]))], first_wait=10)
    assert keeping is not None and fresh.book.name("005930") == "삼성전자"
    keeping.cancel()
    await asyncio.gather(keeping, return_exceptions=True)


async def test_start_with_restored_names_does_not_wait_for_the_broker(tmp_path: Path) -> None:
    first = master(tmp_path / "state.db", [("kiwoom", loader([SAMSUNG]))], [])
    await first.refresh()
    answer = asyncio.Event()

    async def slow() -> list[Stock]:
        await answer.wait()
        return [Stock("005930", "삼성전자우선")]

    later = master(tmp_path / "state.db", [], [])
    later.restore()
    keeping = await later.start([("ls", slow)], first_wait=10)
    assert keeping is not None and not later.loaded.is_set()
    assert later.book.name("005930") == "삼성전자"
    answer.set()
    await asyncio.wait_for(later.loaded.wait(), 10)
    assert later.book.name("005930") == "삼성전자우선"
    keeping.cancel()
    await asyncio.gather(keeping, return_exceptions=True)


def test_daily_refresh_time() -> None:
    assert seconds_until(NOW.replace(hour=7, minute=30), NOW.timetz()) == 1800
    assert seconds_until(NOW, NOW.timetz()) == 24 * 3600
