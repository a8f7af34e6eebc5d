"""The brokers' stock lists (Kiwoom ka10099, LS t8436) through the simulators, paging included."""

from __future__ import annotations

import pytest

from alertbot.feeds.kiwoom.stocklist import KiwoomStockList
from alertbot.feeds.kiwoom.token import TokenIssuer
from alertbot.feeds.ls.stocklist import LsStockList
from alertbot.feeds.ls.token import LsTokenIssuer
from alertbot.feeds.stocklist import StockListError
from alertbot.sim import ls as ls_sim_module
from alertbot.sim.kiwoom import SIM_APPKEY, SIM_SECRETKEY, SIM_TOKEN, KiwoomSimulator
from alertbot.sim.ls import LsSimulator
from alertbot.sim.stocks import SIM_STOCKS
from alertbot.stocks.book import Stock
from tests.names.conftest import NO_WAIT


def given(token: str):  # type: ignore[no-untyped-def]
    async def get() -> str:
        return token

    return get


def by_code(stocks: list[Stock]) -> dict[str, Stock]:
    return {stock.code: stock for stock in stocks}


async def test_kiwoom_pages_through_every_market(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.stock_list.page_size = 3
    stocks = by_code(await KiwoomStockList(kiwoom_sim.api_url, given(SIM_TOKEN))())
    assert set(stocks) == {stock.code for stock in SIM_STOCKS}
    samsung = stocks["005930"]
    assert (samsung.name, samsung.market, samsung.prev_close) == ("삼성전자", "KOSPI", 75_900)
    assert stocks["247540"].market == "KOSDAQ"
    assert samsung.upper_limit == 0  # ka10099 gives no limits
    requests = kiwoom_sim.stock_list.requests
    follow_ups = [headers for headers, _ in requests if headers.get("cont-yn") == "Y"]
    assert len(follow_ups) >= 5  # 16 KOSPI rows in pages of 3, 4 KOSDAQ rows in pages of 3
    assert all(headers["next-key"] for headers in follow_ups)
    assert all(
        h["api-id"] == "ka10099" and h["authorization"] == f"Bearer {SIM_TOKEN}"
        for h, _ in requests
    )
    assert {body["mrkt_tp"] for _, body in requests} == {"0", "10", "50", "8", "60"}


async def test_kiwoom_retries_a_failing_gateway(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.stock_list.fail = 2
    stocks = await KiwoomStockList(kiwoom_sim.api_url, given(SIM_TOKEN), wait=NO_WAIT)()
    assert len(stocks) == len(SIM_STOCKS)


async def test_kiwoom_renews_a_refused_token(kiwoom_sim: KiwoomSimulator) -> None:
    issuer = TokenIssuer(kiwoom_sim.api_url, SIM_APPKEY, SIM_SECRETKEY)
    first = await issuer()
    kiwoom_sim.revoke(first)
    stocks = await KiwoomStockList(kiwoom_sim.api_url, issuer, wait=NO_WAIT)()
    assert len(stocks) == len(SIM_STOCKS) and issuer.issued == 2


async def test_kiwoom_gives_up_with_a_clear_error(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.stock_list.down = True
    loader = KiwoomStockList(kiwoom_sim.api_url, given(SIM_TOKEN), attempts=3, wait=NO_WAIT)
    with pytest.raises(StockListError, match="HTTP 503"):
        await loader()
    assert len(kiwoom_sim.stock_list.requests) == 3


async def test_kiwoom_unknown_token_is_not_retried_forever(kiwoom_sim: KiwoomSimulator) -> None:
    loader = KiwoomStockList(kiwoom_sim.api_url, given("wrong"), attempts=2, wait=NO_WAIT)
    with pytest.raises(StockListError, match="kiwoom ka10099: 토큰 거부") as error:
        await loader()
    assert "wrong" not in str(error.value)


async def test_ls_pages_and_reads_the_limits(ls_sim: LsSimulator) -> None:
    ls_sim.stock_list.page_size = 6
    issuer = LsTokenIssuer(ls_sim.api_url, ls_sim_module.SIM_APPKEY, ls_sim_module.SIM_APPSECRET)
    stocks = by_code(await LsStockList(ls_sim.api_url, issuer)())
    assert set(stocks) == {stock.code for stock in SIM_STOCKS}
    assert stocks["000020"] == Stock("000020", "동화약품", "KOSPI", 10_550, 13_710, 7_390)
    assert stocks["196170"].market == "KOSDAQ"
    requests = ls_sim.stock_list.requests
    assert [h["tr_cont"] for h, _ in requests] == ["N", "Y", "Y", "Y"]
    assert all(h["tr_cd"] == "t8436" for h, _ in requests)
    assert all(body == {"t8436InBlock": {"gubun": "0"}} for _, body in requests)


async def test_ls_renews_a_refused_token(ls_sim: LsSimulator) -> None:
    issuer = LsTokenIssuer(ls_sim.api_url, ls_sim_module.SIM_APPKEY, ls_sim_module.SIM_APPSECRET)
    ls_sim.tokens.discard(await issuer())
    stocks = await LsStockList(ls_sim.api_url, issuer, wait=NO_WAIT)()
    assert len(stocks) == len(SIM_STOCKS) and issuer.issued == 2


async def test_unreachable_server_is_a_stock_list_error() -> None:
    loader = LsStockList("http://127.0.0.1:9", given("t"), attempts=2, wait=NO_WAIT)
    with pytest.raises(StockListError, match="연결할 수 없음"):
        await loader()
