"""``alertbot record``: what it subscribes to, what it writes, how it stops."""

from __future__ import annotations

import asyncio
import gzip
import os
import signal
import sys
from pathlib import Path

import orjson
import pytest

from alertbot.feeds.ls import protocol as ls_protocol
from alertbot.record import NoFeeds, record, recorded_subscriptions
from alertbot.recording import Recording
from alertbot.settings import Settings
from alertbot.sim import kiwoom as kw
from alertbot.sim import ls
from alertbot.sim.telegram import FakeTelegram
from alertbot.subscriptions import Subscriptions
from tests.conftest import FAST

ROOT = Path(__file__).resolve().parents[2]
RULES = """
channels:
  phone: {type: telegram, token: "${TELEGRAM_BOT_TOKEN}", chat_id: "1",
          base_url: "${TELEGRAM_BASE_URL}"}
defaults:
  notify: [phone]
rules:
  - name: samsung-80k
    event: price
    symbol: "005930"
    above: 80000
  - name: scanner
    event: condition
    condition: "급등주"
"""
RECORDED = Subscriptions(
    vi=True,
    ticks=frozenset({"005930", "035420"}),
    conditions=frozenset({"급등주"}),
    fills=True,
    market=True,
    news=True,
    disclosures=True,
    limits=True,
)
"""The rules' stock and condition, ``--symbols 035420``, and every all-stock stream (DART's
disclosures too, when a key is set: a backtest covers them; LS's 상/하한가 reports)."""


def test_recorded_subscriptions_add_what_a_new_rule_could_want() -> None:
    rules = Subscriptions(ticks=frozenset({"005930"}), conditions=frozenset({"급등주"}))
    assert recorded_subscriptions(rules, ["035420", ""]) == RECORDED


async def test_record_writes_until_stopped(tmp_path: Path) -> None:
    out = tmp_path / "day.jsonl"
    stop = asyncio.Event()
    async with kw.KiwoomSimulator() as kiwoom, ls.LsSimulator() as ls_server:
        settings = Settings.from_env(
            {
                "KIWOOM_TOKEN": kw.SIM_TOKEN,
                "KIWOOM_WS_URL": kiwoom.url,
                "LS_TOKEN": ls.SIM_TOKEN,
                "LS_WS_URL": ls_server.ws_url,
            }
        )
        task = asyncio.create_task(record(settings, out, RECORDED, stop, backoff=FAST))
        await kiwoom.wait_for(lambda: kiwoom.covers(RECORDED))
        topics = ls_protocol.wanted(RECORDED)
        await ls_server.wait_for(lambda: any(s.subscriptions == topics for s in ls_server.live))
        await kiwoom.push([kw.trade_entry("035420", 213_500, hhmmss="090001")])
        await kiwoom.ping()  # answered only after the trade was read (and recorded)
        await kiwoom.wait_for(lambda: kiwoom.live[0].pings_unanswered == 0)
        stop.set()
        async with asyncio.timeout(5):
            writer = await task
    frames = list(Recording(out))
    assert writer.frames == len(frames) and writer.by_source["kiwoom"] >= 3
    assert any('"035420"' in f.frame and '"REAL"' in f.frame for f in frames)  # type: ignore[operator]


async def test_no_credentials_no_file(tmp_path: Path) -> None:
    out = tmp_path / "day.jsonl"
    with pytest.raises(NoFeeds, match="KIWOOM_APPKEY"):
        await record(Settings.from_env({}), out, RECORDED, asyncio.Event())
    assert not out.exists()


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
async def test_a_signal_closes_a_whole_gzip_and_nothing_is_sent(
    tmp_path: Path, fake_telegram: FakeTelegram, signum: signal.Signals
) -> None:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    out = tmp_path / "day.jsonl.gz"
    async with kw.KiwoomSimulator(matches={"0": ["005930"]}) as kiwoom:
        env = {
            **os.environ,
            "KIWOOM_TOKEN": kw.SIM_TOKEN,
            "KIWOOM_WS_URL": kiwoom.url,
            "ALERTBOT_RULES": str(tmp_path),
            "TELEGRAM_BOT_TOKEN": "123:fake",
            "TELEGRAM_BASE_URL": fake_telegram.base_url,
        }
        argv = ["-m", "alertbot", "record", "--out", str(out), "--symbols", "035420"]
        process = await asyncio.create_subprocess_exec(
            sys.executable, *argv, cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
        )
        try:
            await kiwoom.wait_for(lambda: kiwoom.covers(RECORDED), timeout=15)
            await kiwoom.push(
                [
                    kw.trade_entry("005930", 80_100, hhmmss="091502"),
                    kw.vi_entry("005930", "삼성전자", price=80_100, hhmmss="091503"),
                ]
            )
            await kiwoom.ping()
            await kiwoom.wait_for(lambda: kiwoom.live[0].pings_unanswered == 0)
            process.send_signal(signum)
            async with asyncio.timeout(15):
                _, stderr = await process.communicate()
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
    log = stderr.decode()
    assert process.returncode == 0, log
    assert "Traceback" not in log
    lines = gzip.decompress(out.read_bytes()).splitlines()  # raises unless the gzip is whole
    frames = [orjson.loads(orjson.loads(line)["frame"]) for line in lines]
    trnms = [f["trnm"] for f in frames]
    handshake = ["LOGIN", "REG", "REG", "REG", "CNSRLST", "CNSRREQ"]
    assert trnms[:8] == [*handshake, "REAL", "PING"]
    assert set(trnms[8:]) <= {"CNSRCLR", "REMOVE"}  # answers to the goodbye, if read in time
    assert f"{out}: 프레임 {len(frames)}개 (kiwoom {len(frames)})" in log
    assert fake_telegram.messages == []
