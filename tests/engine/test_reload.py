"""Hot reload through the running app: simulated Kiwoom in, fake Telegram out, real sockets.

Editing the rules while the bot runs must take effect at once, and a mistake must never
silence the bot: the last good rules keep firing and the admin channel says what is wrong.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from alertbot.app import App
from alertbot.sim.kiwoom import KiwoomSimulator, trade_entry, vi_entry
from alertbot.sim.telegram import FakeTelegram
from tests.engine.support import sim_settings

HEADER = """
channels:
  phone:
    type: telegram
    token: ${TELEGRAM_BOT_TOKEN}
    chat_id: "424242"
    base_url: ${TELEGRAM_BASE_URL}
defaults:
  notify: [phone]
  admin: [phone]
  cooldown: 0s
rules:
"""
NEWS_ONLY = HEADER + "  - {name: headlines, event: news, keywords: [리튬]}\n"
WITH_VI = NEWS_ONLY + '  - {name: vi-samsung, event: vi, symbols: ["005930"]}\n'


def write(folder: Path, text: str) -> None:
    """Replace the rule file in one rename, as editors do (never a half-written file)."""
    temporary = folder / "rules.yaml.tmp"
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, folder / "rules.yaml")


def vi_registered(simulator: KiwoomSimulator) -> bool:
    return any(("1h", "") in session.registrations for session in simulator.live)


@pytest.fixture
async def running(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> AsyncIterator[App]:
    rules = tmp_path / "rules"
    rules.mkdir()
    write(rules, NEWS_ONLY)
    settings = sim_settings(kiwoom_sim, rules, tmp_path / "state.db")
    env = {"TELEGRAM_BOT_TOKEN": "123:fake", "TELEGRAM_BASE_URL": fake_telegram.base_url}
    async with App(settings, env=env) as app:
        async with asyncio.timeout(5):
            await app.rules_watched.wait()
        await kiwoom_sim.wait_for(lambda: bool(kiwoom_sim.live))
        yield app


async def test_edit_break_fix(
    running: App, tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    folder = tmp_path / "rules"
    texts = lambda: [m.text for m in fake_telegram.messages]  # noqa: E731

    # No VI rule yet: nothing registered for VI.
    assert not vi_registered(kiwoom_sim)

    # Add a rule → its subscription goes out → it fires.
    write(folder, WITH_VI)
    await kiwoom_sim.wait_for(lambda: vi_registered(kiwoom_sim))
    await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400, hhmmss="090512")])
    await fake_telegram.wait_for(lambda: any("78,400" in t for t in texts()))

    # Break the YAML → one admin notice naming file and line; the old rules keep firing.
    write(folder, WITH_VI + "  - name: broken\n    event: vi\n    stat: triggered\n")
    await fake_telegram.wait_for(lambda: any("규칙을 다시 읽지 못했습니다" in t for t in texts()))
    [notice] = [t for t in texts() if "규칙을 다시 읽지 못했습니다" in t]
    assert (
        f"{folder / 'rules.yaml'}:17: 규칙 'broken': stat: 알 수 없는 키 (쓸 수 있는 키:" in notice
    )
    await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=79100, hhmmss="091000")])
    await fake_telegram.wait_for(lambda: any("79,100" in t for t in texts()))
    assert vi_registered(kiwoom_sim)

    # Fix it → applied (the new message shows), and the admin hears it is fixed.
    fixed = WITH_VI.replace(
        'symbols: ["005930"]}', 'symbols: ["005930"], message: "고쳐짐 {display}"}'
    )
    write(folder, fixed)
    await fake_telegram.wait_for(lambda: any("고친 규칙을 적용했습니다" in t for t in texts()))
    await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=80000, hhmmss="092000")])
    await fake_telegram.wait_for(lambda: any("고쳐짐 삼성전자(005930)" in t for t in texts()))
    assert sum("규칙을 다시 읽지 못했습니다" in t for t in texts()) == 1


async def test_a_new_price_rule_registers_its_stock_and_fires(
    running: App, tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    price_rule = '  - {name: samsung-80k, event: price, symbol: "005930", above: 80000}\n'
    write(tmp_path / "rules", NEWS_ONLY + price_rule)
    await kiwoom_sim.wait_for(
        lambda: any(("0B", "005930") in s.registrations for s in kiwoom_sim.live)
    )
    for price, hhmmss in ((79900, "091500"), (80100, "091501")):
        await kiwoom_sim.push([trade_entry("005930", price, hhmmss=hhmmss)])
    await fake_telegram.wait_for(
        lambda: any("80,000원 상향 돌파" in m.text for m in fake_telegram.messages)
    )


async def test_removing_the_rule_removes_the_subscription(
    running: App, tmp_path: Path, kiwoom_sim: KiwoomSimulator
) -> None:
    folder = tmp_path / "rules"
    write(folder, WITH_VI)
    await kiwoom_sim.wait_for(lambda: vi_registered(kiwoom_sim))
    write(folder, NEWS_ONLY)
    await kiwoom_sim.wait_for(lambda: not vi_registered(kiwoom_sim))
    assert any(m.get("trnm") == "REMOVE" for m in kiwoom_sim.received)


async def test_the_same_error_is_reported_once(
    running: App, tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    broken = NEWS_ONLY + "  - {name: x, event: vi, sate: any}\n"
    (tmp_path / "rules" / "rules.yaml").write_text(broken, encoding="utf-8")
    assert await running.reload() is False
    assert await running.reload() is False
    assert running.delivery is not None
    await running.delivery.drain()
    assert sum("규칙을 다시 읽지 못했습니다" in m.text for m in fake_telegram.messages) == 1


async def test_a_new_channel_needs_a_restart(
    running: App, tmp_path: Path, fake_telegram: FakeTelegram
) -> None:
    folder = tmp_path / "rules"
    text = NEWS_ONLY.replace("defaults:", "  log: {type: console}\ndefaults:")
    (folder / "rules.yaml").write_text(text, encoding="utf-8")
    assert await running.reload() is False
    await fake_telegram.wait_for(
        lambda: any("채널 'log'은(는) 새 채널입니다" in m.text for m in fake_telegram.messages)
    )


async def test_sighup_reloads(tmp_path: Path, kiwoom_sim: KiwoomSimulator) -> None:
    """``run_until_signalled`` wires SIGHUP to a reload (no watcher in this app)."""
    rules = tmp_path / "rules"
    rules.mkdir()
    header = "channels:\n  log: {type: console}\ndefaults:\n  notify: [log]\nrules:\n"
    (rules / "r.yaml").write_text(header + "  - {name: n, event: news}\n", encoding="utf-8")
    settings = sim_settings(kiwoom_sim, rules, tmp_path / "state.db")
    app = App(settings, env={}, watcher=None)
    running = asyncio.create_task(app.run_until_signalled())
    try:
        await kiwoom_sim.wait_for(lambda: bool(kiwoom_sim.live))
        (rules / "r.yaml").write_text(header + "  - {name: v, event: vi}\n", encoding="utf-8")
        os.kill(os.getpid(), signal.SIGHUP)
        await kiwoom_sim.wait_for(lambda: vi_registered(kiwoom_sim))
        assert app.engine is not None and [r.rule.name for r in app.engine.ruleset.rules] == ["v"]
    finally:
        os.kill(os.getpid(), signal.SIGTERM)
        async with asyncio.timeout(10):
            await running


async def test_a_new_admin_list_applies_to_delivery_notices(running: App, tmp_path: Path) -> None:
    """Delivery's own notices (a channel stopped) go to the admin channels of the rules now
    running, not of the rules the bot started with."""
    (tmp_path / "rules" / "rules.yaml").write_text(
        NEWS_ONLY.replace("  admin: [phone]\n", "  admin: []\n"), encoding="utf-8"
    )
    assert running.delivery is not None and running.delivery.admin == ("phone",)
    assert await running.reload() is True
    assert running.delivery.admin == ()


@pytest.mark.parametrize("emptied", ["truncated", "deleted"])
async def test_zero_rules_keep_the_last_good_ones_and_their_cooldowns(
    running: App,
    tmp_path: Path,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    emptied: str,
) -> None:
    """A half-written or emptied file, or the last file deleted: the watcher sees it, the
    bot goes on with its rules, the admin hears why, and no saved cooldown is dropped."""
    folder = tmp_path / "rules"
    texts = lambda: [m.text for m in fake_telegram.messages]  # noqa: E731
    write(folder, WITH_VI.replace("cooldown: 0s", "cooldown: 1h"))
    await kiwoom_sim.wait_for(lambda: vi_registered(kiwoom_sim))
    await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400, hhmmss="090512")])
    await fake_telegram.wait_for(lambda: any("78,400" in t for t in texts()))
    assert running.engine is not None and running.state is not None
    cooled = dict(running.engine.cooldowns._fired)
    assert cooled

    if emptied == "truncated":
        (folder / "rules.yaml").write_text("", encoding="utf-8")
    else:
        (folder / "rules.yaml").unlink()
    await fake_telegram.wait_for(lambda: any("규칙을 다시 읽지 못했습니다" in t for t in texts()))
    [notice] = [t for t in texts() if "규칙을 다시 읽지 못했습니다" in t]
    assert f"{folder}:0: {folder}에 규칙" in notice and "아무것도 감시하지 않게 됩니다" in notice
    assert [r.rule.name for r in running.engine.ruleset.rules] == ["headlines", "vi-samsung"]
    assert vi_registered(kiwoom_sim)
    assert running.engine.cooldowns._fired == cooled
    rows = running.state.conn.execute("SELECT COUNT(*) FROM rule_cooldowns").fetchone()[0]
    assert rows == len(cooled)
