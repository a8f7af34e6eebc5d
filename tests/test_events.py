"""Idempotency keys: the same happening gives the same key, a new one a new key."""

from __future__ import annotations

from datetime import datetime, timedelta

from alertbot.events import KST, MarketStatus

OPEN = datetime(2026, 11, 20, 13, 12, 0, tzinfo=KST)


def sidecar(arrived: datetime) -> MarketStatus:
    return MarketStatus(
        source="ls",
        time=arrived,
        market="kospi",
        market_code="1",
        status_code="64",
        category="sidecar",
        label="사이드카 매도발동",
    )


def test_a_market_status_resent_after_a_reconnect_keeps_its_key() -> None:
    """JIF has no time of its own: a re-send minutes later is still the same sidecar."""
    assert sidecar(OPEN).key == sidecar(OPEN + timedelta(minutes=7)).key


def test_a_market_status_on_another_day_is_new() -> None:
    assert sidecar(OPEN).key != sidecar(OPEN + timedelta(days=1)).key


def test_another_market_or_status_is_new() -> None:
    kosdaq = MarketStatus(
        source="ls", time=OPEN, market="kosdaq", market_code="2", status_code="64"
    )
    released = MarketStatus(
        source="ls", time=OPEN, market="kospi", market_code="1", status_code="65"
    )
    assert len({sidecar(OPEN).key, kosdaq.key, released.key}) == 3
