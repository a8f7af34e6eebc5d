"""The poller against the simulator: HTTP failures retried, idle without rules, recorded."""

from __future__ import annotations

import asyncio
from datetime import datetime

import pytest
from aiohttp import web

from alertbot.feeds.dart.client import ATTEMPTS, DartFeed
from alertbot.sim.dart import SIM_KEY, DartSimulator
from alertbot.sim.fakehttp import Hang
from alertbot.subscriptions import Subscriptions
from tests.conftest import FAST, Recorder, running
from tests.dart.conftest import buyback

RULES = Subscriptions(disclosures=True)


def feed(dart: DartSimulator, recorder: Recorder, **kwargs: object) -> DartFeed:
    made = DartFeed(
        dart.api_url,
        SIM_KEY,
        on_event=recorder.event,
        on_notice=recorder.notice,
        retry_wait=(0.01, 0.02),
        timeout=0.5,
        **{"backoff": FAST, **kwargs},  # type: ignore[arg-type]
    )
    made.set_subscriptions(RULES)
    return made


async def test_http_errors_and_timeouts_are_retried(dart_sim: DartSimulator) -> None:
    recorder = Recorder()
    poller = feed(dart_sim, recorder)
    async with running(poller):
        await dart_sim.wait_for(lambda: dart_sim.calls >= 1)
        dart_sim.fail_next("list.json", web.Response(status=502), Hang())
        dart_sim.file(buyback(1))
        poller.poll_now()
        await recorder.wait_for(lambda: len(recorder.events) == 1)
    assert dart_sim.calls == 4  # the first pass, 502, no answer in time, then the page
    assert poller.status.reconnects == 0 and not recorder.notices


async def test_a_service_down_for_long_ends_the_session_and_the_supervisor_goes_on(
    dart_sim: DartSimulator,
) -> None:
    recorder = Recorder()
    poller = feed(dart_sim, recorder)
    async with running(poller):
        await dart_sim.wait_for(lambda: dart_sim.calls >= 1)
        dart_sim.fail_next("list.json", *[web.Response(status=500) for _ in range(ATTEMPTS)])
        dart_sim.file(buyback(1))
        poller.poll_now()
        await recorder.wait_for(lambda: len(recorder.events) == 1)
        assert poller.status.reconnects == 1 and poller.status.ready
    assert not poller.status.stopped and not recorder.notices


async def test_without_disclosure_rules_no_call_is_spent(dart_sim: DartSimulator) -> None:
    recorder = Recorder()
    poller = feed(dart_sim, recorder)
    poller.set_subscriptions(Subscriptions(news=True))
    async with running(poller):
        poller.poll_now()
        async with asyncio.timeout(2):
            while not poller.status.ready:  # noqa: ASYNC110 - the feed has no event for "idle"
                await asyncio.sleep(0)
        assert dart_sim.calls == 0
        poller.set_subscriptions(RULES)
        await dart_sim.wait_for(lambda: dart_sim.calls == 1)


async def test_answers_are_recorded_without_the_key(dart_sim: DartSimulator) -> None:
    recorder = Recorder()
    raw: list[tuple[str, str | bytes, datetime]] = []
    dart_sim.file(buyback(1))
    poller = feed(dart_sim, recorder, on_raw=lambda *frame: raw.append(frame))
    async with running(poller):
        await dart_sim.wait_for(lambda: dart_sim.calls >= 1)
    ((src, body, _),) = raw[:1]
    assert src == "dart" and buyback(1)["rcept_no"] in str(body)
    assert all(SIM_KEY not in str(frame) for _, frame, _ in raw)


async def test_an_unreadable_service_is_down_in_its_own_words(
    dart_sim: DartSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The reason /readyz and the down notice quote: the feed's words, not an exception's."""
    recorder = Recorder()
    poller = feed(dart_sim, recorder)
    async with running(poller):
        await dart_sim.wait_for(lambda: dart_sim.calls >= 1)
        garbage = [web.Response(status=200, text="<html>") for _ in range(ATTEMPTS)]
        dart_sim.fail_next("list.json", *garbage)
        poller.poll_now()
        await dart_sim.wait_for(lambda: dart_sim.calls >= 2 + ATTEMPTS)  # reconnected
    (line,) = [r.getMessage() for r in caplog.records if "disconnected" in r.getMessage()]
    reason = "읽을 수 없는 응답 (JSON이 아닙니다)"
    assert line.startswith(f"dart feed disconnected ({reason}); reconnecting")
