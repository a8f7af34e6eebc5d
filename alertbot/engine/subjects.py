"""What a cooldown is about: the rule, the stock, and the event's own state.

A cooldown keyed on rule + stock only hides what the trader needs next: a VI *release*
right after the trigger, a condition *exit* five seconds after the entry, a ``below``
crossing right after an ``above``. So the subject a cooldown counts repeats of is the stock
(the market for market events, the headline for news without a stock) plus what happened
to it: the VI state, the condition action, the crossing's direction and level, the fill
status, the market status, a price limit's direction and state (a disclosure's filer: the
company's DART code when it has no stock code). Only a repeat of the very
same thing stays quiet.

A kind not listed in ``STATE_FIELDS`` cools down on its stock alone: a new kind adds its
entry there.
"""

from __future__ import annotations

from alertbot.engine.messages import Crossing
from alertbot.events import Disclosure, Event, MarketStatus, News

STATE_FIELDS: dict[str, tuple[str, ...]] = {
    "vi": ("state",),
    "condition": ("action",),
    "fill": ("status",),
    "market": ("status_code",),
    "limit": ("direction", "state"),
}
"""Event kind → the fields that say what happened (part of the cooldown subject)."""


def cooldown_subject(event: Event, crossing: Crossing | None = None) -> str:
    """The cooldown key's subject for ``event`` (the rule name is the other half)."""
    if isinstance(event, MarketStatus):
        base = event.market or event.market_code
    elif isinstance(event, News):
        base = event.symbol or event.title
    elif isinstance(event, Disclosure):
        base = event.symbol or event.corp_code  # an unlisted filer has no stock code
    else:
        base = event.symbol
    if crossing is not None:
        return f"{base}:{crossing.key}:{crossing.level:g}"
    names = STATE_FIELDS.get(event.kind, ())
    return ":".join([base, *(str(getattr(event, name)) for name in names)])
