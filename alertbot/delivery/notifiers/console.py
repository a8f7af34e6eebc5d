"""Console notifier: prints alerts to standard output (the demo, and a log of last resort)."""

from __future__ import annotations

import sys

from alertbot.delivery.notifiers.base import Notifier, NotifierOptions, register


@register
class ConsoleNotifier(Notifier):
    type = "console"
    Options = NotifierOptions

    async def send(self, text: str, *, mute: tuple[str, str] | None = None) -> None:
        sys.stdout.write(f"[{self.name}] {text}\n\n")
        sys.stdout.flush()
