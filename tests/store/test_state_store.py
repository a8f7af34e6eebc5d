"""The state store's contract, run on SQLite and on PostgreSQL alike: atomic commits with
dedupe and cooldowns, bounded reads by index, the "sending" mark, dead letters, mutes."""

from __future__ import annotations

from alertbot.alerts import CooldownMark
from alertbot.delivery.store import NOTICE, Entry, Submission
from alertbot.ha.store import PgState
from alertbot.ops.mutes import Mute, MuteStore
from alertbot.stocks.book import Stock
from alertbot.stores import SqliteState

State = SqliteState | PgState
NOW = 1_750_000_000.0


def vi(channel: str, symbol: str, created: float = NOW) -> Entry:
    return Entry(channel, "vi", f"VI {symbol}", created, f"{symbol} VI", symbol, "vi-all")


def fired(symbol: str, *channels: str, text: str | None = None) -> Submission:
    """One fired alert: its rows (each with its dedupe key) and its cooldown."""
    entries = []
    for channel in channels:
        entry = vi(channel, symbol)
        if text is not None:
            entry = Entry(channel, "vi", text, NOW, symbol, symbol, "vi-all")
        entries.append((entry, f"vi-all|vi:{symbol}|{channel}"))
    return Submission(entries, CooldownMark("vi-all", symbol, "fp1", NOW))


def test_a_commit_stores_rows_keys_and_cooldowns_together(state: State) -> None:
    results = state.delivery.commit([fired("005930", "phone", "desk")], NOW)
    assert [(r.channels, r.repeats, r.error) for r in results] == [(["phone", "desk"], 0, None)]
    assert state.delivery.counts() == {"phone": 1, "desk": 1}
    assert state.cooldowns.load() == [("vi-all", "005930", "fp1", NOW)]
    (row,) = state.delivery.oldest("phone", 10)
    assert (row.channel, row.kind, row.text, row.summary, row.symbol, row.rule, row.created) == (
        "phone", "vi", "VI 005930", "005930 VI", "005930", "vi-all", NOW,
    )  # fmt: skip
    assert row.id > 0 and not row.uncertain and not row.notice


def test_a_repeat_is_dropped_by_its_key_per_channel(state: State) -> None:
    state.delivery.commit([fired("005930", "phone")], NOW)
    (again,) = state.delivery.commit([fired("005930", "phone", "desk")], NOW + 1)
    assert (again.channels, again.repeats) == (["desk"], 1)
    assert state.delivery.counts() == {"phone": 1, "desk": 1}


def test_notices_have_no_key_and_are_always_stored(state: State) -> None:
    notice = Submission([(Entry("phone", NOTICE, "🤖 started", NOW), None)])
    results = state.delivery.commit([notice, notice], NOW)
    assert [r.channels for r in results] == [["phone"], ["phone"]]
    assert [e.notice for e in state.delivery.oldest("phone", 10)] == [True, True]
    assert state.delivery.alert_kinds("phone") == {}


def test_a_submission_that_cannot_be_stored_costs_no_other_its_place(state: State) -> None:
    bad = fired("000660", "phone", text="lone surrogate \ud800")
    results = state.delivery.commit([fired("005930", "phone"), bad, fired("035420", "phone")], NOW)
    assert [r.error is None for r in results] == [True, False, True]
    assert [e.symbol for e in state.delivery.oldest("phone", 10)] == ["005930", "035420"]
    assert [row[1] for row in state.cooldowns.load()] == ["005930", "035420"]
    (retry,) = state.delivery.commit([fired("000660", "phone")], NOW)
    assert retry.channels == ["phone"], "the failed alert's key was not kept"


def test_reads_are_bounded_and_ordered_by_id(state: State) -> None:
    state.delivery.commit([fired(f"{i:06d}", "phone") for i in range(7)], NOW)
    state.delivery.commit([fired("999999", "desk")], NOW)
    first = state.delivery.oldest("phone", 3)
    assert [e.symbol for e in first] == ["000000", "000001", "000002"]
    rest = state.delivery.oldest("phone", 10, after=first[-1].id)
    assert [e.symbol for e in rest] == ["000003", "000004", "000005", "000006"]
    assert state.delivery.alert_kinds("phone") == {"vi": 7}
    assert state.delivery.oldest("nobody", 10) == []


