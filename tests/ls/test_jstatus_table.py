"""Every jangubun/jstatus pair documented in seed 000 gets its documented meaning.

The expected texts are the vendor's own, copied into tests/golden/ls/jif_jstatus_table.json;
labels are compared without spaces and commas (alertbot spaces them for reading).
"""

from __future__ import annotations

import pytest

from alertbot.feeds.ls.jstatus import describe
from tests.ls.conftest import golden_ls

TABLE = golden_ls("jif_jstatus_table.json")
MARKETS = {
    "1": "kospi",
    "2": "kosdaq",
    "5": "derivatives",
    "6": "nxt",
    "8": "krx_night",
    "9": "us",
    "A": "china_am",
    "B": "china_pm",
    "C": "hongkong_am",
    "D": "hongkong_pm",
    "E": "japan_am",
    "F": "japan_pm",
}


def plain(text: str) -> str:
    return text.replace(" ", "").replace(",", "")


def documented_pairs() -> list[tuple[str, str, str]]:
    """(jangubun, jstatus, vendor text) for every pair the seed defines."""
    pairs = [(m, s, text) for m in TABLE["jangubun"] for s, text in TABLE["common"].items()]
    pairs += [(m, s, text) for m in ("1", "2") for s, text in TABLE["kospi_kosdaq"].items()]
    pairs += [("5", s, text) for s, text in TABLE["derivatives"].items()]
    return pairs


def test_the_table_covers_the_seed() -> None:
    assert set(TABLE["jangubun"]) == set(MARKETS)
    assert len(TABLE["common"]) == 33
    assert len(TABLE["kospi_kosdaq"]) == 11 and len(TABLE["derivatives"]) == 11


@pytest.mark.parametrize(("jangubun", "jstatus", "text"), documented_pairs())
def test_every_documented_pair(jangubun: str, jstatus: str, text: str) -> None:
    meaning = describe(jangubun, jstatus)
    assert plain(meaning.label) == plain(text)
    assert meaning.market == MARKETS[jangubun]
    assert plain(meaning.market_ko) == plain(TABLE["jangubun"][jangubun])
    assert meaning.category in {"circuit_breaker", "sidecar", "session", "price_limit", "other"}


@pytest.mark.parametrize("jangubun", ["1", "2"])
def test_stock_market_halts(jangubun: str) -> None:
    categories = {code: describe(jangubun, code).category for code in TABLE["kospi_kosdaq"]}
    assert {c for c, cat in categories.items() if cat == "sidecar"} == {"64", "65", "66", "67"}
    assert {c for c, cat in categories.items() if cat == "circuit_breaker"} == {
        "61",
        "62",
        "63",
        "68",
        "69",
        "70",
        "71",
    }
    assert describe(jangubun, "61").label == "서킷브레이크 1단계 발동"


def test_61_means_something_else_on_futures_and_options() -> None:
    assert describe("5", "61").label == "코스피 관련 파생상품 당일 장종료"
    assert "1단계" not in describe("5", "61").label
    assert describe("5", "74").category == "price_limit"
    assert describe("5", "64").category == "other"  # sidecar codes are stock-market only


@pytest.mark.parametrize("jangubun", ["6", "8", "9", "A", "F"])
def test_halt_codes_are_not_guessed_on_markets_that_do_not_document_them(jangubun: str) -> None:
    meaning = describe(jangubun, "61")
    assert (meaning.category, meaning.label) == ("other", "장상태 61")


def test_session_changes_and_countdowns() -> None:
    assert describe("1", "21").category == "session"
    assert describe("1", "41").category == "session"
    assert describe("1", "43").category == "other"  # "1분 전" is an announcement
    assert describe("9", "A3").label == "프리마켓 장개시 1분 전"


def test_unknown_codes_keep_their_raw_value() -> None:
    assert describe("Z", "99") == describe("Z", "99")
    meaning = describe("Z", "99")
    assert (meaning.market, meaning.category, meaning.label) == ("other", "other", "장상태 99")
    assert meaning.market_ko == "장구분 Z"
