"""Secrets never reach the log: every error path, with the chattiest library logging on."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from alertbot.app import App
from alertbot.ops.logs import settings_secrets, setup_logging
from alertbot.redaction import REDACTED, Redactor
from alertbot.settings import Settings
from alertbot.sim.kiwoom import KiwoomSimulator
from alertbot.sim.telegram import FakeTelegram, error_response
from tests.ops_support import RULES

KIWOOM_TOKEN = "kiwoom-access-token-Zx81Qa"
KIWOOM_APPKEY = "PSkiwoomAppKey0001"
KIWOOM_SECRET = "kiwoomSecretKeyValue9"
BOT_TOKEN = "7123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SLACK_TOKEN = "xoxb-1111-2222-SlackBotTokenValue"
WEBHOOK = "https://hooks.slack.com/services/T0001/B0002/WebhookSecretPart"
SECRETS = (KIWOOM_TOKEN, KIWOOM_APPKEY, KIWOOM_SECRET, BOT_TOKEN, SLACK_TOKEN, WEBHOOK)


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The bot's own logging set-up, at DEBUG, with every library's debug output let through."""
    stream = io.StringIO()
    loud = ("httpx", "httpcore", "telegram", "websockets", "slack_sdk", "aiohttp")
    levels = {name: logging.getLogger(name).level for name in loud}
    root_level = logging.getLogger().level
    handler = setup_logging("DEBUG", "json", [KIWOOM_TOKEN, KIWOOM_APPKEY], stream=stream)
    for name in loud:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        logging.getLogger().removeHandler(handler)
        logging.getLogger().setLevel(root_level)
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_no_secret_in_any_error_path(
    tmp_path: Path,
    kiwoom_sim: KiwoomSimulator,
    fake_telegram: FakeTelegram,
    captured: io.StringIO,
) -> None:
    # Telegram answers 401 — and, like a misbehaving proxy, quotes the request URL back.
    def unauthorized(method: str, _params: dict[str, object]) -> web.Response | None:
        if method == "sendMessage":
            return error_response(401, f"Unauthorized: POST /bot{BOT_TOKEN}/sendMessage")
        return None

    fake_telegram.failures.append(unauthorized)
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    settings = Settings.from_env(
        {
            "KIWOOM_TOKEN": KIWOOM_TOKEN,  # the simulator refuses it: LOGIN 8005
            "KIWOOM_WS_URL": kiwoom_sim.url,
            "ALERTBOT_RULES": str(tmp_path / "rules.yaml"),
            "ALERTBOT_STATE": str(tmp_path / "state.db"),
            "ALERTBOT_HTTP": "127.0.0.1:0",
        }
    )
    env = {"TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_BASE_URL": fake_telegram.base_url}
    app = App(settings, env=env)
    await app.start()
    try:
        await kiwoom_sim.wait_for(
            lambda: any(m.get("trnm") == "LOGIN" for m in kiwoom_sim.received)
        )
        await fake_telegram.wait_for(  # the first refusal stops the channel for good
            lambda: sum(m == "sendMessage" for m, _ in fake_telegram.requests) >= 1
        )
        assert app.delivery is not None
        await app.delivery.drain()
        await _slack_invalid_auth()
    finally:
        await app.stop()
    log = logging.getLogger("alertbot.test")
    try:
        raise ConnectionError(f"POST {WEBHOOK} failed; retry with token={KIWOOM_SECRET}")
    except ConnectionError:
        log.exception("slack webhook send failed for %s", WEBHOOK)
    log.warning("kiwoom login with appkey=%s secretkey=%s", KIWOOM_APPKEY, KIWOOM_SECRET)

    output = captured.getvalue()
    for secret in SECRETS:
        assert secret not in output
    lines = [orjson.loads(line) for line in output.splitlines()]  # one JSON object per line
    text = "\n".join(f"{line['msg']}\n{line.get('exc', '')}" for line in lines)
    # each path really ran and really carried its secret to the log
    assert "kiwoom feed stopped: 접근 토큰이 거부되었습니다 (8005)" in text  # LOGIN refused
    assert "Unauthorized: POST /bot«redacted»/sendMessage" in text
    assert "invalid_auth" in text
    assert f"https://hooks.slack.com/{REDACTED}" in text
    assert f"token={REDACTED}" in text
    assert any(line["logger"].startswith("websockets") and "LOGIN" in line["msg"] for line in lines)


async def _slack_invalid_auth() -> None:
    """slack-sdk against a local server that refuses the token, logged with its traceback."""

    async def post_message(_request: web.Request) -> web.Response:
        return web.json_response({"ok": False, "error": "invalid_auth"})

    server = web.Application()
    server.router.add_post("/api/chat.postMessage", post_message)
    runner = web.AppRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    client = AsyncWebClient(token=SLACK_TOKEN, base_url=f"http://127.0.0.1:{port}/api/")
    try:
        await client.chat_postMessage(channel="#alerts", text="hi")
    except SlackApiError:
        logging.getLogger("alertbot.delivery").exception("slack with %s refused", SLACK_TOKEN)
    finally:
        await runner.cleanup()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"GET https://api.telegram.org/bot{BOT_TOKEN}/getMe", f"/bot{REDACTED}/getMe"),
        (f"token {BOT_TOKEN} leaked", f"token {REDACTED} leaked"),
        ("url=https://hooks.slack.com/services/T/B/x", f"https://hooks.slack.com/{REDACTED}"),
        (f"auth {SLACK_TOKEN}", f"auth {REDACTED}"),
        ('{"token": "abc.def", "x": 1}', f'{{"token": "{REDACTED}", "x": 1}}'),
        ("Authorization: Bearer eyJhbGciOi.xyz", f"Bearer {REDACTED}"),
        ("appkey=PS12&secretkey=Q9", f"appkey={REDACTED}&secretkey={REDACTED}"),
        ("chat 424242 and rules/bottom.yaml stay", "chat 424242 and rules/bottom.yaml stay"),
    ],
)
def test_secret_shapes_are_redacted(text: str, expected: str) -> None:
    assert expected in Redactor()(text)


def test_known_values_go_whole_and_short_ones_stay() -> None:
    redactor = Redactor()
    redactor.add([WEBHOOK, "T0001", "1", None])
    assert redactor(f"posted to {WEBHOOK}!") == f"posted to {REDACTED}!"
    assert redactor("chat 1 ok") == "chat 1 ok"  # too short to be a secret worth hiding


def test_human_lines_and_settings_secrets(captured: io.StringIO) -> None:
    settings = Settings.from_env(
        {"KIWOOM_APPKEY": KIWOOM_APPKEY, "KIWOOM_SECRETKEY": KIWOOM_SECRET}
    )
    assert set(settings_secrets(settings)) == {KIWOOM_APPKEY, KIWOOM_SECRET}
    stream = io.StringIO()
    handler = setup_logging("INFO", "human", settings_secrets(settings), stream=stream)
    try:
        logging.getLogger("alertbot").info("app key %s in use", KIWOOM_SECRET)
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    assert line.endswith(f"KST INFO alertbot: app key {REDACTED} in use")
