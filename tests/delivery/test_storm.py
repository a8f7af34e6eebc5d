"""A circuit breaker's VI storm: 1,000 alerts to one chat become a handful of digests, sent
within Telegram's limits, every symbol exactly once. Time is virtual: the limits are checked
on the times the fake saw, on the same clock the rate limiter waited on."""

from __future__ import annotations

import html
import re
from datetime import datetime
from pathlib import Path

from alertbot.delivery.grouping import Batch, digest, plan
from alertbot.delivery.notifiers.base import Message
from alertbot.delivery.store import Entry
from alertbot.events import KST
from alertbot.sim.telegram import FakeTelegram
from tests.delivery.conftest import VirtualClock, alert, running, telegram

SYMBOLS = [f"{100000 + i:06d}" for i in range(1000)]


def max_in_window(times: list[float], seconds: float) -> int:
    """The most sends in any window of ``seconds``."""
    return max(sum(1 for u in times if t <= u < t + seconds) for t in times)


async def test_thousand_vis_arrive_in_a_handful_of_messages_within_limits(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    fake_telegram.clock = clock.monotonic  # arrivals on the limiter's clock
    chats = {
        "phone": telegram(fake_telegram.base_url),
        "group": telegram(fake_telegram.base_url, "-100200"),
    }
    async with running(chats, tmp_path / "s.db", clock) as d:
        start = clock.monotonic()
        for burst in range(10):  # 100 VIs every 0.3 s
            for symbol in SYMBOLS[burst * 100 : (burst + 1) * 100]:
                d.submit(alert(symbol, "종목", channels=("phone", "group")))
            await clock.sleep(0.3)
        await d.drain()
        elapsed = clock.monotonic() - start
    for chat in ("424242", "-100200"):
        messages = [m for m in fake_telegram.messages if m.chat_id == chat]
        text = "\n".join(html.unescape(m.text) for m in messages)
        found = re.findall(r"\((\d{6})\)", text)
        assert sorted(found) == SYMBOLS, "every symbol exactly once"
        assert len(messages) <= 15
        assert all(len(html.unescape(re.sub("</?b>", "", m.text))) <= 4096 for m in messages)
        times = [m.arrived for m in messages]
        assert max_in_window(times, 1.0) <= 1, "Telegram: about 1 message/s per chat"
        assert max_in_window(times, 60.0) <= 20, "Telegram: 20/min per group"
    assert max_in_window([m.arrived for m in fake_telegram.messages], 1.0) <= 30
    assert elapsed < 30, "drained in seconds, not twenty minutes"
    assert "⚡ VI 발동" in fake_telegram.messages[-1].text


def test_digest_header_counts_stocks_and_says_what_continues() -> None:
    entries = [
        Entry("c", "vi", f"⚡ VI 발동 A({s})\n…", 0.0, f"A({s}) 1,000", s, "r", i)
        for i, s in enumerate(["000001", "000002", "000003"])
    ]
    assert digest(entries[:2], {"vi": 3}) == (
        "⚡ VI 발동 2종목\nA(000001) 1,000\nA(000002) 1,000\n… 1종목 더 (다음 메시지)"
    )


def test_a_single_alert_carries_its_mute_target_a_digest_none() -> None:
    now = datetime(2026, 3, 9, 9, 0, tzinfo=KST)

    def entries(n: int) -> list[Entry]:
        return [
            Entry("c", "vi", f"⚡ VI 발동 A({i:06d})", now.timestamp(), f"A({i:06d})", f"{i:06d}",
                  "vi-watch", i)
            for i in range(n)
        ]  # fmt: skip

    single = plan(entries(1), max_text=4096, storm_at=4, now=now, late_after=60)
    assert single.message.mute == ("vi-watch", "000000") and single.ids == (0,)
    storm = plan(entries(10), max_text=4096, storm_at=4, now=now, late_after=60)
    assert storm.message.mute is None and storm.ids == tuple(range(10))
    notice = Entry("c", "notice", "🤖 feed down", now.timestamp(), id=99)
    assert plan([notice, *entries(10)], max_text=4096, storm_at=4, now=now, late_after=60) == (
        Batch((99,), Message("🤖 feed down"))
    )


async def test_digests_carry_no_mute_button(
    tmp_path: Path, fake_telegram: FakeTelegram, clock: VirtualClock
) -> None:
    async with running({"phone": telegram(fake_telegram.base_url)}, tmp_path / "s.db", clock) as d:
        for symbol in SYMBOLS[:10]:
            d.submit(alert(symbol))
        await d.drain()
    [digest_message] = fake_telegram.messages
    assert "10종목" in digest_message.text
    assert not digest_message.params.get("reply_markup")
