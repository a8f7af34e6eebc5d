"""LS protocol module against the vendor's own examples (seed 000 and reference/ls/)."""

from __future__ import annotations

from datetime import datetime

import orjson
import pytest

from alertbot.events import KST, Fill, MarketStatus, News, Tick, Vi
from alertbot.feeds.kiwoom import protocol as kiwoom
from alertbot.feeds.ls import protocol
from alertbot.subscriptions import Subscriptions
from tests.conftest import golden
from tests.ls.conftest import EVERYTHING, EVERYTHING_TOPICS, golden_ls

RECEIVED = datetime(2023, 6, 14, 10, 0, 0, tzinfo=KST)


def parse_golden(name: str) -> protocol.Message:
    return protocol.parse(golden(f"ls/{name}"), RECEIVED)


@pytest.mark.parametrize("name", ["jif", "nws", "k3", "s3", "sc1", "vi", "sc0", "afr"])
def test_requests_match_the_vendor_examples(name: str) -> None:
    """Every 💡 Request Example: same header and body, built from its token and topic."""
    example = golden_ls(f"{name}_request.json")
    topic = (example["body"]["tr_cd"], example["body"]["tr_key"])
    frame = protocol.request(example["header"]["token"], topic, register=True)
    assert orjson.loads(frame) == example


def test_unregister_uses_tr_type_4_for_market_data_and_2_for_the_account() -> None:
    assert orjson.loads(protocol.request("t", ("JIF", "0"), register=False))["header"] == {
        "token": "t",
        "tr_type": "4",
    }
    assert orjson.loads(protocol.request("t", ("SC1", ""), register=False))["header"] == {
        "token": "t",
        "tr_type": "2",
    }


def test_jif_example() -> None:
    """seed 000 JIF Response Example: jangubun C (홍콩주식 오전), jstatus 21 (장시작)."""
    message = parse_golden("jif_response.json")
    assert message == protocol.Data(
        "JIF",
        "0",
        MarketStatus(
            source="ls",
            time=RECEIVED,
            name="홍콩주식 오전",
            market="hongkong_am",
            market_code="C",
            status_code="21",
            category="session",
            label="장 시작",
        ),
    )


def test_nws_example() -> None:
    """seed 000 NWS Response Example: realkey is the identity, code 000000011810 is STX."""
    message = parse_golden("nws_response.json")
    assert isinstance(message, protocol.Data)
    assert message.event == News(
        source="ls",
        time=datetime(2023, 6, 14, 9, 52, 17, tzinfo=KST),
        symbol="011810",
        news_id="202306140952172704000165",
        title="STX, ‘2차전지 핵심’ 수산화리튬 사업 박차…中 영정리튬과 MOU",
        symbols=("011810",),
        provider="27",
    )
    assert message.event.key == "news:202306140952172704000165"


@pytest.mark.parametrize(
    ("name", "hhmmss", "symbol", "numbers"),
    [
        ("s3_response.json", (9, 8, 51), "005930", (55550, 1050, 1.93, 1, 10887)),
        ("k3_response.json", (10, 49, 4), "122870", (81700, 18700, 29.68, 3, 189353)),
    ],
)
def test_trade_examples(
    name: str,
    hhmmss: tuple[int, int, int],
    symbol: str,
    numbers: tuple[int, int, float, int, int],
) -> None:
    """reference S3_ (KOSPI) and K3_ (KOSDAQ) examples: sign 2 (up) keeps the numbers positive."""
    message = parse_golden(name)
    assert isinstance(message, protocol.Data)
    price, change, rate, volume, cum_volume = numbers
    assert message.event == Tick(
        source="ls",
        time=datetime(2023, 6, 14, *hhmmss, tzinfo=KST),
        symbol=symbol,
        price=price,
        change=change,
        rate=rate,
        volume=volume,
        side="buy",
        cum_volume=cum_volume,
        venue="KRX",
        sign="2",
    )


