"""``alertbot setup slack``: check a bot token (``auth.test``) and turn a channel's name into
the id alerts should go to, making sure the bot is in it; a test message proves it.

A channel id (``C…``) survives renames, where a ``#name`` does not; ``conversations.list``
is the only way from one to the other (scopes ``channels:read``, ``groups:read``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from alertbot.onboarding.envfile import find_secret, set_env_values
from alertbot.onboarding.setup_telegram import SetupError

SLACK_API = "https://slack.com/api/"
FIXES = {
    "invalid_auth": "토큰이 틀렸습니다: api.slack.com/apps → OAuth & Permissions의 "
    "Bot User OAuth Token (xoxb-…)을 쓰세요",
    "not_authed": "토큰이 없습니다",
    "token_revoked": "토큰이 취소되었습니다: 앱을 워크스페이스에 다시 설치하세요",
    "missing_scope": "권한(scope)이 부족합니다: chat:write, channels:read, groups:read 를 "
    "추가하고 앱을 다시 설치하세요",
    "not_in_channel": "봇이 채널에 없습니다: 채널에서 /invite @봇이름",
    "channel_not_found": "채널을 찾을 수 없습니다: 비공개 채널이면 먼저 봇을 초대하세요",
}


@dataclass(frozen=True, slots=True)
class FoundChannel:
    id: str
    name: str


def find_slack_token(given: str | None, env: dict[str, str], env_file: Path | None) -> str:
    """``--token``, else ``SLACK_BOT_TOKEN`` (environment, then env file), else ask."""
    token = find_secret(given, "SLACK_BOT_TOKEN", env, env_file, "슬랙 봇 토큰 (xoxb-…): ")
    if token is None:
        raise SetupError("슬랙 봇 토큰이 없습니다: --token으로 주거나 SLACK_BOT_TOKEN을 설정하세요")
    return token


def explain(exc: SlackApiError) -> SetupError:
    error = str(exc.response.get("error", "")) if exc.response is not None else ""
    return SetupError(f"슬랙 API 오류 {error}: {FIXES.get(error, '토큰과 앱 설정을 확인하세요')}")


async def channels(client: AsyncWebClient) -> list[dict[str, Any]]:
    """Every channel the bot can see, page by page."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        page = await client.conversations_list(
            types="public_channel,private_channel", exclude_archived=True, limit=200, cursor=cursor
        )
        found.extend(page.get("channels") or [])
        cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
        if not cursor:
            return found


async def setup_slack(
    token: str,
    channel: str,
    *,
    base_url: str = SLACK_API,
    env_file: Path | None = None,
    say: Callable[[str], None] = print,
) -> FoundChannel:
    """Check the token, find ``channel`` (``#name``, name or id), post a test message there."""
    client = AsyncWebClient(token=token, base_url=base_url)
    wanted = channel.removeprefix("#")
    try:
        auth = await client.auth_test()
        say(f"✅ 토큰 확인: 워크스페이스 {auth.get('team')}, 봇 {auth.get('user')}")
        seen = await channels(client)
        match = next((c for c in seen if wanted in (c.get("id"), c.get("name"))), None)
        if match is None:
            names = ", ".join(f"#{c.get('name')}" for c in seen if c.get("is_member")) or "없음"
            raise SetupError(
                f"#{wanted} 채널을 찾을 수 없습니다 (봇이 들어간 채널: {names}): "
                "채널 이름을 확인하거나, 비공개 채널이면 먼저 /invite @봇이름"
            )
        if not match.get("is_member"):
            raise SetupError(
                f"봇이 #{match.get('name')} 채널에 없습니다: 그 채널에서 /invite @봇이름"
            )
        found = FoundChannel(str(match["id"]), str(match.get("name", "")))
        await client.chat_postMessage(
            channel=found.id, text="✅ alertbot 연결 완료: 알림이 여기로 옵니다"
        )
    except SlackApiError as exc:
        raise explain(exc) from None
    say(f"✅ 채널 확인: #{found.name}")
    say(f"SLACK_CHANNEL={found.id}")
    if env_file is not None:
        set_env_values(env_file, {"SLACK_BOT_TOKEN": token, "SLACK_CHANNEL": found.id})
        say(f"📝 {env_file}에 저장했습니다 (SLACK_BOT_TOKEN, SLACK_CHANNEL)")
    return found
