"""Frames for fuzzing the sessions: random bytes, random JSON, and vendor frames mutated.

Shared by the property test (a few thousand examples in the normal suite) and
``bench/fuzz_sessions.py`` (10⁵ and more), so both throw the same kinds of input at every
session: what a broken proxy, a new server version or a hostile peer could send. The seeds
are the vendors' own example frames (tests/golden).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from hypothesis import strategies as st

from alertbot.events import KST
from alertbot.feeds.kiwoom.session import KiwoomSession
from alertbot.feeds.ls.session import LsSession
from alertbot.feeds.session import Session
from alertbot.subscriptions import Subscriptions

SESSIONS: dict[str, Callable[[], Session]] = {"kiwoom": KiwoomSession, "ls": LsSession}
GOLDEN = Path(__file__).resolve().parent / "golden"


def examples(source: str) -> list[Any]:
    """The vendor's example frames a source's server sends (answers and data, not requests)."""
    paths = sorted((GOLDEN / source).glob("*.json"))
    return [
        orjson.loads(path.read_bytes())
        for path in paths
        if "request" not in path.name and "table" not in path.name
    ]


START = datetime(2025, 3, 4, 8, 0, tzinfo=KST)

NASTY_TEXT = st.sampled_from(
    ["", " ", "0", "-0", "+", "²", "٣٤", "1e999", "nan", "9" * 400, "A005930", "005930_NX",
     "1,000", "1_000", ".5", "\x00", "가", "[CODE=8005]", "R10001", "00000", "IGW00121"]
)  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    NASTY_TEXT,
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
KEYS = st.sampled_from(
    ["trnm", "return_code", "return_msg", "data", "type", "item", "values", "seq", "code",
     "header", "body", "tr_cd", "tr_key", "rsp_cd", "rsp_msg", "9068", "9001", "10", "15",
     "20", "841", "843", "914", "915", "9203", "913", "jangubun", "jstatus", "vi_gubun",
     "price", "shcode", "ordno", "ordxctptncode", "ordchegb", "title", "realkey"]
)  # fmt: skip


def mutate(value: Any, draw: Callable[..., Any]) -> Any:
    """Replace, drop or add one value somewhere inside ``value``."""
    if isinstance(value, dict) and value and draw(st.booleans()):
        key = draw(st.sampled_from(sorted(value)))
        if draw(st.integers(0, 4)) == 0:
            return {k: v for k, v in value.items() if k != key}
        return {**value, key: mutate(value[key], draw)}
    if isinstance(value, dict) and draw(st.booleans()):
        return {**value, draw(KEYS): draw(JSON_VALUES)}
    if isinstance(value, list) and value and draw(st.booleans()):
        index = draw(st.integers(0, len(value) - 1))
        return [*value[:index], mutate(value[index], draw), *value[index + 1 :]]
    return draw(JSON_VALUES)


@st.composite
def frames(draw: Callable[..., Any], examples: list[dict[str, Any]]) -> str | bytes:
    """One frame: mostly vendor examples mutated, sometimes random JSON or random bytes."""
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.binary(max_size=64))
    if kind == 1:
        return orjson.dumps(draw(JSON_VALUES), option=orjson.OPT_NON_STR_KEYS)
    example = draw(st.sampled_from(examples))
    mutated = example
    for _ in range(draw(st.integers(0, 3))):
        mutated = mutate(mutated, draw)
    text = orjson.dumps(mutated, option=orjson.OPT_NON_STR_KEYS)
    if kind == 2:  # cut short
        return text[: draw(st.integers(0, len(text)))]
    return text


SUBSCRIPTIONS = st.builds(
    Subscriptions,
    vi=st.booleans(),
    ticks=st.frozensets(st.sampled_from(["005930", "000660", "", "²²²²²²"]), max_size=3),
    nxt_ticks=st.frozensets(st.sampled_from(["005930"]), max_size=1),
    conditions=st.frozensets(st.sampled_from(["조건1", "0", "4", "없는조건"]), max_size=3),
    fills=st.booleans(),
    market=st.booleans(),
    news=st.booleans(),
)


@st.composite
def steps(draw: Callable[..., Any], examples: list[dict[str, Any]]) -> list[tuple[str, Any]]:
    """A session's life: frames, timer ticks, rule changes and reconnects, in any order."""
    step = st.one_of(
        st.tuples(st.just("frame"), frames(examples)),
        st.tuples(st.just("timer"), st.integers(0, 3600)),
        st.tuples(st.just("want"), SUBSCRIPTIONS),
        st.tuples(st.just("connected"), st.none()),
    )
    return draw(st.lists(step, min_size=1, max_size=12))


def drive(factory: Callable[[], Session], life: list[tuple[str, Any]]) -> None:
    """Run one life through a fresh session; any exception is the finding."""
    session = factory()
    session.token = "tok"
    now = START
    session.connected(now)
    for kind, value in life:
        if kind == "frame":
            events, answers = session.receive(value, now)
            assert all(isinstance(answer, str) for answer in answers)
            for event in events:
                event.fields()
                assert isinstance(event.key, str)
        elif kind == "timer":
            now += timedelta(seconds=value)
            assert all(isinstance(f, str) for f in session.timer(now))
        elif kind == "want":
            assert all(isinstance(f, str) for f in session.want(value))
        else:
            session.connected(now)
        session.take_notices()
