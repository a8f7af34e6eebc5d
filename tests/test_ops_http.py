"""/healthz, /readyz and /metrics over real HTTP, with the feed on the Kiwoom simulator."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
from prometheus_client.parser import text_string_to_metric_families

from alertbot.cli import main
from alertbot.feeds.base import Backoff
from alertbot.sim.kiwoom import KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.ops_support import get, running_app, texts

HOLD_DOWN = Backoff(initial=3600, maximum=3600)
"""After a drop the feed waits an hour: it stays down for the whole test."""


def samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus text body by (name, sorted labels)."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


async def test_ready_until_the_feed_drops(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram, backoff=HOLD_DOWN) as app:
        status, body = await get(app.runtime.http, "/readyz")
        assert (status, orjson.loads(body)) == (200, {"ok": True, "problems": []})

        await kiwoom_sim.drop()
        await fake_telegram.wait_for(lambda: any("연결이" in t for t in texts(fake_telegram)))

        status, body = await get(app.runtime.http, "/readyz")
        assert status == 503
        (problem,) = orjson.loads(body)["problems"]
        assert problem.startswith("피드 kiwoom: ")
        # alive: a drop is no reason to restart
        assert (await get(app.runtime.http, "/healthz"))[0] == 200
        _, metrics = await get(app.runtime.http, "/metrics")
        values = samples(metrics)
        assert values[("alertbot_feed_up", (("feed", "kiwoom"),))] == 0
        assert values[("alertbot_feed_reconnects_total", (("feed", "kiwoom"),))] == 1


async def test_back_up_after_a_drop(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    quick = Backoff(initial=0.2, maximum=0.2)
    async with running_app(tmp_path, kiwoom_sim, fake_telegram, backoff=quick) as app:
        await kiwoom_sim.drop()
        await fake_telegram.wait_for(lambda: any("연결 복구" in t for t in texts(fake_telegram)))
        notices = [t for t in texts(fake_telegram) if "kiwoom 연결" in t]
        assert ["끊겨 있습니다" in t for t in notices] == [True, False]
        assert "kiwoom 연결 복구" in notices[1]
        assert (await get(app.runtime.http, "/readyz"))[0] == 200


async def test_metrics_count_events_alerts_and_sends(
    tmp_path: Path, kiwoom_sim: KiwoomSimulator, fake_telegram: FakeTelegram
) -> None:
    calls = {"sendMessage": 0}

    def fail_second_alert(method: str, params: dict[str, object]):  # type: ignore[no-untyped-def]
        if method == "sendMessage" and str(params.get("text", "")).startswith("<b>B "):
            calls["sendMessage"] += 1
            return error_response(400, "Bad Request: chat not found")
        return None

    fake_telegram.failures.append(fail_second_alert)
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        await kiwoom_sim.push([vi_entry("005930", "삼성전자", price=78400)])
        await app.events.wait(1)
        await fake_telegram.wait_for(lambda: calls["sendMessage"] == 1)
        await fake_telegram.wait_for(
            lambda: any(t.startswith("<b>A ") for t in texts(fake_telegram))
        )
        assert app.delivery is not None
        await asyncio.wait_for(app.delivery.drain(), 5)
        status, body = await get(app.runtime.http, "/metrics")
    assert status == 200
    values = samples(body)
    assert values[("alertbot_events_total", (("kind", "vi"), ("source", "kiwoom")))] == 1
    assert values[("alertbot_alerts_total", (("rule", "vi-a"),))] == 1
    assert values[("alertbot_alerts_total", (("rule", "vi-b"),))] == 1
    # the started notice and alert A went out; alert B was refused for good
    assert values[("alertbot_sends_total", (("channel", "phone"),))] == 2
    failures = (("channel", "phone"), ("reason", "permanent"))
    assert values[("alertbot_send_failures_total", failures)] == 1
    # the refused alert is kept for the next start: a stopped channel drops nothing
    assert values[("alertbot_outbox_depth", ())] == 1
    assert values[("alertbot_rule_reloads_total", (("result", "ok"),))] == 1
    assert values[("alertbot_rules_loaded", ())] == 2
    assert values[("alertbot_feed_up", (("feed", "kiwoom"),))] == 1
    assert values[("alertbot_feed_last_event_age_seconds", (("feed", "kiwoom"),))] >= 0


async def test_healthcheck_command_asks_the_running_bot(
    tmp_path: Path,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    monkeypatch,  # type: ignore[no-untyped-def]
    capsys,  # type: ignore[no-untyped-def]
) -> None:
    async with running_app(tmp_path, kiwoom_sim, fake_telegram) as app:
        assert app.runtime.http is not None
        # the container sets ALERTBOT_HTTP=0.0.0.0:…; the probe must reach it on loopback
        monkeypatch.setenv("ALERTBOT_HTTP", f"0.0.0.0:{app.runtime.http.port}")
        healthy = await asyncio.to_thread(main, ["healthcheck"])
        ready = await asyncio.to_thread(main, ["healthcheck", "--ready"])
        port = app.runtime.http.port
    assert (healthy, ready) == (0, 0)
    assert f"http://127.0.0.1:{port}/healthz: 200" in capsys.readouterr().out
    assert await asyncio.to_thread(main, ["healthcheck"]) == 1  # nothing listens any more
