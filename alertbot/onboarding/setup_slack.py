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

from alertbot.i18n import lookup, t
from alertbot.onboarding.envfile import find_secret, set_env_values
from alertbot.onboarding.setup_telegram import SetupError

SLACK_API = "https://slack.com/api/"


@dataclass(frozen=True, slots=True)
class FoundChannel:
    id: str
    name: str


def find_slack_token(given: str | None, env: dict[str, str], env_file: Path | None) -> str:
    """``--token``, else ``SLACK_BOT_TOKEN`` (environment, then env file), else ask."""
    token = find_secret(given, "SLACK_BOT_TOKEN", env, env_file, t("setup.slack.prompt"))
    if token is None:
        raise SetupError(t("setup.slack.no_token"))
    return token


def explain(exc: SlackApiError) -> SetupError:
    """Slack's error code with what to do about it (the codes a setup meets have their own)."""
    error = str(exc.response.get("error", "")) if exc.response is not None else ""
    fix = lookup(f"setup.slack.fix.{error}") or t("setup.slack.fix")
    return SetupError(t("setup.slack.api_error", error=error, fix=fix))


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
        say(t("setup.slack.token_ok", team=auth.get("team"), user=auth.get("user")))
        seen = await channels(client)
        match = next((c for c in seen if wanted in (c.get("id"), c.get("name"))), None)
        if match is None:
            joined = ", ".join(f"#{c.get('name')}" for c in seen if c.get("is_member"))
            raise SetupError(
                t("setup.slack.not_found", channel=wanted, joined=joined or t("word.none"))
            )
        if not match.get("is_member"):
            raise SetupError(t("setup.slack.not_member", channel=match.get("name")))
        found = FoundChannel(str(match["id"]), str(match.get("name", "")))
        await client.chat_postMessage(channel=found.id, text=t("setup.connected"))
    except SlackApiError as exc:
        raise explain(exc) from None
    say(t("setup.slack.channel_ok", channel=found.name))
    say(f"SLACK_CHANNEL={found.id}")
    if env_file is not None:
        values = {"SLACK_BOT_TOKEN": token, "SLACK_CHANNEL": found.id}
        set_env_values(env_file, values)
        say(t("setup.saved", path=env_file, keys=", ".join(values)))
    return found
