"""Settings from the environment: defaults, mock switches, and one-line errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alertbot.settings import Settings, SettingsError
from tests.cli_support import run_alertbot

HANGUL = re.compile("[가-힣]")


def test_defaults_match_the_documented_table() -> None:
    settings = Settings.from_env({})
    assert settings.rules == Path("rules")
    assert settings.state == Path("alertbot-state.db")
    assert str(settings.http) == "127.0.0.1:9108"
    assert settings.kiwoom.api_url == "https://api.kiwoom.com"
    assert settings.kiwoom.ws_url == "wss://api.kiwoom.com:10000/api/dostk/websocket"
    assert settings.ls.api_url == "https://openapi.ls-sec.co.kr:8080"
    assert settings.ls.ws_url == "wss://openapi.ls-sec.co.kr:9443/websocket"
    assert not settings.kiwoom.configured and not settings.ls.configured


def test_mock_switches_point_at_the_mock_servers() -> None:
    settings = Settings.from_env({"KIWOOM_MOCK": "1", "LS_MOCK": "1"})
    assert settings.kiwoom.api_url == "https://mockapi.kiwoom.com"
    assert settings.kiwoom.ws_url == "wss://mockapi.kiwoom.com:10000/api/dostk/websocket"
    assert settings.ls.ws_url == "wss://openapi.ls-sec.co.kr:29443/websocket"


def test_credentials_are_secret_and_configured() -> None:
    settings = Settings.from_env({"KIWOOM_APPKEY": "key-123", "KIWOOM_SECRETKEY": "sec-456"})
    assert settings.kiwoom.configured
    assert "key-123" not in repr(settings) and "sec-456" not in repr(settings)


BAD_VALUES = [
    ({"ALERTBOT_HTTP": "localhost"}, "ALERTBOT_HTTP"),
    ({"ALERTBOT_HTTP": "127.0.0.1:99999"}, "ALERTBOT_HTTP"),
    ({"KIWOOM_WS_URL": "http://example.invalid/ws"}, "KIWOOM_WS_URL"),
    ({"KIWOOM_API_URL": "https://example.invalid:port"}, "KIWOOM_API_URL"),
    ({"LS_API_URL": "not a url"}, "LS_API_URL"),
    ({"KIWOOM_MOCK": "maybe"}, "KIWOOM_MOCK"),
    ({"ALERTBOT_LOG_FORMAT": "xml"}, "ALERTBOT_LOG_FORMAT"),
    ({"ALERTBOT_FEED_DOWN_AFTER": "soon"}, "ALERTBOT_FEED_DOWN_AFTER"),
    ({"ALERTBOT_HA_LEASE": "0.5"}, "ALERTBOT_HA_LEASE"),
    ({"DART_POLL": "0.2"}, "DART_POLL"),
    ({"ALERTBOT_STATE": "postgresql://bot@db.example:5432/"}, "ALERTBOT_STATE"),
    ({"KIWOOM_APPKEY": "only-the-key"}, "KIWOOM_SECRETKEY"),
    ({"LS_APPSECRET": "only-the-secret"}, "LS_APPKEY"),
]


@pytest.mark.parametrize(("env", "variable"), BAD_VALUES)
def test_a_bad_value_names_the_variable_and_says_in_korean_what_is_wrong(
    env: dict[str, str], variable: str
) -> None:
    """Only the variable, the value and address forms stay as written: the words are Korean."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert "\n" not in str(caught.value)
    problem = str(caught.value).removeprefix(f"{variable}: ")
    assert HANGUL.search(problem), problem
    assert not re.search(r"\b(expected|got|required|when|seconds|bad|name)\b", problem), problem


def test_a_problem_reads_in_english_with_alertbot_lang_en(english: None) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"KIWOOM_APPKEY": "only-the-key"})
    assert str(caught.value) == "KIWOOM_SECRETKEY: is required when KIWOOM_APPKEY is set"


def test_a_secret_is_never_repeated_in_the_error() -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"LS_APPKEY": "super-secret-appkey"})
    assert "super-secret-appkey" not in str(caught.value)


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        (
            None,
            "alertbot: 환경 변수 ALERTBOT_HTTP: 127.0.0.1:9108처럼 호스트:포트로 적어야 합니다"
            " (지금 값: 'nonsense')",
        ),
        (
            "en",
            "alertbot: ALERTBOT_HTTP: expected HOST:PORT such as 127.0.0.1:9108, got 'nonsense'",
        ),
    ],
)
def test_the_command_stops_with_one_line(tmp_path: Path, lang: str | None, line: str) -> None:
    env = {"PATH": "", "ALERTBOT_HTTP": "nonsense", "ALERTBOT_STATE": str(tmp_path / "s.db")}
    if lang is not None:
        env["ALERTBOT_LANG"] = lang
    result = run_alertbot("run", env=env)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [line]
