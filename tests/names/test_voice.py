"""One voice per language: a Korean text left in English (or an English one in Korean) is a
message a trader reads in the wrong language, so the catalogs are read for it here.

What may stay in the other script is what the trader types or sees elsewhere as is: commands,
keys, variables, product names, and stock names (they are Korean in either language).
"""

from __future__ import annotations

import re

import pytest

from alertbot.i18n import CATALOGS, MARKET_STATUS

FIELDS = re.compile(r"\{[^{}]*\}")
QUOTED = re.compile(r"`[^`]*`|https?://\S+|\S+\.\w+/\S*")
ENGLISH_RUN = re.compile(r"\b[A-Za-z]{2,}(?:[ ,]+[A-Za-z]{2,}){2,}\b")
"""Three English words in a row: a sentence, not an identifier."""
AS_IS_IN_KOREAN = {
    "alertbot setup telegram",
    "alertbot setup slack",
    "docker compose up",
    "Bot User OAuth Token",
    "LS OPEN API",
    "channels, defaults, rules",  # the rule file's keys
    "weekdays, weekends, daily",  # `active:` day words
    "weekdays, weekends, daily, krx, mon",
}
STOCK_NAMES = re.compile(r"삼성전자")
"""The sample stock in /test and in check's hint: a name, Korean in every language."""
HANGUL = re.compile(r"[가-힣]")


def english_runs(text: str) -> list[str]:
    bare = QUOTED.sub(" ", FIELDS.sub(" ", text))
    return [run for run in ENGLISH_RUN.findall(bare) if run not in AS_IS_IN_KOREAN]


@pytest.mark.parametrize("catalog", [CATALOGS["ko"], MARKET_STATUS["ko"]], ids=["ko", "status"])
def test_korean_texts_have_no_english_sentence(catalog: dict[str, str]) -> None:
    found = {key: runs for key, text in catalog.items() if (runs := english_runs(text))}
    assert found == {}


@pytest.mark.parametrize("catalog", [CATALOGS["en"], MARKET_STATUS["en"]], ids=["en", "status"])
def test_english_texts_have_no_korean_but_stock_names(catalog: dict[str, str]) -> None:
    found = {key: text for key, text in catalog.items() if HANGUL.search(STOCK_NAMES.sub("", text))}
    assert found == {}


def test_the_reading_catches_a_text_left_in_english() -> None:
    """The check itself: an untranslated text is found, an identifier inside Korean is not."""
    assert english_runs("feed {feed} stopped: check the token") == ["check the token"]
    assert english_runs("`alertbot check rules/` 로 확인하세요 (ALERTBOT_RULES)") == []
