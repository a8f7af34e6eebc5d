"""One term of leadership, as the bot running during it sees it.

The node builds the ``App`` for a term with this: the epoch every write is fenced by, the
cheap local check that the lease still holds (``acting``), and a line for ``/status``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from alertbot.delivery.notifiers.base import Notifier, TransientError


@dataclass(frozen=True, slots=True)
class Term:
    epoch: int
    acting: Callable[[], bool]
    """True while this instance leads under a lease that cannot have expired."""
    describe: Callable[[], str]
    """Who leads, under which epoch: for ``/status``."""

    def fence_sends(self, notifiers: Iterable[Notifier]) -> None:
        """Make each notifier refuse to send once the lease may have run out.

        The outbox claim before a send is fenced in the database; this closes the gap after
        it: a leader paused between claiming and sending (and replaced meanwhile) wakes with
        its monotonic clock past the lease and sends nothing. The row stays marked as being
        sent, so the next leader resends it marked "🔁 재전송".
        """
        for notifier in notifiers:
            notifier.send = self._fenced(notifier)  # type: ignore[method-assign]

    def _fenced(self, notifier: Notifier) -> Callable[..., Awaitable[None]]:
        send = notifier.send

        async def fenced_send(*args: object, **kwargs: object) -> None:
            if not self.acting():
                raise TransientError(
                    f"{notifier.name}: not the leader any more (epoch {self.epoch})"
                )
            await send(*args, **kwargs)  # type: ignore[arg-type]

        return fenced_send
