"""What ops reads and does in the running bot: ``/readyz``, ``/status``, the metrics, ``/test``.

``BotView`` answers from the bot's parts as they are at the moment asked — before the start
and after the stop too — so the app hands it to the HTTP server, the command pollers and the
metrics once and never has to keep them current.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from alertbot.delivery.channels import Channels
from alertbot.delivery.pipeline import Delivery
from alertbot.engine.engine import Engine
from alertbot.engine.rules import RuleSet
from alertbot.feeds.base import Feed, FeedStatus
from alertbot.feeds.build import unserved
from alertbot.ha.term import Term
from alertbot.i18n import t
from alertbot.ops.metrics import FeedView
from alertbot.ops.mutes import MuteStore
from alertbot.ops.readiness import no_feed, no_rules
from alertbot.ops.runtime import OpsRuntime, feed_problems, sample_alert


class RunningBot(Protocol):
    """The parts of ``alertbot.app.App`` ops looks at (each None until the start builds it)."""

    accepting: bool
    engine: Engine | None
    delivery: Delivery | None
    mutes: MuteStore | None
    feeds: list[Feed]
    term: Term | None
    rules_path: Path
    channels: Channels
    runtime: OpsRuntime


class BotView:
    """The ``Control`` the command pollers use, and the callables ``/readyz`` and the
    metrics poll."""

    def __init__(self, bot: RunningBot) -> None:
        self.bot = bot

    @property
    def mutes(self) -> MuteStore:
        assert self.bot.mutes is not None, "commands are served only once the bot runs"
        return self.bot.mutes

    @property
    def ruleset(self) -> RuleSet | None:
        return self.bot.engine.ruleset if self.bot.engine is not None else None

    def feed_statuses(self) -> list[tuple[str, FeedStatus]]:
        return [(feed.name, feed.status) for feed in self.bot.feeds]

    def feed_views(self) -> list[FeedView]:
        return [FeedView(f.name, f.status, f.status.last_event_monotonic) for f in self.bot.feeds]

    def unserved(self) -> list[str]:
        """Rules no running feed can serve: told at start, shown in ``/status``."""
        rules = self.ruleset.rules if self.ruleset is not None else ()
        kinds = [(r.rule.name, r.rule.event) for r in rules if r.rule.enabled]
        return unserved(kinds, self.bot.feeds)

    def leadership(self) -> str | None:
        """``/status``: who leads the HA group and under which epoch (None: no group)."""
        return self.bot.term.describe() if self.bot.term is not None else None

    def outbox_depth(self) -> int:
        return self.bot.delivery.pending() if self.bot.delivery is not None else 0

    def channels_stopped(self) -> dict[str, bool]:
        workers = self.bot.delivery.workers if self.bot.delivery is not None else {}
        return {name: worker.stopped is not None for name, worker in workers.items()}

    def dead_letters(self) -> int:
        return self.bot.delivery.dead_letters() if self.bot.delivery is not None else 0

    def readiness(self) -> list[str]:
        """``/readyz``: what keeps the bot from doing its job right now (empty: ready)."""
        bot = self.bot
        if not bot.accepting:
            return [t("ready.not_running")]
        problems = no_rules(self.ruleset, bot.rules_path)
        problems += no_feed(self.ruleset, len(bot.feeds), bot.channels.printed)
        problems += feed_problems(self.feed_statuses())
        if bot.delivery is not None:
            problems += bot.delivery.problems()
        return problems + bot.runtime.stuck(self.outbox_depth())

    def send_test(self, channels: tuple[str, ...]) -> None:
        """``/test``: a sample alert through the real delivery path."""
        assert self.bot.delivery is not None
        self.bot.delivery.submit(sample_alert(channels))
