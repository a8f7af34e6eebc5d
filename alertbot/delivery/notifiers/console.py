"""Console notifier: prints alerts to standard output (the demo, and a log of last resort)."""

from __future__ import annotations

import sys

from alertbot.delivery.notifiers.base import Message, Notifier, NotifierOptions, register


@register
class ConsoleNotifier(Notifier):
    type = "console"
    Options = NotifierOptions
    max_text = 100_000

    async def send(self, message: Message) -> None:
        sys.stdout.write(f"[{self.name}] {message.text}\n\n")
        sys.stdout.flush()
