"""``alertbot demo``: the bot on a simulated market, no account or token needed.

It starts the broker simulators in-process, runs the real app against them with the shipped
rules (every channel printed to the console instead of sent), plays a short scripted session
and exits.
"""

from __future__ import annotations

import os
from pathlib import Path

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim.kiwoom import (
    SIM_TOKEN,
    KiwoomSimulator,
    condition_entry,
    fill_entry,
    trade_entry,
    vi_entry,
)

SCRIPT = [
    vi_entry("005930", "삼성전자", price=78400, hhmmss="090512", rate="+10.02", count=1),
    vi_entry("000660", "SK하이닉스", price=201500, hhmmss="091003", kind="동적", rate="+3.07"),
    vi_entry("005930", "삼성전자", triggered=False, price=78400, hhmmss="090742"),
    # Samsung trades up through 80,000 won.
    trade_entry(
        "005930", 79800, change=800, rate=1.01, volume=120, cum_volume=81234, hhmmss="091501"
    ),
    trade_entry(
        "005930", 80100, change=1100, rate=1.39, volume=350, cum_volume=81584, hhmmss="091502"
    ),
    # NAVER enters the "급등주" condition search (seq 0 in the simulator's list).
    condition_entry("0", "035420", hhmmss="092030"),
    # The trader's own buy order is filled.
    fill_entry(
        "005930", "삼성전자", fill_no="1", qty=10, price=80100, order_qty=10, hhmmss="092512"
    ),
]
CONDITION_MATCHES = {"0": ["005930", "000660"]}
"""What "급등주" matches when the demo starts it: reported once, as a snapshot."""


class _PlaceholderEnv(dict[str, str]):
    """The real environment, with a harmless stand-in for any ``${VAR}`` it lacks.

    The demo prints every channel to the console, so channel secrets are never used.
    """

    def __missing__(self, key: str) -> str:
        return f"demo-{key.lower()}"

    def __contains__(self, key: object) -> bool:
        return True


async def run_demo(rules: Path) -> None:
    async with KiwoomSimulator(matches=CONDITION_MATCHES) as simulator:
        settings = Settings.from_env(
            {
                "KIWOOM_TOKEN": SIM_TOKEN,
                "KIWOOM_WS_URL": simulator.url,
                "ALERTBOT_RULES": str(rules),
            }
        )
        app = App(settings, env=_PlaceholderEnv(os.environ), console_only=True)
        await app.start()
        try:
            assert app.engine is not None
            wanted = app.engine.subscriptions()
            await simulator.wait_for(lambda: simulator.covers(wanted))
            # Only what the shipped rules registered is sent; each condition's first answer
            # (its current matches) is an event too.
            expected = sum(session.snapshots for session in simulator.live)
            for entry in SCRIPT:
                expected += await simulator.push([entry])
            await app.wait_events(expected)
        finally:
            await app.stop()
