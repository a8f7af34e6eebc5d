"""The one-pass keyword matcher finds exactly what a search per keyword would."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from alertbot.engine.keywords import KeywordMatcher


def naive(keywords: list[str], text: str) -> set[str]:
    return {k.casefold() for k in keywords if k and k.casefold() in text.casefold()}


def test_overlapping_and_nested_keywords() -> None:
    keywords = ["he", "she", "his", "hers", "2차전지", "전지", "리튬", "LG"]
    matcher = KeywordMatcher(keywords)
    assert matcher.find("ushers") == {"he", "she", "hers"}
    assert matcher.find("LG에너지 2차전지와 리튬") == {"lg", "2차전지", "전지", "리튬"}
    assert matcher.find("반도체") == set()
    assert matcher.find("") == set()


def test_no_keywords_finds_nothing() -> None:
    assert KeywordMatcher([]).find("anything") == set()


ALPHABET = st.sampled_from("ab차전지 ")


@given(
    st.lists(st.text(ALPHABET, min_size=0, max_size=4), max_size=12),
    st.text(ALPHABET, max_size=40),
)
def test_matches_a_search_per_keyword(keywords: list[str], text: str) -> None:
    assert KeywordMatcher(keywords).find(text) == naive(keywords, text)
