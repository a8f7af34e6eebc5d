"""Slack notifier: ``chat.postMessage`` with a bot token, or an incoming webhook.

A message is Block Kit (a header with the headline, a section with the rest) plus a plain
``text`` fallback, which is what the phone notification shows. Both are escaped for mrkdwn
(only ``&``, ``<``, ``>``), and sizes are counted after escaping: a headline full of "M&A"
grows by four characters per ``&``. The safe form (after a refusal) is the ``text`` alone.
slack-sdk's own retry handlers are switched off: delivery owns
the retry policy and must see every 429 to wait its ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from pydantic import SecretStr, model_validator
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from alertbot.delivery.notifiers.base import (
    DeliveryError,
    Message,
    MessageRejected,
    Notifier,
    NotifierOptions,
    PermanentError,
    RateLimited,
    TransientError,
    Window,
    fingerprint,
    register,
)
from alertbot.delivery.notifiers.split import utf16_len
from alertbot.i18n import t

DEFAULT_BASE_URL = "https://slack.com/api/"
HEADER_LIMIT = 150

TRANSIENT_ERRORS = frozenset(
    {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}
)
"""``ok: false`` answers worth retrying."""

CHANNEL_ERRORS = frozenset(
    {
        "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired",
        "invalid_token", "no_permission", "missing_scope", "not_allowed_token_type",
        "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived",
        "restricted_action", "action_prohibited", "posting_to_general_channel_denied",
        "team_access_not_granted", "ekm_access_denied", "access_denied", "org_login_required",
        "team_disabled", "no_service", "no_service_id", "no_team", "user_not_found",
    }
)  # fmt: skip
"""Errors that refuse the token or the channel: the channel stops. Any other error refuses
only the message that caused it."""

CHANNEL_STATUSES = frozenset({401, 403, 404, 410})
"""HTTP statuses that refuse the credentials or the destination whatever the body says."""


class SlackOptions(NotifierOptions):
    token: SecretStr | None = None
    channel: str | None = None
    webhook_url: SecretStr | None = None
    base_url: str = DEFAULT_BASE_URL
    timeout: int = 10

    @model_validator(mode="after")
    def _one_way_in(self) -> SlackOptions:
        if (self.token is None) == (self.webhook_url is None):
            raise ValueError(t("check.slack_one_way"))
        if self.token is not None and not self.channel:
            raise ValueError(t("check.slack_channel"))
        return self


def escape_mrkdwn(text: str) -> str:
    """Slack's mrkdwn needs exactly these three escaped; anything else is literal."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escaped_len(text: str) -> int:
    """``utf16_len(escape_mrkdwn(text))`` without building the escaped copy."""
    return utf16_len(text) + 4 * text.count("&") + 3 * (text.count("<") + text.count(">"))


def blocks_for(text: str) -> list[dict[str, Any]]:
    """A header block for the headline (plain text) and a section for the rest."""
    headline, _, rest = text.partition("\n")
    blocks: list[dict[str, Any]] = []
    if headline.strip():  # Slack rejects an empty header
        blocks.append(
            {"type": "header", "text": {"type": "plain_text", "text": headline[:HEADER_LIMIT]}}
        )
    if len(headline) > HEADER_LIMIT:
        rest = f"{headline[HEADER_LIMIT:]}\n{rest}"
    if rest.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": escape_mrkdwn(rest)}})
    return blocks


@register
class SlackNotifier(Notifier):
    type = "slack"
    Options = SlackOptions
    options: SlackOptions
    max_text = 3000
    """A section block holds 3,000 characters (counted after escaping: ``measure``)."""

    def __init__(self, name: str, options: SlackOptions) -> None:  # type: ignore[override]
        super().__init__(name, options)
        self._secret = (options.token or options.webhook_url or SecretStr("")).get_secret_value()
        self.web: AsyncWebClient | None = None
        self.hook: AsyncWebhookClient | None = None
        if options.token is not None:
            self.web = AsyncWebClient(
                token=self._secret,
                base_url=options.base_url,
                timeout=options.timeout,
                retry_handlers=[],
            )
        else:
            self.hook = AsyncWebhookClient(self._secret, timeout=options.timeout, retry_handlers=[])

    def secrets(self) -> list[str]:
        return [self._secret]

    def limits(self) -> list[Window]:
        """About one message per second per channel (``chat.postMessage`` tier)."""
        return [Window(f"slack:{fingerprint(self._secret)}:{self.options.channel or ''}", 1, 1.05)]

    def measure(self, text: str, safe: bool) -> int:
        """Escaped length: a part fits a section block, and so the 40,000 of ``text``."""
        return escaped_len(text)

    async def check(self) -> None:
        """``auth.test`` for a bot token; a webhook has nothing to ask."""
        if self.web is not None:
            await self._call(self.web.auth_test())

    async def send(self, message: Message) -> str | None:
        fallback = escape_mrkdwn(message.text)
        blocks = None if message.safe else blocks_for(message.text)
        if self.web is not None:
            answer = await self._call(
                self.web.chat_postMessage(
                    channel=self.options.channel or "", text=fallback, blocks=blocks
                )
            )
            return str(answer.get("ts", "")) or None
        assert self.hook is not None
        try:
            response = await self.hook.send(text=fallback, blocks=blocks)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self._network(exc) from None
        status, body = response.status_code, (response.body or "").strip()
        if status == 200:
            return None
        raise self._http_error(status, body[:100], response.headers.get("Retry-After"))

    async def _call(self, call: Any) -> Any:
        try:
            return await call
        except SlackApiError as exc:
            response = exc.response
            error = str(response.get("error", "")) if isinstance(response.data, dict) else ""
            raise self._http_error(
                response.status_code, error, response.headers.get("Retry-After")
            ) from None
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self._network(exc) from None

    def _http_error(self, status: int, error: str, retry_after: str | None) -> DeliveryError:
        what = self.redact(f"slack {status}: {error or 'no detail'}")
        if status == 429:
            seconds = float(retry_after) if retry_after and retry_after.isdigit() else 1.0
            return RateLimited(f"{what}; retry after {seconds:g}s", seconds)
        if status >= 500 or error in TRANSIENT_ERRORS:
            return TransientError(what)
        if status in CHANNEL_STATUSES or error in CHANNEL_ERRORS:
            return PermanentError(what)
        return MessageRejected(what)

    def _network(self, exc: Exception) -> TransientError:
        """A timeout after the request went out may have posted the message."""
        timed_out = isinstance(exc, TimeoutError) and not isinstance(
            exc, aiohttp.ConnectionTimeoutError
        )
        detail = "timed out" if timed_out else type(exc).__name__
        return TransientError(f"slack: {detail}", maybe_delivered=timed_out)
