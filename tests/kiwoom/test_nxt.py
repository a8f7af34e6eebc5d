"""NXT (08:00–09:00, 15:30–20:00): a price rule with ``nxt: true`` registers the stock's NXT
item too, and its NXT trades cross on their own (Kiwoom items ``_NX``, reference 0B page)."""

from __future__ import annotations

from pathlib import Path

from alertbot.engine.engine import Engine
from alertbot.engine.rules import load_rules
from alertbot.events import Tick
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, trade_entry
from tests.conftest import Recorder, running, static
from tests.kiwoom.conftest import make_feed

RULES = """
channels:
  log: {type: console}
defaults:
  notify: [log]
rules:
  - name: samsung-nxt
    event: price
    symbol: "005930"
    above: 80000
    nxt: true
  - name: hynix-krx
    event: price
    symbol: "000660"
    above: 200000
"""


async def test_a_rule_that_asks_for_nxt_gets_the_nxt_item(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    engine = Engine(load_rules(tmp_path))
    wanted = engine.subscriptions()
    assert wanted.nxt_ticks == {"005930"} and wanted.ticks == {"005930", "000660"}
    recorder = Recorder()
    feed = make_feed(kiwoom_sim.url, static(SIM_TOKEN), recorder)
    feed.set_subscriptions(wanted)
    async with running(feed):
        await kiwoom_sim.wait_for(
            lambda: (
                bool(kiwoom_sim.live) and ("0B", "005930_NX") in kiwoom_sim.live[0].registrations
            )
        )
        assert ("0B", "000660_NX") not in kiwoom_sim.live[0].registrations
        await kiwoom_sim.push(
            [trade_entry("005930", 80100, change=200, hhmmss="170001", item="005930_NX")]
        )
        await recorder.wait_for(lambda: len(recorder.events) == 1)
    (tick,) = recorder.events
    assert isinstance(tick, Tick) and (tick.symbol, tick.venue) == ("005930", "NXT")
    (alert,) = engine.evaluate(tick)
    assert alert.rule == "samsung-nxt"
