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
from alertbot.onboarding.broker_checks import dart_checks, kiwoom_checks, ls_checks
from alertbot.onboarding.checks import FAILED, Check, failed, ok, skipped
from alertbot.ops.http import probe
from alertbot.ops.readiness import BROKER_KEYS, no_feed, no_rules
from alertbot.settings import Settings
from alertbot.state import StateDB

MAX_SKEW = 5.0
"""Seconds the machine's clock may differ from the servers' before times and cooldowns lie."""
TEST_MESSAGE = "🧪 alertbot doctor: 테스트 메시지 — 알림이 여기로 옵니다"
CHANNEL_FIXES = {
    "telegram": "alertbot setup telegram 으로 토큰과 chat_id를 다시 확인하세요 "
    "(그룹이면 봇이 아직 그룹에 있는지)",
    "slack": "alertbot setup slack --channel '#채널' 로 토큰과 채널을 확인하세요 "
    "(봇을 채널에 /invite)",
}


def rules_check(settings: Settings, env: Mapping[str, str]) -> tuple[Check, RuleSet | None]:
    item = "규칙"
    try:
        ruleset = load_rules(settings.rules, env, missing="error", check_channel=validate_options)
    except RulesError as exc:
        first = exc.problems[0] if exc.problems else "?"
        more = f" 외 {len(exc.problems) - 1}건" if len(exc.problems) > 1 else ""
        fix = f"alertbot check {settings.rules} 로 전체 목록을 보고 고치세요"
        return failed(item, f"{first}{more}", fix), None
    empty = no_rules(ruleset, settings.rules)
    if empty:
        return failed(item, empty[0], "alertbot init 으로 시작 규칙을 만드세요"), ruleset
    channels = len(ruleset.channels)
    return ok(item, f"{settings.rules}: 규칙 {len(ruleset.rules)}개, 채널 {channels}개"), ruleset


ITEM_STATE = "상태 저장소"


def state_check(settings: Settings) -> Check:
    """Open the SQLite store and take a write lock: a read-only volume fails here, not at the
    first alert."""
    item = ITEM_STATE
    try:
        state = StateDB(settings.state)
        try:
            state.conn.execute("BEGIN IMMEDIATE")
            state.conn.execute("ROLLBACK")
        finally:
            state.close()
    except (OSError, sqlite3.Error) as exc:
        return failed(
            item,
            f"{settings.state}: {exc}",
            "ALERTBOT_STATE의 폴더가 있고 쓸 수 있는지 확인하세요 (컨테이너는 uid 10001: "
            "sudo chown 10001:10001 폴더)",
        )
    return ok(item, f"{settings.state} 쓰기 가능")


async def database_check(url: str, timeout: float) -> Check:
    """PostgreSQL (HA): connect as the bot would and ask the server something."""
    from alertbot.ha.database import DatabaseUnavailable, connect
    from alertbot.ha.url import redacted

    try:
        connection = await connect(url, timeout)
        try:
            version = await connection.fetchval("SHOW server_version")
        finally:
            await connection.close()
    except DatabaseUnavailable as exc:
        return failed(
            ITEM_STATE,
            str(exc),
            "ALERTBOT_STATE=postgresql://사용자:비밀번호@호스트:5432/DB 의 주소·계정·비밀번호와 "
            "방화벽을 확인하세요",
        )
    return ok(ITEM_STATE, f"PostgreSQL {redacted(url)} 연결됨 (서버 {version})")


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
    item = "시계(KST)"
    here = now()
    shown = here.astimezone(now_kst().tzinfo).strftime("%Y-%m-%d %H:%M:%S KST")
    servers = [c.api_url for c in (settings.kiwoom, settings.ls) if c.configured]
    for url in servers:
        there = await server_time(url, timeout)
        if there is None:
            continue
        skew = (here - there).total_seconds()
        if abs(skew) > MAX_SKEW:
            return failed(
                item,
                f"지금 {shown}, 서버와 {skew:+.0f}초 차이",
                "시스템 시계를 맞추세요 (NTP: timedatectl set-ntp true 또는 chrony)",
            )
        return ok(item, f"지금 {shown}, 서버와 {skew:+.0f}초 차이")
    return ok(item, f"지금 {shown} (비교할 증권사 서버 없음)")


async def channel_check(name: str, type_: str, options: dict, dry_run: bool) -> Check:  # type: ignore[type-arg]
    item = f"채널 {name} ({type_})"
    if type_ == "console":
        return ok(item, "표준 출력: 확인할 것 없음")
    fix = CHANNEL_FIXES.get(type_, "채널 설정을 확인하세요")
    try:
        notifier = build_notifier(name, type_, options)
    except Exception as exc:  # e.g. an empty token: the client refuses to be built
        return failed(item, f"{type(exc).__name__}: {exc}", fix)
    try:
        if dry_run:
            await notifier.check()
            return ok(item, "토큰 확인 (--dry-run: 메시지는 보내지 않음)")
        await notifier.send(Message(TEST_MESSAGE))
        return ok(item, "테스트 메시지 보냄: 받았는지 확인하세요")
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
        yield failed("증권사", "설정된 증권사 키가 없습니다", BROKER_KEYS)
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
        yield skipped("채널", "규칙을 읽지 못해 건너뜀")
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
    say("\n모두 정상입니다." if not failures else f"\n{failures}개 항목을 고치세요.")
    return 1 if failures else 0
