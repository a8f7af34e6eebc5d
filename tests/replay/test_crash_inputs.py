"""Inputs that crashed or stalled the parsers, through every session: never an exception.

Found by fuzzing over a million frames (issue 13): deep nesting (``RecursionError`` from
``str()`` of a nested value), huge numbers (``OverflowError`` from a price of 10**400 turned
into a float), non-ASCII digits (``int("²")`` after ``"²".isdigit()``), 1 MB frames, and a
240 KB NWS ``code`` field that took seconds (a quadratic ``not in list``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import orjson
import pytest

from alertbot.events import KST, News, Vi
from alertbot.feeds.kiwoom.session import KiwoomSession
from alertbot.feeds.ls import protocol as ls
from alertbot.feeds.ls.session import LsSession
from alertbot.feeds.session import Session
from alertbot.subscriptions import Subscriptions
from tests.conftest import golden

NOW = datetime(2025, 3, 4, 10, 0, tzinfo=KST)
EVERYTHING = Subscriptions(
    vi=True, ticks=frozenset({"005930"}), fills=True, market=True, news=True,
    conditions=frozenset({"조건1"}),
)  # fmt: skip
SESSIONS: list[Callable[[], Session]] = [KiwoomSession, LsSession]
DEEP = 1000
"""orjson reads up to 1024 levels; ``repr`` of 1000 levels exceeds Python's recursion limit."""


DEEP_JSON = "[" * DEEP + '"x"' + "]" * DEEP


def live(factory: Callable[[], Session]) -> Session:
    session = factory()
    session.want(EVERYTHING)
    session.connected(NOW)
    session.receive('{"trnm":"LOGIN","return_code":0}', NOW)
    return session


def crash_frames() -> list[tuple[str, bytes]]:
    huge = "9" * 5000
    frames: list[tuple[str, object]] = [
        ("nesting, LS ack code", '{"header":{"tr_cd":"JIF","tr_key":"0","rsp_cd":%s}}'),
        ("nesting, LS ack message", '{"header":{"tr_cd":"JIF","rsp_cd":"1","rsp_msg":%s}}'),
        ("nesting, Kiwoom trnm", '{"trnm":%s}'),
        ("nesting, Kiwoom values", '{"trnm":"REAL","data":[{"type":"0B","values":%s}]}'),
        ("nesting, Kiwoom entry", '{"trnm":"REAL","data":[{"type":"0B","values":{"10":%s}}]}'),
        ("nesting, LS body", '{"header":{"tr_cd":"VI_","tr_key":"000000"},"body":%s}'),
        ("nesting, LS field", '{"header":{"tr_cd":"JIF","tr_key":"0"},"body":{"jangubun":%s}}'),
        ("huge, LS VI prices", _ls("VI_", "vi_response.json", vi_trgprice=huge)),
        ("huge, LS VI reference", _ls("VI_", "vi_response.json", svi_recprice="1" + "0" * 400)),
        ("huge, Kiwoom LOGIN code", {"trnm": "LOGIN", "return_code": huge}),
        ("float, Kiwoom price", _kiwoom("0B_trade_real.json", **{"10": "1e308", "12": "1e999"})),
        ("non-ASCII, LOGIN message", {"trnm": "LOGIN", "return_code": 1, "return_msg": "²⁰⁰⁵"}),
        ("non-ASCII, Kiwoom price", _kiwoom("0B_trade_real.json", **{"10": "٦٠٧٠٠"})),
        ("non-ASCII, LS code", _ls("S3_", "s3_response.json", shcode="٠٠٥٩٣٠")),
        ("1 MB REAL", _kiwoom("0B_trade_real.json", **{"302": "가" * 350_000})),
        ("1 MB garbage", None),
        ("240 KB news code", _ls("NWS", "nws_response.json", code="000000011810" * 20_000)),
    ]
    return [(name, _encode(frame)) for name, frame in frames]


def _encode(frame: object) -> bytes:
    if frame is None:
        return b"\xff" * 2**20
    if isinstance(frame, str):  # orjson writes at most 255 levels: nesting is spliced in
        return (frame % DEEP_JSON).encode()
    return orjson.dumps(frame)


def _kiwoom(name: str, **values: str) -> object:
    frame = orjson.loads(golden(f"kiwoom/{name}"))
    frame["data"][0]["values"].update(values)
    return frame


def _ls(tr_cd: str, name: str, **body: str) -> object:
    frame = orjson.loads(golden(f"ls/{name}"))
    frame["header"]["tr_cd"] = tr_cd
    frame["body"].update(body)
    return frame


@pytest.mark.parametrize("factory", SESSIONS, ids=lambda f: f.source)
@pytest.mark.parametrize(("name", "frame"), crash_frames(), ids=[n for n, _ in crash_frames()])
def test_every_session_takes_every_crash_input(
    factory: Callable[[], Session], name: str, frame: bytes
) -> None:
    session = live(factory)
    events, answers = session.receive(frame, NOW)
    assert all(isinstance(answer, str) for answer in answers)
    for event in events:
        for value in event.fields().values():  # the message templates read these
            if isinstance(value, int | float):
                assert abs(value) < 10**15


def test_huge_vi_prices_are_not_read_as_numbers() -> None:
    (_, frame), *_ = [f for f in crash_frames() if f[0] == "huge, LS VI prices"]
    message = ls.parse(frame, NOW)
    assert isinstance(message, ls.Data) and isinstance(message.event, Vi)
    assert (message.event.vi_price, message.event.rate) == (0, 0.0)


def test_a_240_kb_news_code_reads_its_first_twenty_codes_only() -> None:
    """Linear: the field is cut at 20 codes before it is split, so a 240 KB field costs what
    a 260-character one does (bench/fuzz_sessions.py times the two)."""
    codes = "".join(f"{n:012d}" for n in range(1, 20_001))
    message = ls.parse(orjson.dumps(_ls("NWS", "nws_response.json", code=codes)), NOW)
    assert isinstance(message, ls.Data) and isinstance(message.event, News)
    assert message.event.symbols == tuple(f"{n:06d}" for n in range(1, 21))
