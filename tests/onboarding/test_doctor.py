"""``alertbot doctor`` against the simulators: everything healthy, then one broken item at a
time — each gives exactly one failed line, naming the item and the fix."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from alertbot.cli import main
from alertbot.events import now_kst
from alertbot.onboarding.doctor import run_doctor
from alertbot.settings import Settings
from alertbot.sim import kiwoom as kiwoom_sim
from alertbot.sim import ls as ls_sim
from alertbot.sim.dart import SIM_KEY, DartSimulator
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.ls import LsSimulator
from alertbot.sim.slack import FakeSlack
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.onboarding.conftest import HANGUL
from tests.ops_support import running_app

BOT_TOKEN = "7000000001:AAE-doctor-test-token-0123456789ab"
SLACK_TOKEN = "xoxb-doctor"
RULES = """
channels:
  phone:
    type: telegram
    token: ${TELEGRAM_BOT_TOKEN}
    chat_id: ${TELEGRAM_CHAT_ID}
    base_url: ${TELEGRAM_BASE_URL}
  desk: {type: slack, token: "${SLACK_BOT_TOKEN}", channel: C0123456, base_url: "${SLACK_URL}"}
  log: {type: console}
defaults: {notify: [phone], admin: [phone, log]}
rules:
  - {name: vi-all, event: vi}
