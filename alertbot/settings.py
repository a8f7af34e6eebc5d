"""Settings from the environment, validated once at start.

The variable names are part of the public surface (see README). A bad value stops the bot
with one line that names the variable and says what was expected; secret values are never
repeated in that line.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from alertbot.ha import url as database_url
from alertbot.i18n import t

KIWOOM_API_URL = "https://api.kiwoom.com"
KIWOOM_WS_URL = "wss://api.kiwoom.com:10000/api/dostk/websocket"
KIWOOM_MOCK_API_URL = "https://mockapi.kiwoom.com"
KIWOOM_MOCK_WS_URL = "wss://mockapi.kiwoom.com:10000/api/dostk/websocket"
LS_API_URL = "https://openapi.ls-sec.co.kr:8080"
LS_WS_URL = "wss://openapi.ls-sec.co.kr:9443/websocket"
LS_MOCK_WS_URL = "wss://openapi.ls-sec.co.kr:29443/websocket"
DART_API_URL = "https://opendart.fss.or.kr"
DART_POLL = 5.0
DART_MIN_POLL = 1.0
"""Below this the feed would spend its 20,000 daily calls before noon (pacing stretches it)."""

SECRET_VARIABLES = (
    "KIWOOM_APPKEY",
    "KIWOOM_SECRETKEY",
    "KIWOOM_TOKEN",
    "LS_APPKEY",
    "LS_APPSECRET",
    "LS_TOKEN",
    "DART_API_KEY",
)


class SettingsError(ValueError):
    """A variable is missing or malformed; ``str()`` is the one line shown to the operator:
    the variable's name, then ``problem`` (a catalog text)."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class HostPort:
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


class BrokerCredentials(BaseModel):
    """One broker's access: app key + secret (the bot issues tokens) or a ready token."""

    model_config = ConfigDict(frozen=True)

    appkey: SecretStr | None = None
    secret: SecretStr | None = None
    token: SecretStr | None = None
    api_url: str
    ws_url: str
    api_url_given: bool = False
    """``*_API_URL`` was set: its REST answers even when only a ready token is given."""

    @property
    def configured(self) -> bool:
        return self.token is not None or (self.appkey is not None and self.secret is not None)

    @property
    def rest(self) -> bool:
        """Does the bot talk to this broker's REST API (tokens, the stock list)?

        With app credentials it must; with only a ready token, when ``*_API_URL`` is set."""
        return (self.appkey is not None and self.secret is not None) or (
            self.token is not None and self.api_url_given
        )


class DartSettings(BaseModel):
    """OpenDART access for the disclosure feed: the key's presence enables it."""

    model_config = ConfigDict(frozen=True)

    api_key: SecretStr | None = None
    api_url: str = DART_API_URL
    poll: float = DART_POLL
    """Seconds between polls in filing hours."""


