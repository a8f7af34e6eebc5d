"""The listed stocks as ``check`` consults them: is a code listed, and what was meant if not.

Built from the stock master (code → name) where it is at hand; ``rules.StockList`` is the
interface the loader asks. Closest codes are judged on their characters (a typo moves or
changes a digit or two), and shown with their names so the trader recognises the stock.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping

CLOSEST = 3


class ListedStocks:
    """``StockList`` over a code → name mapping."""

    def __init__(self, names: Mapping[str, str]) -> None:
        self._names = dict(names)

    def __contains__(self, code: object) -> bool:
        return code in self._names

    def __len__(self) -> int:
        return len(self._names)

    def closest(self, code: str) -> list[str]:
        near = difflib.get_close_matches(code, self._names, n=CLOSEST, cutoff=0.6)
        return [f"{self._names[c]}({c})" for c in near]
