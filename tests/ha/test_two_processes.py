"""Two real ``alertbot run`` processes on one PostgreSQL, the Kiwoom simulator (one session
per app key, as the real server) and the fake Telegram server: one voice, nothing lost.

- exactly one broker session, each VI delivered once;
- ``kill -9`` of the leader: the standby logs in within 10 s (the production lease, 6 s),
  later VIs are delivered once;
- a leader paused with ``SIGSTOP`` past its lease, then resumed, delivers nothing after the
  takeover and never logs in again.
"""

from __future__ import annotations

import signal
import time

import pytest

from tests.ha.processes import CHAT, LEADING, STANDING_BY, Group
from tests.pgcluster import Cluster

LEASE = 6.0
"""Seconds: the ``group`` fixture (tests/ha/conftest.py) starts its processes with it."""
FIRST = ["005930", "000660", "035420"]
SECOND = ["051910", "006400", "035720"]
THIRD = ["068270", "105560", "055550"]


@pytest.mark.timeout(120)
async def test_one_session_each_vi_once_and_a_standby_that_takes_over_a_kill_9(
    group: Group,
) -> None:
    a = await group.start("a")
    await a.wait_log(LEADING)
    await group.session_registered(1)
    b = await group.start("b")
    await b.wait_log(STANDING_BY)
    assert group.logins() == 1, "the standby takes no broker session"

    await group.push_vis(FIRST)
    await group.delivered(FIRST)
    await group.outbox_empty()  # else a row may be resent, rightly, marked "🔁 재전송"

    a.send(signal.SIGKILL)
    await group.session_registered(2, timeout=10.0)  # the bound, from the kill
    await b.wait_log(LEADING)
    await group.push_vis(SECOND)
    await group.delivered(SECOND)
    await group.telegram.updates.push_message(int(CHAT), "/status")  # only the leader polls
    await group.telegram.wait_for(lambda: any("HA 리더" in t for t in group.texts(b.token)))
    assert await b.end() == 0

    assert group.logins() == 2
    for symbol in FIRST + SECOND:
        assert group.copies(symbol) == (1, 0), symbol
    notices = [t for t in group.texts() if "👑 리더" in t]
    assert len(notices) == 2 and "에게서 넘겨받음" in notices[1]
    assert all(any(f"({s})" in t for t in group.texts(a.token)) for s in FIRST)
    assert all(any(f"({s})" in t for t in group.texts(b.token)) for s in SECOND)
    (status,) = [t for t in group.texts() if "HA 리더" in t]
    assert "(이 인스턴스), epoch 2" in status


@pytest.mark.timeout(120)
async def test_a_paused_leader_delivers_nothing_after_the_takeover(group: Group) -> None:
    a = await group.start("a")
    await a.wait_log(LEADING)
    await group.session_registered(1)
    b = await group.start("b")
    await b.wait_log(STANDING_BY)

    await group.push_vis(FIRST)
    await group.delivered(FIRST)
    a.send(signal.SIGSTOP)  # frozen with its session, its lease and its outbox claims
    await group.session_registered(2, timeout=10.0)
    standby_log = await b.wait_log(LEADING)
    await group.push_vis(SECOND)
    await group.delivered(SECOND)

    resumed_at = time.monotonic()
    a.send(signal.SIGCONT)
    await a.wait_log(r"term of epoch \d+ ends \(lease lost\)")
    await a.wait_log(STANDING_BY)
    await group.push_vis(THIRD)
    await group.delivered(THIRD)
    assert await a.end() == 0 and await b.end() == 0

    late = [m for m in group.telegram.messages if m.token == a.token and m.arrived >= resumed_at]
    assert late == [], "the resumed old leader sent after the takeover"
    assert group.logins() == 2, "the resumed old leader never logged in again"
    assert not any("ERROR" in line and "Traceback" in line for line in b.log[standby_log:])
    for symbol in FIRST + SECOND + THIRD:  # a resend (or a digest with one) is marked
        unmarked, marked = group.copies(symbol)
        assert unmarked <= 1 and unmarked + marked >= 1, symbol


async def test_the_database_password_never_shows(group: Group, pg_cluster: Cluster) -> None:
    a = await group.start("a")
    await a.wait_log(LEADING)
    await group.session_registered(1)
    assert await a.end() == 0
    log = "".join(a.log)
    assert "database schema migrated" in log
    assert pg_cluster.password not in log
