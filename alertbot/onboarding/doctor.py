"""``alertbot doctor``: the real configuration checked item by item, one line each.

Rules, the state store, the clock, every configured broker (token, WebSocket LOGIN, one
registration round trip) and every channel (a test message, or only the credentials with
``--dry-run``). Every failed line says what to do; the exit status is 1 when any failed.
"""

from __future__ import annotations

import asyncio
import email.utils
import sqlite3
from collections.abc import AsyncIterator, Callable, Mapping
from datetime import datetime
from typing import Any

import aiohttp

from alertbot.delivery.notifiers import Message, build_notifier
from alertbot.delivery.notifiers.base import DeliveryError, validate_options
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.yamlsource import RulesError
from alertbot.events import now_kst
from alertbot.i18n import lookup, t
from alertbot.onboarding.broker_checks import dart_checks, kiwoom_checks, ls_checks
from alertbot.onboarding.checks import FAILED, Check, failed, ok, skipped
from alertbot.ops.http import probe
from alertbot.ops.readiness import no_feed, no_rules
from alertbot.settings import Settings
from alertbot.state import StateDB

MAX_SKEW = 5.0
"""Seconds the machine's clock may differ from the servers' before times and cooldowns lie."""


def rules_check(settings: Settings, env: Mapping[str, str]) -> tuple[Check, RuleSet | None]:
    item = t("doctor.item.rules")
    try:
        ruleset = load_rules(settings.rules, env, missing="error", check_channel=validate_options)
    except RulesError as exc:
        problem = exc.problems[0] if exc.problems else "?"
        if len(exc.problems) > 1:
            problem = t("doctor.rules.more", first=problem, count=len(exc.problems) - 1)
        return failed(item, problem, t("doctor.rules.fix", rules=settings.rules)), None
    empty = no_rules(ruleset, settings.rules)
    if empty:
        return failed(item, empty[0], t("doctor.rules.empty_fix")), ruleset
    counts = {"count": len(ruleset.rules), "channels": len(ruleset.channels)}
    return ok(item, t("doctor.rules.ok", rules=settings.rules, **counts)), ruleset


def state_check(settings: Settings) -> Check:
    """Open the SQLite store and take a write lock: a read-only volume fails here, not at the
    first alert."""
    item = t("doctor.item.state")
    try:
        state = StateDB(settings.state)
        try:
            state.conn.execute("BEGIN IMMEDIATE")
            state.conn.execute("ROLLBACK")
        finally:
            state.close()
    except (OSError, sqlite3.Error) as exc:
        return failed(item, f"{settings.state}: {exc}", t("doctor.state.fix"))
    return ok(item, t("doctor.state.ok", path=settings.state))


async def database_check(url: str, timeout: float) -> Check:
    """PostgreSQL (HA): connect as the bot would and ask the server something."""
    from alertbot.ha.database import DatabaseUnavailable, connect
    from alertbot.ha.url import redacted

    item = t("doctor.item.state")
    try:
        connection = await connect(url, timeout)
        try:
            version = await connection.fetchval("SHOW server_version")
        finally:
            await connection.close()
    except DatabaseUnavailable as exc:
        return failed(item, str(exc), t("doctor.database.fix"))
    return ok(item, t("doctor.database.ok", url=redacted(url), version=version))


async def server_time(url: str, timeout: float) -> datetime | None:
    """The ``Date`` header of any answer from ``url``'s server (None when there is none)."""
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout)) as http,
            http.get(url, allow_redirects=False) as response,
        ):
            date = response.headers.get("Date")
    except (aiohttp.ClientError, TimeoutError):
        return None
    try:
        return email.utils.parsedate_to_datetime(date) if date else None
    except (TypeError, ValueError):
        return None


async def clock_check(settings: Settings, now: Callable[[], datetime], timeout: float) -> Check:
    item = t("doctor.item.clock")
    here = now()
    shown = here.astimezone(now_kst().tzinfo).strftime("%Y-%m-%d %H:%M:%S KST")
    servers = [c.api_url for c in (settings.kiwoom, settings.ls) if c.configured]
    for url in servers:
        there = await server_time(url, timeout)
        if there is None:
            continue
        skew = (here - there).total_seconds()
        detail = t("doctor.clock.skew", now=shown, skew=skew)
        if abs(skew) > MAX_SKEW:
            return failed(item, detail, t("doctor.clock.fix"))
        return ok(item, detail)
    return ok(item, t("doctor.clock.alone", now=shown))


async def channel_check(name: str, type_: str, options: dict, dry_run: bool) -> Check:  # type: ignore[type-arg]
    item = t("doctor.item.channel", name=name, type=type_)
    if type_ == "console":
        return ok(item, t("doctor.channel.console"))
    fix = lookup(f"doctor.channel.fix.{type_}") or t("doctor.channel.fix")
    try:
        notifier = build_notifier(name, type_, options)
    except Exception as exc:  # e.g. an empty token: the client refuses to be built
        return failed(item, f"{type(exc).__name__}: {exc}", fix)
    try:
        if dry_run:
            await notifier.check()
            return ok(item, t("doctor.channel.checked"))
        await notifier.send(Message(t("doctor.test_message")))
        return ok(item, t("doctor.channel.sent"))
    except DeliveryError as exc:
        return failed(item, notifier.redact(str(exc)), fix)
    finally:
        await notifier.close()


async def diagnose(
    settings: Settings,
    env: Mapping[str, str],
    *,
    dry_run: bool = False,
    timeout: float = 10.0,
    now: Callable[[], datetime] = now_kst,
) -> AsyncIterator[Check]:
    """Every item's check, in the order a user would fix them."""
    rules, ruleset = await asyncio.to_thread(rules_check, settings, env)
    yield rules
    if settings.database is not None:
        yield await database_check(settings.database.get_secret_value(), timeout)
    else:
        yield await asyncio.to_thread(state_check, settings)
    yield await clock_check(settings, now, timeout)
    feeds = [c for c in (settings.kiwoom, settings.ls) if c.configured]
    feeds += [settings.dart] if settings.dart.api_key is not None else []
    if not feeds and (ruleset is None or no_feed(ruleset, 0, console_only=False)):
        yield failed(t("doctor.item.brokers"), t("doctor.brokers.none"), t("feeds.keys_fix"))
    if settings.kiwoom.configured:
        running, _ = await asyncio.to_thread(probe, settings.http, "/healthz", 1.0)
        async for check in kiwoom_checks(settings.kiwoom, timeout, bot_running=running):
            yield check
    if settings.ls.configured:
        async for check in ls_checks(settings.ls, timeout):
            yield check
    if settings.dart.api_key is not None:
        async for check in dart_checks(settings.dart, timeout):
            yield check
    if ruleset is None:
        yield skipped(t("doctor.item.channels"), t("doctor.channels.skipped"))
        return
    for name, spec in ruleset.channels.items():
        yield await channel_check(name, spec.type, spec.options, dry_run)


async def run_doctor(
    settings: Settings,
    env: Mapping[str, str],
    say: Callable[[str], None] = print,
    **options: Any,
) -> int:
    """Print one line per item as it is checked (``options`` as for ``diagnose``); 1 when any
    failed."""
    failures = 0
    async for check in diagnose(settings, env, **options):
        say(check.line())
        failures += check.status == FAILED
    say("\n" + (t("doctor.to_fix", count=failures) if failures else t("doctor.all_ok")))
    return 1 if failures else 0
