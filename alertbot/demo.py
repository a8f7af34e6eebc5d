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
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry

SCRIPT = [
    vi_entry("005930", "삼성전자", price=78400, hhmmss="090512", rate="+10.02", count=1),
    vi_entry("000660", "SK하이닉스", price=201500, hhmmss="091003", kind="동적", rate="+3.07"),
    vi_entry("005930", "삼성전자", triggered=False, price=78400, hhmmss="090742"),
]


class _PlaceholderEnv(dict[str, str]):
    """The real environment, with a harmless stand-in for any ``${VAR}`` it lacks.

    The demo prints every channel to the console, so channel secrets are never used.
    """

    def __missing__(self, key: str) -> str:
        return f"demo-{key.lower()}"

    def __contains__(self, key: object) -> bool:
        return True


async def run_demo(rules: Path) -> None:
    async with KiwoomSimulator() as simulator:
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
            await simulator.wait_for(
                lambda: any(("1h", "") in s.registrations for s in simulator.live)
            )
            for entry in SCRIPT:
                await simulator.push([entry])
            await app.wait_events(len(SCRIPT))
        finally:
            await app.stop()
