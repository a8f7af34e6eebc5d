"""``alertbot run`` with ``ALERTBOT_STATE=postgresql://…``: one member of a group that elects
a leader, running the bot only while it leads.

The leader runs a whole ``App`` for its term: broker sessions, Telegram command polling,
delivery (which drains what the previous leader left in the shared outbox), every write fenced
by its epoch. A standby runs none of that — it validates the rules, serves ``/healthz``,
``/readyz`` (ready, saying "standby") and ``/metrics``, and renews its claim. A term ends
when the lease is lost: the app stops taking events at that instant, stops without draining
(its writes would be refused anyway), and a new ``App`` starts if this instance leads again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from prometheus_client import CollectorRegistry, Counter, Gauge, Info, generate_latest

from alertbot.engine.rules import load_rules
from alertbot.ha.database import DatabaseUnavailable, connect, failures, unavailable
from alertbot.ha.leadership import LEASE, RENEW, RETRY_MAX, Leadership, Role, Status
from alertbot.ha.migrations import SchemaTooNew, migrate
from alertbot.ha.term import Term
from alertbot.i18n import t
from alertbot.lifecycle import run_until_signalled
from alertbot.ops.http import OpsServer
from alertbot.ops.metrics import Metrics
from alertbot.settings import HostPort

log = logging.getLogger("alertbot.ha")


class Ready(Protocol):
    def readiness(self) -> list[str]:
        """``/readyz``'s reasons (empty: ready)."""
        ...


class Bot(Protocol):
    """What ``Node`` needs of the bot it runs for a term (``alertbot.app.App``)."""

    accepting: bool
    metrics: Metrics
    view: Ready

    async def start(self) -> None: ...

    async def stop(self, drain: bool = True) -> None: ...

    def admin_notice(self, text: str, level: int = logging.WARNING) -> None: ...


BotFactory = Callable[[Term], Bot]
"""Builds the bot for one term of leadership; its writes are fenced by ``term.epoch``."""


class NodeMetrics:
    """``alertbot_ha_*``: whether this instance leads, the epoch, who leads, terms begun."""

    def __init__(self, me: str) -> None:
        self.registry = r = CollectorRegistry()
        self.leader = Gauge("alertbot_ha_leader", "1 while this instance leads", registry=r)
        self.epoch = Gauge("alertbot_ha_epoch", "The leader's epoch (fencing token)", registry=r)
        self.info = Info("alertbot_ha", "This instance and the leader it knows", registry=r)
        self.terms = Counter("alertbot_ha_terms", "Terms of leadership begun here", registry=r)
        self.me = me
        self.show(Status(Role.STANDBY, 0, "", me))

    def show(self, status: Status) -> None:
        self.leader.set(1.0 if status.role is Role.LEADER else 0.0)
        self.epoch.set(status.epoch)
        self.info.info({"instance": self.me, "leader": status.leader, "role": status.role.value})


