"""Whatever the server sends, ``protocol.parse`` answers with a message and never raises."""

from __future__ import annotations

from datetime import datetime

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from alertbot.events import KST, Event
from alertbot.feeds.kiwoom import protocol

RECEIVED = datetime(2025, 3, 4, 11, 15, 0, tzinfo=KST)

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**64 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
FIELDS = sorted(
    {"9001", "302", "9068", "9069", "1221", "1223", "1225", "1489", "1490"}
    | {"10", "11", "12", "13", "15", "20", "25"}
    | {"9201", "9203", "905", "907", "908", "909", "910", "911", "913", "900", "902", "919"}
    | {"841", "843"}
)
field_text = st.sampled_from(
    [
        "",
        " ",
        "+",
        "-",
        "0",
        "A005930",
        "005930_NX",
        "I",
        "D",
        "1",
        "2",
        "정적",
        "99999999999999999999",
    ]
) | st.text(max_size=12)
values_dicts = st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=5), field_text | json_values, max_size=12
)
entries = st.fixed_dictionaries(
    {
        "type": st.sampled_from([*protocol.REAL_PARSERS, "0A", "0s", ""]) | json_values,
        "item": st.sampled_from(["", "005930", "005930_AL", "A005930", "_NX"]) | json_values,
        "values": values_dicts | json_values,
    }
)
trnms = st.sampled_from(
    ["REAL", "PING", "SYSTEM", "LOGIN", "REG", "REMOVE", "CNSRLST", "CNSRREQ", "CNSRCLR", "?"]
)


@settings(max_examples=150)
@given(json_values)
def test_arbitrary_json_never_raises(value: object) -> None:
    message = protocol.parse(orjson.dumps(value), RECEIVED)
    assert isinstance(message, protocol.Message)


@settings(max_examples=150)
@given(trnms, st.dictionaries(st.text(max_size=12), json_values, max_size=6))
def test_arbitrary_bodies_of_every_trnm_never_raise(trnm: str, body: dict) -> None:
    message = protocol.parse(orjson.dumps({**body, "trnm": trnm}), RECEIVED, {"4": "급등주"})
    assert isinstance(message, protocol.Message)


@settings(max_examples=250)
@given(st.lists(entries | json_values, max_size=5))
def test_arbitrary_values_never_raise_and_every_entry_is_accounted_for(data: list) -> None:
    message = protocol.parse(orjson.dumps({"trnm": "REAL", "data": data}), RECEIVED)
    assert isinstance(message, protocol.RealData)
    assert len(message.events) + message.skipped == len(data)
    for event in message.events:
        assert isinstance(event, Event)
        assert event.key and event.fields()  # every event can be keyed and formatted


@given(st.binary(max_size=64) | st.text(max_size=64))
def test_arbitrary_bytes_never_raise(frame: bytes | str) -> None:
    assert isinstance(protocol.parse(frame, RECEIVED), protocol.Message)
