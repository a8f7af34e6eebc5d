"""Reading ``list.json`` answers: the documented shape, its variants, and garbage."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from alertbot.feeds.dart import protocol
from alertbot.feeds.dart.protocol import ListAnswer, Unreadable
from tests.engine.support import MONDAY_10AM

ANSWER = {
    "status": "000",
    "message": "정상",
    "page_no": 1,
    "page_count": 100,
    "total_count": 2,
    "total_page": 1,
    "list": [
        {
            "corp_code": "00126380",
            "corp_name": "삼성전자",
            "stock_code": "005930",
            "corp_cls": "Y",
            "report_nm": "주요사항보고서(자기주식취득결정)",
            "rcept_no": "20251127000512",
            "flr_nm": "삼성전자",
            "rcept_dt": "20251127",
            "rm": "유",
        },
        {
            "corp_code": "01234567",
            "corp_name": "비상장회사",
            "stock_code": " ",
            "corp_cls": "E",
            "report_nm": "[기재정정]증권신고서(채무증권)",
            "rcept_no": "20251127000400",
            "flr_nm": "비상장회사",
            "rcept_dt": "20251127",
            "rm": "",
        },
    ],
}


def test_the_documented_answer() -> None:
    answer = protocol.parse(orjson.dumps(ANSWER))
    assert isinstance(answer, ListAnswer) and answer.status == "000"
    assert (answer.page_no, answer.total_page, answer.skipped) == (1, 1, 0)
    listed, unlisted = answer.filings
    event = listed.event(MONDAY_10AM)
    assert (event.symbol, event.name, event.market, event.report) == (
        "005930",
        "삼성전자",
        "kospi",
        "주요사항보고서(자기주식취득결정)",
    )
    assert event.key == "disclosure:20251127000512" and event.filed == "20251127"
    assert unlisted.stock_code == "" and unlisted.event(MONDAY_10AM).market == "other"


def test_paging_numbers_as_text_and_statuses_as_numbers() -> None:
    answer = protocol.parse(orjson.dumps({**ANSWER, "page_no": "2", "total_page": "3"}))
    assert isinstance(answer, ListAnswer) and (answer.page_no, answer.total_page) == (2, 3)
    refused = protocol.parse(orjson.dumps({"status": 13, "message": "조회된 데이타가 없습니다."}))
    assert isinstance(refused, ListAnswer) and refused.status == "013"


def test_error_answers_carry_the_services_words() -> None:
    answer = protocol.parse('{"status":"010","message":"등록되지 않은 키입니다."}')
    assert answer == ListAnswer("010", "등록되지 않은 키입니다.")


def test_rows_without_a_receipt_number_are_skipped_and_counted() -> None:
    rows = [{"rcept_no": "123"}, "text", {"corp_name": "x"}, ANSWER["list"][0]]  # type: ignore[index]
    answer = protocol.parse(orjson.dumps({**ANSWER, "list": rows}))
    assert isinstance(answer, ListAnswer) and answer.skipped == 3 and len(answer.filings) == 1


def test_what_is_not_an_answer() -> None:
    assert isinstance(protocol.parse(b"<html>502 Bad Gateway</html>"), Unreadable)
    assert isinstance(protocol.parse("[]"), Unreadable)
    assert isinstance(protocol.parse('{"status":"000","message":"정상"}'), Unreadable)


def test_the_query_asks_for_one_day_newest_first_in_full_pages() -> None:
    assert protocol.query("20251127", 2) == {
        "bgn_de": "20251127",
        "end_de": "20251127",
        "sort": "date",
        "sort_mth": "desc",
        "page_no": "2",
        "page_count": "100",
    }


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=20,
)


@given(st.dictionaries(st.sampled_from([*ANSWER, *ANSWER["list"][0]]), JSON))  # type: ignore[index]
def test_any_json_object_is_read_or_refused_never_raises(body: dict[str, object]) -> None:
    assert isinstance(protocol.parse(orjson.dumps(body)), ListAnswer | Unreadable)


@given(st.binary(max_size=200))
def test_any_bytes_never_raise(body: bytes) -> None:
    assert isinstance(protocol.parse(body), ListAnswer | Unreadable)