@pytest.mark.parametrize(("sign", "signed"), [("1", 1), ("2", 1), ("3", 1), ("4", -1), ("5", -1)])
def test_trade_sign_gives_the_direction(sign: str, signed: int) -> None:
    example = golden_ls("s3_response.json")
    example["body"]["sign"] = sign
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Data) and isinstance(message.event, Tick)
    assert (message.event.change, message.event.rate) == (signed * 1050, signed * 1.93)


def test_sc1_example() -> None:
    """reference 주식주문체결 (SC1): ordxctptncode 11 is a fill; the account is masked."""
    message = parse_golden("sc1_response.json")
    assert isinstance(message, protocol.Data)
    assert message.event == Fill(
        source="ls",
        time=datetime(2023, 6, 14, 9, 56, 36, tzinfo=KST),
        symbol="005930",
        name="삼성전자",
        order_no="86382",
        fill_no="1",
        side="buy",
        status="체결",
        qty=1,
        price=60000,
        unfilled=1,
        order_qty=2,
        account="****2702",
    )
    assert "20011132702" not in str(message.event.fields())


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("01", "접수"),
        ("02", "접수"),
        ("03", "접수"),
        ("12", "정정"),
        ("13", "취소"),
        ("14", "거부"),
    ],
)
def test_sc1_other_codes_are_not_fills(code: str, status: str) -> None:
    example = golden_ls("sc1_response.json")
    example["body"]["ordxctptncode"] = code
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Data) and isinstance(message.event, Fill)
    assert (message.event.status, message.event.qty, message.event.price) == (status, 0, 0)
    assert message.event.side == "buy" and message.event.order_no == "86382"


def test_vi_example_is_a_release() -> None:
    """reference VI발동해제 (VI_): vi_gubun 0 is a release; no exchname means KRX."""
    message = parse_golden("vi_response.json")
    assert isinstance(message, protocol.Data)
    assert message.event == Vi(
        source="ls",
        time=datetime(2023, 6, 14, 9, 24, 15, tzinfo=KST),
        symbol="145270",
        state="released",
        vi_kind="static+dynamic",
        vi_price=0,
        venue="KRX",
    )


@pytest.mark.parametrize(
    ("gubun", "kind"), [("1", "static"), ("2", "dynamic"), ("3", "static+dynamic")]
)
def test_vi_triggers_by_kind(gubun: str, kind: str) -> None:
    example = golden_ls("vi_response.json")
    example["body"].update(
        vi_gubun=gubun, vi_trgprice="4125", svi_recprice="3750", dvi_recprice="4010"
    )
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Data) and isinstance(message.event, Vi)
    event = message.event
    assert (event.state, event.vi_kind, event.vi_price, event.direction) == (
        "triggered",
        kind,
        4125,
        "up",
    )
    assert event.rate == (10.0 if kind != "dynamic" else 2.87)


def test_a_vi_reported_by_both_brokers_has_one_key() -> None:
    """The Kiwoom reference VI (005930, 11:14:54, KRX) and the same VI from LS dedupe."""
    kiwoom_message = kiwoom.parse(golden("kiwoom/1h_vi_real.json"), RECEIVED)
    assert isinstance(kiwoom_message, kiwoom.RealData)
    from_kiwoom = kiwoom_message.events[0]
    example = golden_ls("vi_response.json")
    example["header"]["tr_key"] = "000000"
    example["body"].update(
        vi_gubun="1",
        shcode="005930",
        time="111454",
        vi_trgprice="4125",
        svi_recprice="3750",
        exchname="KRX",
    )
    ls_message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(ls_message, protocol.Data) and isinstance(ls_message.event, Vi)
    from_ls = ls_message.event
    assert from_ls.key == from_kiwoom.key
    assert (from_ls.vi_price, from_ls.rate, from_ls.direction, from_ls.vi_kind) == (
        from_kiwoom.vi_price,
        from_kiwoom.rate,
        from_kiwoom.direction,
        from_kiwoom.vi_kind,
    )


