"""Whatever the server sends, the LS parser answers with a message and never raises."""

from __future__ import annotations

import json
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.events import KST, Event
from alertbot.feeds.ls import protocol
from alertbot.feeds.ls.jstatus import describe

RECEIVED = datetime(2025, 3, 4, 9, 30, tzinfo=KST)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = [
    "jangubun", "jstatus", "date", "time", "id", "realkey", "title", "code", "vi_gubun",
    "svi_recprice", "dvi_recprice", "vi_trgprice", "shcode", "exchname", "chetime", "sign",
    "change", "drate", "price", "cgubun", "cvolume", "volume", "ordno", "execno", "execqty",
    "execprc", "unercqty", "ordqty", "exectime", "Isunm", "shtnIsuno", "bnstp",
    "ordxctptncode", "accno",
]  # fmt: skip
bodies = st.dictionaries(
    st.sampled_from(FIELDS),
    st.text(max_size=260) | st.integers() | st.none() | st.floats() | json_values,
    max_size=len(FIELDS),
)
headers = st.fixed_dictionaries(
    {"tr_cd": st.sampled_from([*protocol.PARSERS, "AFR", "", "X"]) | json_values},
    optional={"tr_key": json_values, "rsp_cd": json_values, "rsp_msg": json_values},
)
frames = st.fixed_dictionaries({"header": headers | json_values}, optional={"body": bodies})


def check(message: protocol.Message) -> None:
    assert isinstance(message, protocol.Ack | protocol.Data | protocol.Unparsed)
    if isinstance(message, protocol.Data):
        assert isinstance(message.event, Event)
        assert message.event.key and isinstance(message.event.fields(), dict)


@settings(max_examples=300, deadline=None)
@given(frames)
def test_structured_frames_never_raise(frame: dict) -> None:
    check(protocol.parse(json.dumps(frame), RECEIVED))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_arbitrary_bytes_never_raise(frame: bytes | str) -> None:
    check(protocol.parse(frame, RECEIVED))


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    check(protocol.parse(json.dumps(value), RECEIVED))


@given(st.text(max_size=3), st.text(max_size=3))
def test_every_code_pair_has_a_meaning(jangubun: str, jstatus: str) -> None:
    meaning = describe(jangubun, jstatus)
    assert meaning.market and meaning.category and meaning.label


@given(st.text(max_size=300))
def test_news_codes_are_six_character_codes(code: str) -> None:
    for symbol in protocol.news_symbols(code):
        assert symbol and " " not in symbol
