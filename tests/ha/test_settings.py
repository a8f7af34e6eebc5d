"""``ALERTBOT_STATE=postgresql://…``: recognised, checked, and its password never shown."""

from __future__ import annotations

import io
import logging

import pytest

from alertbot.ha.url import redacted
from alertbot.ops.logs import settings_secrets, setup_logging
from alertbot.settings import Settings, SettingsError

URL = "postgresql://bot:s3cr%40t@db.example:5432/alertbot"


def test_a_postgresql_uri_selects_the_database_and_keeps_it_secret() -> None:
    settings = Settings.from_env({"ALERTBOT_STATE": URL})
    assert settings.database is not None
    assert settings.database.get_secret_value() == URL
    assert "s3cr" not in repr(settings) and "s3cr" not in str(settings.model_dump())


def test_a_socket_uri_without_password_is_accepted() -> None:
    socket_url = "postgresql://bot@/alertbot?host=/run/postgresql"
    settings = Settings.from_env({"ALERTBOT_STATE": socket_url})
    assert settings.database is not None
    assert redacted(socket_url) == socket_url


def test_a_path_keeps_the_embedded_database() -> None:
    settings = Settings.from_env({"ALERTBOT_STATE": "/data/state.db"})
    assert settings.database is None
    assert str(settings.state) == "/data/state.db"


@pytest.mark.parametrize(
    "value",
    ["postgresql://bot:s3cr%40t@db.example:5432/", "postgresql://bot:s3cr%40t@db.example:x/db"],
)
def test_a_bad_uri_is_named_without_its_password(value: str) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"ALERTBOT_STATE": value})
    message = str(caught.value)
    assert message.startswith("ALERTBOT_STATE: ")
    assert "bot:***@db.example" in message and "s3cr" not in message


def test_the_password_is_redacted_from_every_log_line() -> None:
    settings = Settings.from_env({"ALERTBOT_STATE": URL + "?password=another-secret"})
    stream = io.StringIO()
    handler = setup_logging(secrets=settings_secrets(settings), stream=stream)
    try:
        logging.getLogger("alertbot.test").error("connect failed: s3cr@t s3cr%40t another-secret")
    finally:
        logging.getLogger().removeHandler(handler)
    assert "s3cr" not in stream.getvalue() and "another" not in stream.getvalue()


def test_the_lease_is_six_seconds_unless_set_within_bounds() -> None:
    assert Settings.from_env({}).ha_lease == 6.0
    assert Settings.from_env({"ALERTBOT_HA_LEASE": "2"}).ha_lease == 2.0
    with pytest.raises(SettingsError, match="ALERTBOT_HA_LEASE: 1~300초로 적어야 합니다"):
        Settings.from_env({"ALERTBOT_HA_LEASE": "0.1"})
