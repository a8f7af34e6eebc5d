"""``alertbot demo``: the bot on a simulated market, no account or token needed.

It starts the broker simulators in-process, runs the real app against them with the shipped
rules (every channel printed to the console instead of sent), plays a short scripted session
and exits.
"""

from __future__ import annotations

import os
from pathlib import Path

from alertbot.app import App
from alertbot.events import now_kst
from alertbot.feeds.ls import protocol as ls_protocol
from alertbot.settings import Settings
from alertbot.sim import ls as ls_sim
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

TODAY = now_kst().strftime("%Y%m%d")
LS_SCRIPT = [
    ls_sim.jif("1", "21"),  # 코스피 장 시작
    ls_sim.news(
        "반도체 수출 3개월 연속 증가",
        realkey=f"{TODAY}0915000001",
        codes=("005930",),
        date=TODAY,
        hhmmss="091500",
    ),
    ls_sim.jif("1", "64"),  # 코스피 사이드카 매도 발동
    ls_sim.news(
        "STX, ‘2차전지 핵심’ 수산화리튬 사업 박차…中 영정리튬과 MOU",
        realkey=f"{TODAY}0952172704000165",
        codes=("011810",),
        date=TODAY,
        hhmmss="095217",
    ),
    ls_sim.jif("2", "61"),  # 코스닥 서킷브레이크 1단계 발동
    ls_sim.jif("2", "62"),  # 코스닥 서킷브레이크 1단계 해제
]
"""The LS side of the day: market halts and headlines (rules decide which become alerts)."""


class _PlaceholderEnv(dict[str, str]):
    """The real environment, with a harmless stand-in for any ``${VAR}`` it lacks.

    The demo prints every channel to the console, so channel secrets are never used.
    """

    def __missing__(self, key: str) -> str:
        return f"demo-{key.lower()}"

    def __contains__(self, key: object) -> bool:
        return True


async def run_demo(rules: Path) -> None:
    async with (
        KiwoomSimulator(matches=CONDITION_MATCHES) as simulator,
        ls_sim.LsSimulator() as ls,
    ):
        settings = Settings.from_env(
            {
                "KIWOOM_TOKEN": SIM_TOKEN,
                "KIWOOM_WS_URL": simulator.url,
                "LS_APPKEY": ls_sim.SIM_APPKEY,
                "LS_APPSECRET": ls_sim.SIM_APPSECRET,
                "LS_API_URL": ls.api_url,
                "LS_WS_URL": ls.ws_url,
                "ALERTBOT_RULES": str(rules),
                "ALERTBOT_STATE": ":memory:",  # every demo run shows its alerts afresh
            }
        )
        app = App(settings, env=_PlaceholderEnv(os.environ), console_only=True)
        await app.start()
        try:
            assert app.engine is not None
            wanted = app.engine.subscriptions()
            await simulator.wait_for(lambda: simulator.covers(wanted))
            ls_topics = ls_protocol.wanted(wanted)
            await ls.wait_for(lambda: any(s.subscriptions >= ls_topics for s in ls.live))
            # Only what the shipped rules registered is sent; each condition's first answer
            # (its current matches) is an event too.
            expected = sum(session.snapshots for session in simulator.live)
            for entry in SCRIPT:
                expected += await simulator.push([entry])
            for frame in LS_SCRIPT:
                expected += await ls.push(frame)
            await app.wait_events(expected)
        finally:
            await app.stop()