def test_sending_marks_survive_as_uncertain_until_sent(state: State) -> None:
    state.delivery.commit([fired("005930", "phone"), fired("000660", "phone")], NOW)
    ids = [e.id for e in state.delivery.oldest("phone", 10)]
    state.delivery.mark_sending(ids[:1])
    assert [e.uncertain for e in state.delivery.oldest("phone", 10)] == [True, False]
    state.delivery.mark_sending(ids[:1], False)
    assert [e.uncertain for e in state.delivery.oldest("phone", 10)] == [False, False]
    state.delivery.mark_sending(ids)
    state.delivery.sent(ids[:1])
    assert [(e.id, e.uncertain) for e in state.delivery.oldest("phone", 10)] == [(ids[1], True)]
    state.delivery.sent(ids)
    assert state.delivery.counts() == {}


def test_refused_rows_become_dead_letters(state: State) -> None:
    state.delivery.commit([fired("005930", "phone"), fired("000660", "phone")], NOW)
    state.delivery.commit([fired("035420", "gone"), fired("051910", "gone")], NOW)
    first = state.delivery.oldest("phone", 1)[0]
    (buried,) = state.delivery.set_aside([first.id], "400 message is too long", NOW)
    assert (buried.id, buried.symbol, buried.text) == (first.id, "005930", "VI 005930")
    assert [e.symbol for e in state.delivery.oldest("phone", 10)] == ["000660"]
    assert state.delivery.set_aside([first.id], "again", NOW) == []
    assert state.delivery.set_aside_channel("gone", "channel removed", NOW) == 2
    assert state.delivery.counts() == {"phone": 1}
    assert state.delivery.dead_letters() == 3


def test_old_dedupe_keys_expire(state: State) -> None:
    state.delivery.commit([fired("005930", "phone")], NOW)
    assert state.delivery.expire_keys(NOW + 1) == 0
    assert state.delivery.expire_keys(NOW + state.delivery.key_ttl + 1) == 1
    (again,) = state.delivery.commit([fired("005930", "phone")], NOW + state.delivery.key_ttl + 2)
    assert again.channels == ["phone"]


def test_cooldowns_are_replaced_and_forgotten(state: State) -> None:
    state.delivery.commit([fired("005930", "phone")], NOW)
    later = Submission([], CooldownMark("vi-all", "005930", "fp2", NOW + 60))
    state.delivery.commit([later], NOW + 60)
    state.cooldowns.save([("vi-all", "000660", "fp2", NOW + 61)])
    assert sorted(state.cooldowns.load()) == [
        ("vi-all", "000660", "fp2", NOW + 61),
        ("vi-all", "005930", "fp2", NOW + 60),
    ]
    state.cooldowns.forget([("vi-all", "005930")])
    assert state.cooldowns.load() == [("vi-all", "000660", "fp2", NOW + 61)]


def test_mutes_persist_expire_and_lift(state: State) -> None:
    now = [NOW]
    mutes = MuteStore(state.mutes, clock=lambda: now[0])
    mutes.mute("vi-all", "005930", seconds=60)
    mutes.mute("news")
    mutes.mute("news")  # again: one mute, not two
    assert sorted(state.mutes.load(NOW), key=lambda m: m.rule) == [
        Mute("news", "", None),
        Mute("vi-all", "005930", NOW + 60),
    ]
    now[0] += 61
    again = MuteStore(state.mutes, clock=lambda: now[0])
    assert again.active() == [Mute("news", "", None)]
    assert again.unmute("news") == 1
    assert MuteStore(state.mutes, clock=lambda: now[0]).active() == []


def test_the_stock_master_replaces_what_a_load_lists_and_keeps_the_rest(state: State) -> None:
    assert state.stocks.load() == [] and state.stocks.loaded_at() is None
    samsung = Stock("005930", "삼성전자", "KOSPI", 70000, 91000, 49000)
    hynix = Stock("000660", "SK하이닉스", "KOSPI", 180000, 234000, 126000)
    state.stocks.save([samsung, hynix], NOW)
    renamed = Stock("005930", "삼성전자(보통주)", "KOSPI", 71000, 92300, 49700)
    state.stocks.save([renamed], NOW + 86400)
    assert sorted(state.stocks.load(), key=lambda s: s.code) == [hynix, renamed]
    assert state.stocks.loaded_at() == NOW + 86400
