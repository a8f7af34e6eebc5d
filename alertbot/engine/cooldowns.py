"""``cooldown``: after a rule fires for a stock, it stays quiet for that stock this long.

Kept in the state database so a restart at 10:00 does not re-send what 09:59 sent. Each row
remembers the fingerprint of the rule's definition: editing a rule starts it afresh, while an
unchanged rule keeps its quiet time across reloads and restarts. Reads come from memory (the
hot path never queries SQLite).

Who writes: in the running bot (``delivery_commits=True``) each firing travels in its
``Alert`` as a ``CooldownMark`` and delivery commits it in the same transaction as the alert's
outbox rows, after the mute stage — so a crash never leaves a cooldown without its alert, and
a muted alert starts none (``revert``). On its own (tests, tools) the table is written here:
at once, or batched per event-loop turn when ``defer`` schedules ``flush``.

Time is made steady: when the clock jumps back (an NTP correction), quiet times are measured
as if it had not, so a cooldown never stretches by the size of the jump; a firing stamped in
the future (the clock was set back across a restart) counts from the first time it is seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from alertbot.alerts import CooldownMark
from alertbot.state import CooldownTable, StateDB


class SteadyTime:
    """Epoch seconds that never go backwards: a backward jump is added to an offset."""

    def __init__(self) -> None:
        self._last = float("-inf")
        self._offset = 0.0

    def __call__(self, wall: float) -> float:
        if wall < self._last:
            self._offset += self._last - wall
        self._last = wall
        return wall + self._offset


class Cooldowns:
    """Last firing per ``(rule, subject)``; ``db=None`` keeps it in memory only."""

    def __init__(
        self,
        db: StateDB | None = None,
        defer: Callable[[Callable[[], None]], object] | None = None,
        *,
        delivery_commits: bool = False,
        table: CooldownTable | None = None,
    ) -> None:
        if table is None and db is not None:
            table = CooldownTable(db)
        self.table = table
        """Where firings persist: the SQLite file's table, or an HA group's PostgreSQL one."""
        self.defer = defer
        self.delivery_commits = delivery_commits
        self._steady = SteadyTime()
        self._fired: dict[tuple[str, str], tuple[str, float]] = {}
        """(rule, subject) → (fingerprint, steady time of the firing)."""
        self._unwritten: dict[tuple[str, str], CooldownMark] = {}
        if self.table is not None:
            self._fired = {(r, s): (fp, at) for r, s, fp, at in self.table.load()}

    def quiet(
        self, rule: str, fingerprint: str, subject: str, cooldown: timedelta, now: datetime
    ) -> bool:
        """True while ``rule`` is cooling down for ``subject``."""
        last = self._fired.get((rule, subject))
        if last is None or last[0] != fingerprint:
            return False
        steady = self._steady(now.timestamp())
        if last[1] > steady:  # stamped in the future: the clock was set back since
            self._fired[(rule, subject)] = (fingerprint, steady)
            return True
        return steady - last[1] < cooldown.total_seconds()

    def last_fired(self, rule: str, fingerprint: str, subject: str) -> float | None:
        """When this definition of ``rule`` last fired for ``subject`` (epoch seconds)."""
        last = self._fired.get((rule, subject))
        return last[1] if last is not None and last[0] == fingerprint else None

    def fired(self, rule: str, fingerprint: str, subject: str, now: datetime) -> CooldownMark:
        """Start the quiet time; the mark goes with the alert for delivery to commit."""
        wall = now.timestamp()
        mark = CooldownMark(rule, subject, fingerprint, wall)
        self._fired[(rule, subject)] = (fingerprint, self._steady(wall))
        if self.table is None or self.delivery_commits:
            return mark
        first = not self._unwritten
        self._unwritten[(rule, subject)] = mark
        if self.defer is None:
            self.flush()
        elif first:
            self.defer(self.flush)
        return mark

    def revert(self, mark: CooldownMark) -> None:
        """The alert was muted (or could not be stored): it started no quiet time. The rule
        fired, so no earlier quiet time was in force: forgetting the entry restores it."""
        key = (mark.rule, mark.subject)
        entry = self._fired.get(key)
        if entry is not None and entry[0] == mark.fingerprint:
            del self._fired[key]
        self._unwritten.pop(key, None)

    def flush(self) -> None:
        """Write the firings not yet on disk, in one transaction."""
        if self.table is None or not self._unwritten:
            return
        rows = [(m.rule, m.subject, m.fingerprint, m.fired_at) for m in self._unwritten.values()]
        self._unwritten.clear()
        with self.table.conn:
            self.table.conn.execute("BEGIN")
            self.table.save(rows)

    def keep_only(self, fingerprints: Mapping[str, str]) -> None:
        """Forget rules that are gone or whose definition changed (rule name → fingerprint)."""
        self.flush()
        stale = [key for key, (fp, _) in self._fired.items() if fingerprints.get(key[0]) != fp]
        for key in stale:
            del self._fired[key]
        if self.table is not None and stale:
            self.table.forget(stale)  # one transaction, one sync, however many rows
