"""How a rule set's channels are served: for real, or every one printed (the demo).

The app is given one of these objects instead of a ``console_only`` flag: it builds the
notifiers, says how channel options are checked when the rules load, and whether the chat
services are also polled for commands.
"""

from __future__ import annotations

import logging
from collections.abc import Container
from dataclasses import dataclass

from alertbot.delivery.notifiers import Notifier, build_notifier
from alertbot.delivery.notifiers.base import validate_options
from alertbot.engine.rules import ChannelCheck, RuleSet
from alertbot.engine.yamlsource import Problem, RulesError
from alertbot.i18n import t

log = logging.getLogger("alertbot")


@dataclass(frozen=True, slots=True)
class Channels:
    """A way of serving channels; ``LIVE`` and ``CONSOLE`` are the two alertbot has."""

    name: str
    printed: bool
    """Every channel goes to the console: a trial run, with no chat service behind it."""

    def notifiers(self, ruleset: RuleSet) -> dict[str, Notifier]:
        """One notifier per channel of ``ruleset``."""
        if self.printed:
            return {name: build_notifier(name, "console", {}) for name in ruleset.channels}
        return {
            name: build_notifier(name, spec.type, spec.options)
            for name, spec in ruleset.channels.items()
        }

    @property
    def check(self) -> ChannelCheck | None:
        """Channel options are checked for their type, unless they are only printed."""
        return None if self.printed else validate_options

    @property
    def commands(self) -> bool:
        """Whether the chat services are polled for commands (/status, /mute, …)."""
        return not self.printed


LIVE = Channels("live", printed=False)
CONSOLE = Channels("console", printed=True)


def check_reloadable(ruleset: RuleSet, running: RuleSet, notifiers: Container[str]) -> None:
    """Notifiers start with the bot: a new channel needs a restart (``RulesError``), a changed
    one applies at the next restart (logged)."""
    problems: list[Problem] = []
    for name, source in ruleset.channel_sources.items():
        if name not in notifiers:
            message = t("rules.channel_new", channel=name)
            problems.append(Problem(source.file, source.line, message))
        elif source.spec != running.channels.get(name):
            log.warning("channel %r changed: the change applies at the next restart", name)
    if problems:
        raise RulesError(problems)
