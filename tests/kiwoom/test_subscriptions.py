"""What the feed registers: everything once per connection, then only the difference.

Through real sockets: the simulator records every request, so the tests read the wire.
"""

from __future__ import annotations

from collections import Counter

from alertbot.events import ConditionHit
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, SimSession, condition_entry
from alertbot.subscriptions import Subscriptions
from tests.conftest import Recorder, running, static
from tests.kiwoom.conftest import make_feed

EVERYTHING = Subscriptions(
    vi=True,
    fills=True,
    ticks=frozenset({"005930", "000660", "035420"}),
    conditions=frozenset({"급등주", "1"}),  # by name, and by seq
)


def pairs(session: SimSession, trnm: str) -> list[tuple[str, str]]:
    """Every (type, item) the session asked for with REG or REMOVE, repeats kept."""
    return [
        (type_, item)
        for message in session.requests(trnm)
        for entry in message["data"]
        for type_ in entry["type"]
        for item in entry["item"]
    ]


def seqs(session: SimSession, trnm: str) -> list[str]:
    return [message["seq"] for message in session.requests(trnm)]


def snapshots(recorder: Recorder) -> list[ConditionHit]:
    return [e for e in recorder.events if isinstance(e, ConditionHit) and e.action == "snapshot"]


async def test_every_reconnect_restores_everything_once(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.matches = {"0": ["005930", "000660"], "1": []}
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(EVERYTHING)
    drops = 4
    async with running(feed):
        for round_ in range(drops + 1):
            await kiwoom_sim.wait_for(
                lambda round_=round_: (
                    len(kiwoom_sim.sessions) == round_ + 1
                    and kiwoom_sim.covers(EVERYTHING, kiwoom_sim.sessions[-1])
                )
            )
            await recorder.wait_for(
                lambda round_=round_: len(snapshots(recorder)) == 2 * round_ + 2
            )
            if round_ < drops:
                await kiwoom_sim.drop()
    assert len(kiwoom_sim.sessions) == drops + 1
    for session in kiwoom_sim.sessions:
        trnms = [m["trnm"] for m in session.received]
        assert trnms[0] == "LOGIN"
        assert trnms.index("CNSRLST") < trnms.index("CNSRREQ")
        assert Counter(pairs(session, "REG")) == Counter(
            [("1h", ""), ("00", ""), ("0B", "005930"), ("0B", "000660"), ("0B", "035420")]
        )
        if session is not kiwoom_sim.sessions[-1]:  # the last one's REMOVEs are stop's goodbye
            assert pairs(session, "REMOVE") == []
        assert len(session.requests("CNSRLST")) == 1
        assert sorted(seqs(session, "CNSRREQ")) == ["0", "1"]
        assert all(m["search_type"] == "1" for m in session.requests("CNSRREQ"))
    # One snapshot per condition per connection: same matches, so the same idempotency key.
    first = {hit.seq: hit for hit in snapshots(recorder)[:2]}
    assert first["0"].matches == ("005930", "000660") and first["0"].condition == "급등주"
    assert first["1"].matches == () and first["1"].condition == "거래량 급증"
    assert {hit.key for hit in snapshots(recorder)} == {first["0"].key, first["1"].key}


async def test_a_rule_change_sends_exactly_the_difference(kiwoom_sim: KiwoomSimulator) -> None:
    before = Subscriptions(vi=True, ticks=frozenset({"005930", "000660"}))
    after = Subscriptions(fills=True, ticks=frozenset({"000660", "035720"}))
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), Recorder())
    feed.set_subscriptions(before)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(before))
        (session,) = kiwoom_sim.live
        seen = len(session.received)
        feed.set_subscriptions(after)
        await kiwoom_sim.wait_for(
            lambda: session.registrations == {("00", ""), ("0B", "000660"), ("0B", "035720")}
        )
        feed.set_subscriptions(after)  # the same again: nothing to send
        await kiwoom_sim.ping()  # a round trip, so a wrong extra request would have arrived
        await kiwoom_sim.wait_for(lambda: session.pings_unanswered == 0)
        change = session.received[seen:]  # before stop says goodbye with REMOVE
    assert sorted(
        (m["trnm"], m["data"][0]["type"][0], tuple(m["data"][0]["item"]))
        for m in change
        if m["trnm"] != "PING"
    ) == [
        ("REG", "00", ("",)),
        ("REG", "0B", ("035720",)),
        ("REMOVE", "0B", ("005930",)),
        ("REMOVE", "1h", ("",)),
    ]
    assert all(m.get("refresh") == "1" for m in change if m["trnm"] == "REG")