def test_vi_on_nxt_is_its_own_venue() -> None:
    example = golden_ls("vi_response.json")
    example["body"].update(vi_gubun="2", exchname="NXT")
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Data) and isinstance(message.event, Vi)
    assert message.event.venue == "NXT" and ":NXT:" in message.event.key


def test_documented_frames_alertbot_does_not_read_are_reported_not_raised() -> None:
    """AFR (LS condition search) is not subscribed by alertbot: Kiwoom serves conditions."""
    assert isinstance(parse_golden("afr_response.json"), protocol.Unparsed)


def test_sc0_example_is_the_order_accepted() -> None:
    """reference SC0 주식주문접수 Response Example: ordchegb 01 (주문), its own field names
    (shtcode, hname, ordprice, ordtm, accno1), no fill in it."""
    message = parse_golden("sc0_response.json")
    assert isinstance(message, protocol.Data) and message.tr_cd == "SC0"
    assert message.event == Fill(
        source="ls",
        time=datetime(2023, 6, 14, 9, 56, 36, tzinfo=KST),
        symbol="005930",
        name="삼성전자",
        order_no="86382",
        side="buy",
        status="접수",
        order_qty=2,
        account="****2702",
    )


@pytest.mark.parametrize(("tr_cd", "status"), [("SC2", "정정"), ("SC3", "취소"), ("SC4", "거부")])
def test_amend_cancel_and_reject_come_on_their_own_trs(tr_cd: str, status: str) -> None:
    """SC2–SC4 share SC1's layout; their code (12 정정확인, 13 취소확인, 14 거부) or, when a
    body lacks it, the TR itself says which step of the order it is. Never a fill."""
    example = golden_ls("sc1_response.json")
    example["header"]["tr_cd"] = tr_cd
    example["body"].pop("ordxctptncode", None)
    message = protocol.parse(orjson.dumps(example), RECEIVED)
    assert isinstance(message, protocol.Data) and isinstance(message.event, Fill)
    assert (message.event.status, message.event.qty, message.event.fill_no) == (status, 0, "")


def test_acks() -> None:
    ok = protocol.parse(
        '{"header":{"tr_cd":"JIF","tr_key":"0","tr_type":"3","rsp_cd":"00000",'
        '"rsp_msg":"정상 처리되었습니다."},"body":null}',
        RECEIVED,
    )
    assert ok == protocol.Ack("JIF", "0", "3", "00000", "정상 처리되었습니다.")
    assert isinstance(ok, protocol.Ack) and ok.ok and not ok.token_refused
    refused = protocol.parse(
        '{"header":{"tr_cd":"NWS","tr_key":"NWS001","rsp_cd":"IGW00121",'
        '"rsp_msg":"유효하지 않은 토큰입니다."}}',
        RECEIVED,
    )
    assert isinstance(refused, protocol.Ack) and not refused.ok and refused.token_refused
    other = protocol.parse(
        '{"header":{"tr_cd":"S3_","tr_key":"99","rsp_cd":"IGW40002","rsp_msg":"x"}}', RECEIVED
    )
    assert isinstance(other, protocol.Ack) and not other.ok and not other.token_refused


@pytest.mark.parametrize(
    ("code", "symbols"),
    [
        ("000000011810", ("011810",)),
        ("000000011810000000005930", ("011810", "005930")),
        ("000000011810" + "000000000000" * 19, ("011810",)),
        ("", ()),
        ("005930", ("005930",)),
        ("011810 005930,000660", ("011810", "005930", "000660")),
        ("000000011810000000011810", ("011810",)),
    ],
)
def test_news_codes(code: str, symbols: tuple[str, ...]) -> None:
    assert protocol.news_symbols(code) == symbols


def test_subscriptions_become_topics() -> None:
    """Every kind the rules can need, and both trade TRs for a code of unknown market."""
    assert protocol.wanted(EVERYTHING) == EVERYTHING_TOPICS
    assert protocol.wanted(Subscriptions()) == set()