"""


@dataclass
class World:
    kiwoom: KiwoomSimulator
    ls: LsSimulator
    telegram: FakeTelegram
    slack: FakeSlack
    dart: DartSimulator
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    now: Callable[[], datetime] = now_kst

    async def doctor(self, *, dry_run: bool = False) -> tuple[int, list[str]]:
        lines: list[str] = []
        settings = Settings.from_env(self.env)
        status = await run_doctor(
            settings, self.env, dry_run=dry_run, timeout=5.0, now=self.now, say=lines.append
        )
        return status, [line for text in lines for line in text.strip().splitlines()]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with (
        KiwoomSimulator() as kiwoom,
        LsSimulator() as ls,
        FakeTelegram() as telegram,
        FakeSlack(tokens=[SLACK_TOKEN]) as slack,
        DartSimulator() as dart,
    ):
        rules = tmp_path / "rules"
        rules.mkdir()
        (rules / "alerts.yaml").write_text(RULES, encoding="utf-8")
        env = {
            "ALERTBOT_RULES": str(rules),
            "ALERTBOT_STATE": str(tmp_path / "data" / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:1",  # no bot running here (not the shared default port)
            "KIWOOM_APPKEY": kiwoom_sim.SIM_APPKEY,
            "KIWOOM_SECRETKEY": kiwoom_sim.SIM_SECRETKEY,
            "KIWOOM_API_URL": kiwoom.api_url,
            "KIWOOM_WS_URL": kiwoom.url,
            "LS_APPKEY": ls_sim.SIM_APPKEY,
            "LS_APPSECRET": ls_sim.SIM_APPSECRET,
            "LS_API_URL": ls.api_url,
            "LS_WS_URL": ls.ws_url,
            "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_CHAT_ID": "424242",
            "TELEGRAM_BASE_URL": telegram.base_url,
            "SLACK_BOT_TOKEN": SLACK_TOKEN,
            "SLACK_URL": slack.base_url,
            "DART_API_KEY": SIM_KEY,
            "DART_API_URL": dart.api_url,
        }
        yield World(kiwoom, ls, telegram, slack, dart, rules, env)


def failures(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("❌")]


async def test_a_healthy_setup_passes_every_item(world: World) -> None:
    status, lines = await world.doctor()
    assert status == 0, lines
    items = [line.split(":")[0] for line in lines if line[:1] in "✅❌⏭"]
    assert items == [
        "✅ 규칙",
        "✅ 상태 저장소",
        "✅ 시계(KST)",
        "✅ 키움 토큰 발급",
        "✅ 키움 WebSocket LOGIN",
        "✅ 키움 실시간 등록(REG)",
        "✅ LS 토큰 발급",
        "✅ LS 실시간 등록(JIF)",
        "✅ OpenDART 인증키",
        "✅ 채널 phone (telegram)",
        "✅ 채널 desk (slack)",
        "✅ 채널 log (console)",
    ]
    assert [m.chat_id for m in world.telegram.messages] == ["424242"]
    assert [m.channel for m in world.slack.messages] == ["C0123456"]
    # The probe registration was taken back, as the bot's own session would not keep it.
    (session,) = world.kiwoom.sessions
    assert [m["trnm"] for m in session.received] == ["LOGIN", "REG", "REMOVE"]


async def test_dry_run_sends_nothing(world: World) -> None:
    status, lines = await world.doctor(dry_run=True)
    assert status == 0, lines
    assert world.telegram.messages == [] and world.slack.messages == []


def broken_rules(world: World) -> None:
    (world.folder / "alerts.yaml").write_text(RULES + "  - {name: x, event: nope}\n", "utf-8")


def broken_state(world: World) -> None:
    blocker = world.folder.parent / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    world.env["ALERTBOT_STATE"] = str(blocker / "state.db")


def skewed_clock(world: World) -> None:
    world.now = lambda: now_kst() + timedelta(minutes=3)


def wrong_kiwoom_key(world: World) -> None:
    world.env["KIWOOM_SECRETKEY"] = "wrong"


def kiwoom_login_refused(world: World) -> None:
    world.kiwoom.refuse_logins = 1


def kiwoom_registration_refused(world: World) -> None:
    world.kiwoom.refuse_registrations = 1


def kiwoom_unreachable(world: World) -> None:
    world.env["KIWOOM_WS_URL"] = "ws://127.0.0.1:1/api/dostk/websocket"


def wrong_ls_secret(world: World) -> None:
    world.env["LS_APPSECRET"] = "wrong"


def ls_subscription_refused(world: World) -> None:
    world.ls.refuse[("JIF", "0")] = ("IGW00121", "유효하지 않은 토큰입니다.")


def telegram_chat_gone(world: World) -> None:
    world.telegram.fail_next("sendMessage", error_response(400, "Bad Request: chat not found"))


def slack_token_revoked(world: World) -> None:
    world.env["SLACK_BOT_TOKEN"] = "xoxb-revoked"


def empty_telegram_token(world: World) -> None:
    world.env["TELEGRAM_BOT_TOKEN"] = ""  # `TELEGRAM_BOT_TOKEN=` left blank in the env file


def wrong_dart_key(world: World) -> None:
    world.env["DART_API_KEY"] = "0" * 40


def dart_ip_not_registered(world: World) -> None:
    world.dart.refuse("012")


def no_broker(world: World) -> None:
    for name in ("KIWOOM_APPKEY", "KIWOOM_SECRETKEY", "LS_APPKEY", "LS_APPSECRET", "DART_API_KEY"):
        del world.env[name]


BROKEN = [
    (broken_rules, "❌ 규칙: ", "alertbot check"),
    (broken_state, "❌ 상태 저장소: ", "chown 10001:10001"),
    (skewed_clock, "❌ 시계(KST): ", "NTP"),
    (wrong_kiwoom_key, "❌ 키움 토큰 발급: ", "KIWOOM_MOCK"),
    (kiwoom_login_refused, "❌ 키움 WebSocket LOGIN: ", "KIWOOM_MOCK"),
    (kiwoom_registration_refused, "❌ 키움 실시간 등록(REG): ", "권한"),
    (kiwoom_unreachable, "❌ 키움 WebSocket: ", "공인 IP"),
    (wrong_ls_secret, "❌ LS 토큰 발급: ", "LS_MOCK"),
    (ls_subscription_refused, "❌ LS 실시간 등록(JIF): ", "LS_TOKEN"),
    (telegram_chat_gone, "❌ 채널 phone (telegram): ", "alertbot setup telegram"),
    (slack_token_revoked, "❌ 채널 desk (slack): ", "alertbot setup slack"),
    (empty_telegram_token, "❌ 채널 phone (telegram): ", "alertbot setup telegram"),
    (wrong_dart_key, "❌ OpenDART 인증키: 010", "opendart.fss.or.kr"),
    (dart_ip_not_registered, "❌ OpenDART 인증키: 012", "공인 IP"),
    (no_broker, "❌ 증권사: ", "KIWOOM_APPKEY"),
]
IN_ENGLISH = {
    broken_rules: ("❌ Rules: ", "alertbot check"),
    broken_state: ("❌ State store: ", "chown 10001:10001"),
    skewed_clock: ("❌ Clock (KST): ", "NTP"),
    wrong_kiwoom_key: ("❌ Kiwoom token issuance: ", "KIWOOM_MOCK"),
    kiwoom_login_refused: ("❌ Kiwoom WebSocket LOGIN: ", "KIWOOM_MOCK"),
    kiwoom_registration_refused: ("❌ Kiwoom real-time registration (REG): ", "permission"),
    kiwoom_unreachable: ("❌ Kiwoom WebSocket: ", "public IP"),
    wrong_ls_secret: ("❌ LS token issuance: ", "LS_MOCK"),
    ls_subscription_refused: ("❌ LS real-time registration (JIF): ", "LS_TOKEN"),
    telegram_chat_gone: ("❌ Channel phone (telegram): ", "alertbot setup telegram"),
    slack_token_revoked: ("❌ Channel desk (slack): ", "alertbot setup slack"),
    empty_telegram_token: ("❌ Channel phone (telegram): ", "alertbot setup telegram"),
    wrong_dart_key: ("❌ OpenDART key: 010", "opendart.fss.or.kr"),
    dart_ip_not_registered: ("❌ OpenDART key: 012", "public IP"),
    no_broker: ("❌ Brokers: ", "KIWOOM_APPKEY"),
}
"""The same failed lines with ``ALERTBOT_LANG=en``: item, verdict and fix in English."""
CASES = [
    pytest.param(breakage, "ko", line, fix, id=breakage.__name__) for breakage, line, fix in BROKEN
] + [
    pytest.param(breakage, "en", *said, id=f"{breakage.__name__}-en")
    for breakage, said in IN_ENGLISH.items()
]
FIX_AND_LAST = {"ko": (" → 해결: ", "1개 항목을 고치세요."), "en": (" → fix: ", "Items to fix: 1.")}


@pytest.mark.parametrize(("breakage", "lang", "line", "fix"), CASES)
async def test_one_broken_item_is_one_failed_line_with_its_fix(
    world: World,
    request: pytest.FixtureRequest,
    breakage: Callable[[World], None],
    lang: str,
    line: str,
    fix: str,
) -> None:
    if lang == "en":
        request.getfixturevalue("english")
    breakage(world)
    status, lines = await world.doctor()
    assert status == 1
    (failure,) = failures(lines)
    assert failure.startswith(line)
    fix_mark, last = FIX_AND_LAST[lang]
    told = failure.split(fix_mark, 1)[1]
    assert fix in told
    if lang == "en":
        assert not HANGUL.search(told)  # the detail may quote the broker; the fix is ours
    assert lines[-1] == last
    secrets = ("wrong", BOT_TOKEN, SLACK_TOKEN, "xoxb-revoked", kiwoom_sim.SIM_SECRETKEY, SIM_KEY)
    for secret in secrets:
        assert secret not in "\n".join(lines)


@pytest.mark.usefixtures("english")
async def test_a_healthy_setup_in_english(world: World) -> None:
    status, lines = await world.doctor()
    assert status == 0, lines
    assert [line for line in lines if HANGUL.search(line)] == []
    assert lines[0].startswith("✅ Rules: ") and lines[-1] == "All good."
    assert all(not HANGUL.search(m.text) for m in world.telegram.messages + world.slack.messages)


async def test_what_cannot_be_tried_is_skipped_not_failed(world: World) -> None:
    wrong_kiwoom_key(world)
    broken_rules(world)
    _, lines = await world.doctor()
    assert [line.split(":")[0] for line in lines if line.startswith("⏭")] == [
        "⏭️ 키움 WebSocket LOGIN",
        "⏭️ 키움 실시간 등록(REG)",
        "⏭️ 채널",
    ]


async def test_the_command_reads_an_env_file(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "alertbot.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in world.env.items()), encoding="utf-8")
    status = await asyncio.wait_for(
        asyncio.to_thread(main, ["doctor", "--dry-run", "--env-file", str(env_file)]), 30
    )
    out = capsys.readouterr().out
    assert status == 0, out
    assert "✅ 키움 실시간 등록(REG)" in out and "모두 정상입니다." in out


async def test_a_postgresql_state_is_connected_to(world: World, pg_url: str) -> None:
    world.env["ALERTBOT_STATE"] = pg_url
    status, lines = await world.doctor(dry_run=True)
    assert status == 0, lines
    (line,) = [line for line in lines if line.startswith("✅ 상태 저장소")]
    assert "PostgreSQL" in line and "연결됨" in line


async def test_an_unreachable_postgresql_is_one_failed_line(world: World) -> None:
    password = "s3cret-pw"
    world.env["ALERTBOT_STATE"] = f"postgresql://alertbot:{password}@127.0.0.1:1/alertbot"
    status, lines = await world.doctor(dry_run=True)
    assert status == 1
    (failure,) = failures(lines)
    assert failure.startswith("❌ 상태 저장소: PostgreSQL") and "→ 해결:" in failure
    assert password not in "\n".join(lines)


async def test_a_running_bot_keeps_its_kiwoom_session(world: World, tmp_path: Path) -> None:
    """Kiwoom allows one WebSocket per app key: a LOGIN from doctor would end the bot's."""
    world.kiwoom.one_session_per_key = True
    world.env["KIWOOM_TOKEN"] = kiwoom_sim.SIM_TOKEN
    for name in ("KIWOOM_APPKEY", "KIWOOM_SECRETKEY"):
        del world.env[name]
    (tmp_path / "bot").mkdir()
    async with running_app(tmp_path / "bot", world.kiwoom, world.telegram) as app:
        assert app.runtime.http is not None
        world.env["ALERTBOT_HTTP"] = f"127.0.0.1:{app.runtime.http.port}"
        status, lines = await world.doctor(dry_run=True)
        (bot_session,) = world.kiwoom.sessions
        assert bot_session.open  # not kicked
    assert status == 0, lines
    skipped = [line for line in lines if line.startswith("⏭️ 키움")]
    assert len(skipped) == 2 and all("실행 중" in line for line in skipped)
