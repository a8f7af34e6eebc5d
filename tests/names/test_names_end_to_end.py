"""Names on every alert, the whole way: simulators → app → fake Telegram, over real sockets.

The feeds send bare codes (Kiwoom trades and conditions, LS VIs and news carry no name); the
names come from the stock master the app loads from the simulators' ka10099 / t8436, and
after a restart with both brokers' REST down, from the state database.
"""

from __future__ import annotations

from pathlib import Path

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim import kiwoom as kw
from alertbot.sim import ls
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.ls import LsSimulator
from alertbot.sim.stocks import SIM_STOCKS
from tests.conftest import FAST
from tests.names.conftest import Inbox

RULES = """
channels:
  phone: {type: memory}
defaults:
  notify: [phone]
  admin: [phone]
  cooldown: 0s             # cooldowns outlive a restart: the second day must fire again
rules:
  - {name: samsung-80k, event: price, symbol: "005930", above: 80000}
  - {name: scanner, event: condition, condition: 급등주, action: enter}
  - {name: fills, event: fill, status: any}
  - {name: vi, event: vi}
  - {name: news, event: news, symbols: ["005930"]}
"""


def settings(tmp_path: Path, kiwoom: KiwoomSimulator, ls_server: LsSimulator) -> Settings:
    return Settings.from_env(
        {
            "KIWOOM_TOKEN": kw.SIM_TOKEN,
            "KIWOOM_API_URL": kiwoom.api_url,
            "KIWOOM_WS_URL": kiwoom.url,
            "LS_APPKEY": ls.SIM_APPKEY,
            "LS_APPSECRET": ls.SIM_APPSECRET,
            "LS_API_URL": ls_server.api_url,
            "LS_WS_URL": ls_server.ws_url,
            "ALERTBOT_RULES": str(tmp_path / "rules.yaml"),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
        }
    )


async def play_day(
    app: App, kiwoom: KiwoomSimulator, ls_server: LsSimulator, inbox: Inbox, n: int
) -> list[str]:
    """One of each alert, all from frames without names; returns the alert texts."""
    assert app.engine is not None
    wanted = app.engine.subscriptions()
    await kiwoom.wait_for(lambda: kiwoom.covers(wanted))
    await ls_server.wait_for(
        lambda: ls_server.subscribed("VI_", "000000") and ls_server.subscribed("NWS", "NWS001")
    )
    before = len(alerts(inbox))
    reject = kw.fill_entry(
        "247540",
        "",
        order_no=f"77{n}",
        status="거부",
        buy=False,
        order_qty=20,
        reason="매도가능수량 부족",
    )
    await kiwoom.push(
        [kw.trade_entry("005930", 79_900, change=4_000, rate=5.27, hhmmss=f"0915{n}0")]
    )
    steps = [
        kiwoom.push(
            [kw.trade_entry("005930", 80_100, change=4_200, rate=5.53, hhmmss=f"0915{n}2")]
        ),
        kiwoom.push([kw.condition_entry("0", "196170", hhmmss=f"0900{n}0")]),
        kiwoom.push([reject]),
        ls_server.push(
            ls.vi("000660", gubun="2", trigger=184_300, dynamic_ref=188_200, hhmmss=f"1312{n}5")
        ),
        ls_server.push(
            ls.news("반도체 수출 호조", realkey=f"news-{n}", codes=("005930", "000660"))
        ),
    ]
    for count, step in enumerate(steps, start=before + 1):
        await step  # one at a time: a burst would go out as one storm digest
        await inbox.wait_for(lambda count=count: len(alerts(inbox)) >= count)
    return alerts(inbox)[before:]


def alerts(inbox: Inbox) -> list[str]:
    """The alerts, the bot's own notices left out."""
    return [text for text in inbox.texts if not text.startswith("🤖")]


def check_names(texts: list[str]) -> None:
    price, condition, fill, vi, news = (
        next(t for t in texts if t.startswith(head)) for head in ("📈", "🔎", "⛔", "⚡", "📰")
    )
    assert price.startswith("📈 삼성전자(005930) 80,000원 상향 돌파\n현재가 80,100원")
    assert condition.startswith("🔎 조건검색 급등주 편입: 알테오젠(196170)")
    assert fill.startswith("⛔ 매도 거부 에코프로비엠(247540)\n주문 20주 · 사유: 매도가능수량 부족")
    assert "0주 × 0원" not in fill
    assert vi.startswith("⚡ VI 발동 SK하이닉스(000660)\n동적 VI")
    assert "발동가 184,300원 (기준가 대비" in vi
    assert "관련 종목: 삼성전자(005930), SK하이닉스(000660)" in news


async def test_names_on_every_alert_and_after_a_restart_with_the_broker_down(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, ls_sim: LsSimulator, inbox: Inbox
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    kiwoom_sim.stock_list.page_size = 4

    app = App(settings(tmp_path, kiwoom_sim, ls_sim), backoff=FAST, watcher=None)
    await app.start()
    try:
        assert len(app.stocks) == len(SIM_STOCKS)  # loaded before the feeds started
        check_names(await play_day(app, kiwoom_sim, ls_sim, inbox, 1))
    finally:
        await app.stop()

    kiwoom_sim.stock_list.down = ls_sim.stock_list.down = True
    app = App(settings(tmp_path, kiwoom_sim, ls_sim), backoff=FAST, watcher=None)
    await app.start()
    try:
        check_names(await play_day(app, kiwoom_sim, ls_sim, inbox, 2))
        await inbox.wait_for(
            lambda: (
                sum("종목 정보를 불러오지 못했습니다" in m for m in inbox.texts) == 2
            )  # one warning per broker, and the bot goes on
        )
    finally:
        await app.stop()
    warnings = [m for m in inbox.texts if "종목 정보를" in m]
    assert any("(kiwoom)" in w for w in warnings) and any("(ls)" in w for w in warnings)
    assert all(f"알고 있는 종목 {len(SIM_STOCKS)}개" in w for w in warnings)