class Settings(BaseModel):
    """Everything the environment decides. Build it with ``Settings.from_env``."""

    model_config = ConfigDict(frozen=True)

    rules: Path = Path("rules")
    state: Path = Path("alertbot-state.db")
    database: SecretStr | None = None
    """``ALERTBOT_STATE`` as a ``postgresql://`` URI (HA): then ``state`` is unused."""
    http: HostPort = HostPort("127.0.0.1", 9108)
    log_format: str = "human"
    log_level: str = "INFO"
    feed_down_after: float = 60.0
    """Seconds a feed may stay down before the admin channel is told."""
    lang: str = "ko"
    """``ALERTBOT_LANG``: the language of everything the bot says (``ko`` or ``en``)."""
    ha_lease: float = 6.0
    """HA group (``postgresql://`` state): seconds a leader's lease lasts; renewed every third."""
    kiwoom: BrokerCredentials
    ls: BrokerCredentials
    dart: DartSettings = DartSettings()

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and check every variable; raise ``SettingsError`` on the first bad one."""
        env = os.environ if env is None else env
        kiwoom_mock = _flag(env, "KIWOOM_MOCK")
        ls_mock = _flag(env, "LS_MOCK")
        state = _text(env, "ALERTBOT_STATE") or "alertbot-state.db"
        database = _database(state)
        return cls(
            rules=Path(_text(env, "ALERTBOT_RULES") or "rules"),
            state=Path("alertbot-state.db" if database else state),
            database=database,
            http=_host_port(env, "ALERTBOT_HTTP", "127.0.0.1:9108"),
            log_format=_choice(env, "ALERTBOT_LOG_FORMAT", ("human", "json"), "human"),
            log_level=_choice(
                env, "ALERTBOT_LOG_LEVEL", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"
            ).upper(),
            feed_down_after=_seconds(env, "ALERTBOT_FEED_DOWN_AFTER", 60.0),
            lang=_choice(env, "ALERTBOT_LANG", ("ko", "en"), "ko"),
            ha_lease=_lease(env),
            kiwoom=_credentials(
                env,
                appkey="KIWOOM_APPKEY",
                secret="KIWOOM_SECRETKEY",
                token="KIWOOM_TOKEN",
                api_url_given=_text(env, "KIWOOM_API_URL") is not None,
                api_url=_url(
                    env,
                    "KIWOOM_API_URL",
                    KIWOOM_MOCK_API_URL if kiwoom_mock else KIWOOM_API_URL,
                    ("http", "https"),
                ),
                ws_url=_url(
                    env,
                    "KIWOOM_WS_URL",
                    KIWOOM_MOCK_WS_URL if kiwoom_mock else KIWOOM_WS_URL,
                    ("ws", "wss"),
                ),
            ),
            ls=_credentials(
                env,
                appkey="LS_APPKEY",
                secret="LS_APPSECRET",
                token="LS_TOKEN",
                api_url_given=_text(env, "LS_API_URL") is not None,
                api_url=_url(env, "LS_API_URL", LS_API_URL, ("http", "https")),
                ws_url=_url(
                    env, "LS_WS_URL", LS_MOCK_WS_URL if ls_mock else LS_WS_URL, ("ws", "wss")
                ),
            ),
            dart=_dart(env),
        )


def _text(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def _flag(env: Mapping[str, str], name: str) -> bool:
    value = _text(env, name)
    if value is None or value in ("0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise SettingsError(name, t("settings.flag", value=value))


def _choice(env: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = _text(env, name)
    if value is None:
        return default
    if value.lower() not in {a.lower() for a in allowed}:
        raise SettingsError(name, t("settings.choice", allowed=", ".join(allowed), value=value))
    return value.lower() if default.islower() else value.upper()


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _text(env, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise SettingsError(name, t("settings.seconds", value=raw))
    return value


def _lease(env: Mapping[str, str]) -> float:
    lease = _seconds(env, "ALERTBOT_HA_LEASE", 6.0)
    if not 1.0 <= lease <= 300.0:
        raise SettingsError("ALERTBOT_HA_LEASE", t("settings.lease", seconds=lease))
    return lease


def _host_port(env: Mapping[str, str], name: str, default: str) -> HostPort:
    raw = _text(env, name) or default
    host, sep, port = raw.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise SettingsError(name, t("settings.host_port", value=raw))
    return HostPort(host.strip("[]"), int(port))


def _database(state: str) -> SecretStr | None:
    """A ``postgresql://`` ``ALERTBOT_STATE``, checked; shown redacted if it is wrong."""
    if not database_url.is_postgres_url(state):
        return None
    problem = database_url.check(state)
    if problem is not None:
        shown = database_url.redacted(state)
        raise SettingsError("ALERTBOT_STATE", t("settings.state", problem=problem, url=shown))
    return SecretStr(state)


def _url(env: Mapping[str, str], name: str, default: str, schemes: tuple[str, ...]) -> str:
    raw = _text(env, name) or default
    parts = urlsplit(raw)
    if parts.scheme not in schemes or not parts.hostname:
        wanted = ", ".join(f"{s}://" for s in schemes)
        raise SettingsError(name, t("settings.url", schemes=wanted, value=raw))
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise SettingsError(name, t("settings.port", value=raw)) from None
    return raw.rstrip("/")


def _dart(env: Mapping[str, str]) -> DartSettings:
    key = _text(env, "DART_API_KEY")
    poll = _seconds(env, "DART_POLL", DART_POLL)
    if poll < DART_MIN_POLL:
        too_often = t("settings.dart_poll", minimum=DART_MIN_POLL, seconds=poll)
        raise SettingsError("DART_POLL", too_often)
    return DartSettings(
        api_key=SecretStr(key) if key else None,
        api_url=_url(env, "DART_API_URL", DART_API_URL, ("http", "https")),
        poll=poll,
    )


def _credentials(
    env: Mapping[str, str],
    *,
    appkey: str,
    secret: str,
    token: str,
    api_url: str,
    ws_url: str,
    api_url_given: bool,
) -> BrokerCredentials:
    key, sec, tok = _text(env, appkey), _text(env, secret), _text(env, token)
    if (key is None) != (sec is None) and tok is None:
        missing, given = (secret, appkey) if key else (appkey, secret)
        raise SettingsError(missing, t("settings.pair", given=given))
    return BrokerCredentials(
        appkey=SecretStr(key) if key else None,
        secret=SecretStr(sec) if sec else None,
        token=SecretStr(tok) if tok else None,
        api_url=api_url,
        ws_url=ws_url,
        api_url_given=api_url_given,
    )
