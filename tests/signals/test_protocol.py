"""Limit and volume inputs from both brokers' frames: the vendors' own examples.

Kiwoom ``0B`` FID 25 전일대비기호 and LS ``sign`` become ``Tick.sign``; LS's market-wide
상/하한가진입 (SHI) and 상/하한가이탈 (SHO) become ``PriceLimit`` events
(docs/protocol/price-limits-and-volume.md).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import orjson
import pytest

from alertbot.events import KST, PriceLimit, Tick
from alertbot.feeds.kiwoom import protocol as kiwoom
from alertbot.feeds.ls import protocol
from alertbot.subscriptions import Subscriptions
from tests.conftest import golden
from tests.ls.conftest import golden_ls

RECEIVED = datetime(2023, 6, 14, 10, 40, 0, tzinfo=KST)


def ls_event(name: str, body: dict[str, str] | None = None) -> object:
    example = golden_ls(name)
    example["body"].update(body or {})
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Data), message
    return message.event


def test_kiwoom_trade_carries_field_25() -> None:
    """reference/kiwoom/realtime-0B-trade.md: ``'25': '5'`` (하락)."""
    message = kiwoom.parse(golden("kiwoom/0B_trade_real.json"), RECEIVED)
    assert isinstance(message, kiwoom.RealData)
    [tick] = message.events
    assert isinstance(tick, Tick) and tick.sign == "5"


@pytest.mark.parametrize("name", ["s3_response.json", "k3_response.json"])
def test_ls_trade_carries_its_sign(name: str) -> None:
    tick = ls_event(name)
    assert isinstance(tick, Tick) and tick.sign == "2"
    upper = ls_event(name, {"sign": "1"})
    assert isinstance(upper, Tick) and upper.sign == "1" and upper.rate > 0


def test_shi_example_is_an_upper_limit_reached() -> None:
    """SHI 💡 Response Example: 이수화학 (005950) at 38,850, +29.93%, entered at 10:33:24."""
    assert ls_event("shi_response.json") == PriceLimit(
        source="ls",
        time=datetime(2023, 6, 14, 10, 33, 24, tzinfo=KST),
        symbol="005950",
        name="이수화학",
        direction="up",
        state="reached",
        price=38_850,
        rate=29.93,
        limit_price=38_850,
    )


def test_sho_example_is_an_upper_limit_released() -> None:
    """SHO 💡 Response Example: 38,800 against the limit 38,850 — it left the upper limit.
    SHO carries no time: the event is stamped with its arrival."""
    assert ls_event("sho_response.json") == PriceLimit(
        source="ls",
        time=RECEIVED,
        symbol="005950",
        name="이수화학",
        direction="up",
        state="released",
        price=38_800,
        rate=29.77,
        limit_price=38_850,
    )


def test_lower_limits_are_told_by_sign_and_by_the_limit_price() -> None:
    shi = ls_event("shi_response.json", {"sign": "4", "drate": "-29.93", "price": "27250"})
    assert isinstance(shi, PriceLimit) and (shi.direction, shi.rate) == ("down", -29.93)
    sho = ls_event("sho_response.json", {"sign": "5", "price": "27300", "updnlmtprice": "27250"})
    assert isinstance(sho, PriceLimit) and (sho.direction, sho.state) == ("down", "released")
    assert sho.rate == -29.77


@pytest.mark.parametrize(
    ("name", "body", "reason"),
    [
        ("shi_response.json", {"shcode": ""}, "no stock"),
        ("shi_response.json", {"sign": "3"}, "unchanged is no limit"),
        ("shi_response.json", {"price": "0"}, "no price"),
        ("sho_response.json", {"price": "", "updnlmtprice": "", "sign": ""}, "no direction"),
    ],
)
def test_limit_reports_not_understood_are_unparsed(
    name: str, body: dict[str, str], reason: str
) -> None:
    example = golden_ls(name)
    example["body"].update(body)
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Unparsed), reason


@pytest.mark.parametrize("name", ["shi", "sho"])
def test_limit_requests_match_the_vendor_examples(name: str) -> None:
    example = golden_ls(f"{name}_request.json")
    topic = (example["body"]["tr_cd"], example["body"]["tr_key"])
    assert orjson.loads(protocol.request(example["header"]["token"], topic)) == example


def test_limit_rules_subscribe_the_market_wide_feeds() -> None:
    assert {("SHI", "1"), ("SHO", "1")} <= protocol.wanted(Subscriptions(limits=True))
    assert not {t for t in protocol.wanted(Subscriptions(vi=True)) if t[0] in ("SHI", "SHO")}


def test_a_limit_event_key_is_the_same_whoever_reports_it() -> None:
    shi = ls_event("shi_response.json")
    assert isinstance(shi, PriceLimit)
    assert replace(shi, source="kiwoom", name="").key == shi.key
