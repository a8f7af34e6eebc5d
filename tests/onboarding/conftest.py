"""The onboarding commands in either language: ``english`` switches the catalog for one test."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from alertbot import i18n

HANGUL = re.compile("[가-힣]")
"""Korean text: none may be left in what the English commands write themselves."""


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ALERTBOT_LANG", "en")
    i18n.use(None)
    yield
    i18n.use(None)  # read again once the variable is restored