async def test_conditions_start_report_and_stop(kiwoom_sim: KiwoomSimulator) -> None:
    kiwoom_sim.matches = {"0": ["005930"], "2": ["000660"]}
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(Subscriptions(vi=True))
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(Subscriptions(vi=True)))
        (session,) = kiwoom_sim.live
        assert session.requests("CNSRLST") == []  # nothing wanted, nothing asked

        scanner = Subscriptions(vi=True, conditions=frozenset({"급등주", "52주 신고가"}))
        feed.set_subscriptions(scanner)
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(scanner))
        await recorder.wait_for(lambda: len(snapshots(recorder)) == 2)
        await kiwoom_sim.push(
            [condition_entry("0", "035420", hhmmss="100501"), condition_entry("2", "000660")]
        )
        await kiwoom_sim.push([condition_entry("0", "035420", enter=False, hhmmss="100730")])
        await recorder.wait_for(lambda: len(recorder.events) == 5)

        fewer = Subscriptions(vi=True, conditions=frozenset({"52주 신고가"}))
        feed.set_subscriptions(fewer)
        await kiwoom_sim.wait_for(lambda: session.conditions == {"2"})
        assert seqs(session, "CNSRCLR") == ["0"]
    # stopping clears what is left and unregisters: a polite goodbye
    await kiwoom_sim.wait_for(lambda: not session.registrations)  # the server reads on
    assert seqs(session, "CNSRCLR") == ["0", "2"]
    assert len(session.requests("CNSRLST")) == 1
    hits = [(e.seq, e.condition, e.action, e.symbol) for e in recorder.events[2:]]  # type: ignore[attr-defined]
    assert hits == [
        ("0", "급등주", "enter", "035420"),
        ("2", "52주 신고가", "enter", "000660"),
        ("0", "급등주", "exit", "035420"),
    ]
    assert sorted((h.seq, h.matches) for h in snapshots(recorder)) == [
        ("0", ("005930",)),
        ("2", ("000660",)),
    ]


async def test_unknown_and_too_many_conditions_are_reported_not_fatal(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    kiwoom_sim.conditions = {str(seq): f"조건{seq}" for seq in range(12)}
    wanted = Subscriptions(
        vi=True, conditions=frozenset({f"조건{seq}" for seq in range(12)} | {"없는조건"})
    )
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(wanted)
    async with running(feed):
        await recorder.wait_for(lambda: len(snapshots(recorder)) == 10)
        (session,) = kiwoom_sim.live
        await kiwoom_sim.drop()  # problems already reported are not repeated on reconnect
        await kiwoom_sim.wait_for(
            lambda: len(kiwoom_sim.live) == 1 and len(kiwoom_sim.live[0].conditions) == 10
        )
    assert sorted(session.conditions, key=int) == [str(seq) for seq in range(10)]
    assert len(recorder.notices) == 2
    unknown, too_many = sorted(recorder.notices, key=lambda text: "없는조건" not in text)
    assert "'없는조건'" in unknown and "조건0" in unknown
    assert "10" in too_many and "조건10, 조건11" in too_many
    assert feed.status.stopped == ""


async def test_a_refused_condition_is_reported_once_and_the_rest_runs(
    kiwoom_sim: KiwoomSimulator,
) -> None:
    kiwoom_sim.refuse_conditions = {"1"}
    wanted = Subscriptions(conditions=frozenset({"급등주", "거래량 급증"}))
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(wanted)
    async with running(feed):
        await recorder.wait_for(lambda: len(snapshots(recorder)) == 1 and recorder.notices)
        (session,) = kiwoom_sim.live
        more = Subscriptions(ticks=frozenset({"005930"}), conditions=wanted.conditions)
        feed.set_subscriptions(more)  # a change elsewhere does not re-ask the refused one
        await kiwoom_sim.wait_for(lambda: ("0B", "005930") in session.registrations)
    assert [hit.seq for hit in snapshots(recorder)] == ["0"]
    assert sorted(seqs(session, "CNSRREQ")) == ["0", "1"]
    (notice,) = recorder.notices
    assert "조건검색 거래량 급증(1) 요청이 거부되었습니다" in notice


async def test_large_watch_lists_are_registered_in_chunks(kiwoom_sim: KiwoomSimulator) -> None:
    codes = frozenset(f"{n:06d}" for n in range(100000, 100250))
    wanted = Subscriptions(ticks=codes)
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(wanted)
    async with running(feed):
        await kiwoom_sim.wait_for(lambda: kiwoom_sim.covers(wanted))
    (session,) = kiwoom_sim.sessions
    sizes = [len(m["data"][0]["item"]) for m in session.requests("REG")]
    assert sizes == [100, 100, 50]
    assert recorder.notices == []