class Node:
    """One instance of the group: ``await node.run_until_signalled()``."""

    def __init__(
        self,
        url: str,
        make_bot: BotFactory,
        *,
        rules_path: Path,
        http: HostPort,
        env: Mapping[str, str] | None = None,
        lease_seconds: float = LEASE,
        renew_every: float = RENEW,
    ) -> None:
        self.url = url
        self.rules_path = rules_path
        self.env = env
        self.make_bot = make_bot
        self.http_address = http
        self.http: OpsServer | None = None
        self.leadership = Leadership(
            url, self._changed, lease_seconds=lease_seconds, renew_every=renew_every
        )
        self.metrics = NodeMetrics(self.leadership.me)
        self.app: Bot | None = None
        self.epoch = 0
        """The epoch ``app`` runs under."""
        self.previous_leader = ""
        self.database_problem: str | None = t("ready.database_not_yet")
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def me(self) -> str:
        return self.leadership.me

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Check the rules (a bad file stops the start, as without HA), then elect."""
        await asyncio.to_thread(load_rules, self.rules_path, self.env)
        http = OpsServer(
            self.http_address, metrics=self, alive=lambda: [], ready=self.readiness, about=self.role
        )
        try:
            await http.start()
            self.http = http
        except OSError as exc:  # the group matters more than this instance's metrics
            log.error("cannot serve health and metrics on %s: %s", self.http_address, exc)
        self._tasks.append(asyncio.create_task(self._elect(), name="ha-leadership"))
        self._tasks.append(asyncio.create_task(self._conduct(), name="ha-conductor"))

    async def stop(self) -> None:
        """A clean stop: the leader drains while it still holds the lease, then lets it go."""
        conductor = self._tasks[-1] if self._tasks else None
        if conductor is not None:
            conductor.cancel()
            await asyncio.gather(conductor, return_exceptions=True)
        await self._end_term(drain=True)
        self.leadership.stop()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.http is not None:
            await self.http.stop()

    async def run_until_signalled(self) -> None:
        """``alertbot run`` in a group: start, stop cleanly on SIGTERM or SIGINT."""
        await run_until_signalled(self)

    async def _elect(self) -> None:
        """Bring the schema up to date (retrying while the database is away), then lead or
        stand by until stopped."""
        attempt = 0
        while True:
            try:
                conn = await connect(self.url)
                try:
                    applied = await migrate(conn)
                finally:
                    await conn.close()
                break
            except SchemaTooNew as exc:
                log.error("%s", exc)
                self.database_problem = str(exc)
                return
            except (*failures(), DatabaseUnavailable) as exc:
                error = exc if isinstance(exc, DatabaseUnavailable) else unavailable(self.url, exc)
                self.database_problem = str(error)
                attempt += 1
                if attempt == 1:
                    log.error("%s; retrying", error)
                await asyncio.sleep(min(0.25 * 2**attempt, RETRY_MAX))
        if applied:
            log.info("database schema migrated to version %d", applied[-1])
        self.database_problem = None
        await self.leadership.run()

    # ------------------------------------------------------------------ terms

    def _changed(self, status: Status) -> None:
        """From the leadership loop. Losing the lead stops the app taking events *now*; the
        rest (stopping it, or starting a new term) happens in ``_conduct``."""
        self.metrics.show(status)
        self.database_problem = status.problem
        if status.role is Role.LEADER:
            log.info("leader: this instance (%s), epoch %d", self.me, status.epoch)
        else:
            who = status.leader or "unknown"
            log.info("standby: leader %s, epoch %d", who, status.epoch)
            if self.app is not None:
                self.app.accepting = False
            if status.leader:
                self.previous_leader = status.leader
        self._wake.set()

    async def _conduct(self) -> None:
        """Start and end terms as the status changes; one change at a time."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            status = self.leadership.status
            leading = status.role is Role.LEADER and self.leadership.acting()
            if self.app is not None and (not leading or status.epoch != self.epoch):
                await self._end_term(drain=False)
            if leading and self.app is None:
                await self._begin_term(status)

    async def _begin_term(self, status: Status) -> None:
        app = self.make_bot(Term(status.epoch, self.leadership.acting, self.describe))
        try:
            await app.start()
        except Exception as exc:  # the term failed to start: try again shortly
            log.error("leader, but the bot could not start: %s", exc)
            await app.stop(drain=False)
            asyncio.get_running_loop().call_later(RETRY_MAX, self._wake.set)
            return
        self.app, self.epoch = app, status.epoch
        self.metrics.terms.inc()
        before = self.previous_leader if self.previous_leader != self.me else ""
        if before:
            notice = t("ha.leader_took_over", instance=self.me, epoch=status.epoch, previous=before)
        else:
            notice = t("ha.leader", instance=self.me, epoch=status.epoch)
        app.admin_notice(notice, level=logging.WARNING)

    async def _end_term(self, drain: bool) -> None:
        app, self.app = self.app, None
        if app is None:
            return
        app.accepting = False
        log.warning("term of epoch %d ends (%s)", self.epoch, "stop" if drain else "lease lost")
        await app.stop(drain=drain)

    # ------------------------------------------------------------------ what ops reads

    def role(self) -> dict[str, object]:
        """``/readyz`` fields: this instance's role, the leader and the epoch."""
        status = self.leadership.status
        return {
            "role": "leader" if self.leadership.acting() else "standby",
            "leader": status.leader,
            "epoch": status.epoch,
            "instance": self.me,
        }

    def describe(self) -> str:
        """``/status``'s line: who leads, under which epoch."""
        status = self.leadership.status
        who = t("ha.this_instance") if status.leader == self.me else t("ha.other_instance")
        leader = status.leader or t("word.none")
        return t("ha.status", leader=leader, who=who, epoch=status.epoch)

    def readiness(self) -> list[str]:
        """A standby is ready when it can reach the database; a leader when its bot is."""
        if self.database_problem is not None:
            return [t("ready.database", error=self.database_problem)]
        if self.leadership.acting():
            return (
                self.app.view.readiness() if self.app is not None else [t("ready.leader_starting")]
            )
        return []

    def render(self) -> bytes:
        own = generate_latest(self.metrics.registry)
        return own + (self.app.metrics.render() if self.app is not None else b"")
