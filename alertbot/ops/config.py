"""Timings of the bot's self-watching, injectable so that tests never wait real minutes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class OpsConfig:
    feed_down_after: float = 60.0
    """Seconds a feed may be down before the admin hears of it (ALERTBOT_FEED_DOWN_AFTER)."""
    check_interval: float = 5.0
    """How often feeds and delivery are looked at."""
    delivery_stuck_after: float = 300.0
    """Messages waiting and none sent for this long: ``/readyz`` says delivery is stuck."""
    drain_timeout: float = 3.0
    """On SIGTERM, how long delivery may keep sending before the rest waits for the next start."""
    command_poll_timeout: float = 25.0
    """Telegram ``getUpdates`` long-poll seconds."""
    command_retry_delay: float = 5.0
    """Pause after a failed ``getUpdates``."""
