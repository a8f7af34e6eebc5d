"""Rules edited while the bot runs: apply a valid change whole, or keep the last good rules.

Called by the file watcher and on SIGHUP. A rejected change is told once (file, line, error)
and the bot goes on with what it had; the next valid save applies and says so. Parsing and
indexing run off the event loop; only ``apply`` (a swap) runs on it. The engine never sees
delivery or the feeds: what a reload must also check (``check``) and touch (``apply``) is
passed in by the app.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from pathlib import Path

from alertbot.engine.index import RuleIndex
from alertbot.engine.rules import RuleSet
from alertbot.engine.yamlsource import Problem, RulesError
from alertbot.i18n import t

log = logging.getLogger("alertbot")

SHOWN_PROBLEMS = 10


class Reloader:
    """``await reloader.reload()`` → whether the rules on disk now run."""

    def __init__(
        self,
        path: Path,
        *,
        load: Callable[[], RuleSet],
        check: Callable[[RuleSet], None],
        apply: Callable[[RuleSet, RuleIndex], RuleIndex],
        notice: Callable[[str, int], None],
        counted: Callable[[bool, int], None],
    ) -> None:
        """``check`` raises ``RulesError`` for what the running bot cannot take (a new
        channel); ``apply`` swaps the rules in and returns the replaced index, freed here a
        batch at a time in a worker thread; ``counted(ok, rules)`` feeds the metrics."""
        self.path = path
        self._load, self._check, self._apply = load, check, apply
        self._notice, self._counted = notice, counted
        self._lock = asyncio.Lock()
        self._failure: str | None = None

    async def reload(self) -> bool:
        async with self._lock:
            try:
                ruleset = await asyncio.to_thread(self._load)
                self._check(ruleset)
                index = await asyncio.to_thread(RuleIndex, ruleset)
            except RulesError as exc:
                self._rejected(exc.problems)
                return False
            except Exception as exc:  # a reload must never take the running rules down
                log.exception("reloading rules failed")
                self._rejected([Problem(str(self.path), 0, f"{type(exc).__name__}: {exc}")])
                return False
            replaced = self._apply(ruleset, index)
            self._counted(True, len(ruleset.rules))
            log.info("rules reloaded: %d rules", len(ruleset.rules))
            if self._failure is not None:
                self._failure = None
                self._notice(t("rules.fixed", count=len(ruleset.rules)), logging.INFO)
            await asyncio.to_thread(replaced.retire)
            return True

    def _rejected(self, problems: list[Problem]) -> None:
        self._counted(False, 0)
        shown = [str(p) for p in problems[:SHOWN_PROBLEMS]]
        if len(problems) > len(shown):
            shown.append(t("rules.more", count=len(problems) - len(shown)))
        text = "\n".join(shown)
        if text == self._failure:
            log.error("rules not reloaded, still running the last good rules:\n%s", text)
            return
        self._failure = text
        self._notice(t("rules.rejected", problems=text), logging.WARNING)
