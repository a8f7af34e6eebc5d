"""Keywords match as a trader means them, and the one-pass matcher equals a search per keyword."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alertbot.engine.keywords import KeywordMatcher, fold, is_latin, matches, normalize


def naive(keywords: list[str], text: str) -> set[str]:
    """A search per keyword over the space-free text, boundaries judged on the spaced one."""
    folded = fold(text)
    starts = [i for i, char in enumerate(folded) if not char.isspace()]
    flat = "".join(folded[i] for i in starts)
    found = set()
    for keyword in {normalize(k) for k in keywords} - {""}:
        at = flat.find(keyword)
        while at >= 0:
            begin, end = starts[at], starts[at + len(keyword) - 1]
            left_ok = not is_latin(keyword[0]) or begin == 0 or not is_latin(folded[begin - 1])
            right_ok = (
                not is_latin(keyword[-1]) or end + 1 == len(folded) or not is_latin(folded[end + 1])
            )
            if left_ok and right_ok:
                found.add(keyword)
                break
            at = flat.find(keyword, at + 1)
    return found


def test_overlapping_and_nested_keywords() -> None:
    keywords = ["he", "she", "his", "hers", "2차전지", "전지", "리튬", "LG"]
    matcher = KeywordMatcher(keywords)
    assert matcher.find("she hers") == {"she", "hers"}
    assert matcher.find("LG에너지 2차전지와 리튬") == {"lg", "2차전지", "전지", "리튬"}
    assert matcher.find("반도체") == set()
    assert matcher.find("") == set()


@pytest.mark.parametrize(
    ("keyword", "headline", "found"),
    [
        ("AI", "AI반도체 수혜주", True),
        ("AI", "AI가 바꾼 증시", True),
        ("AI", "LG AI연구원", True),
        ("AI", "(AI) 테마", True),
        ("AI", "MAIN 보드 출시", False),
        ("AI", "PAIR 트레이딩", False),
        ("AI", "AI2 모델", False),
        ("AI", "ＡＩ 반도체", True),  # full-width Latin
        ("ai", "생성형 AI 열풍", True),
        ("2차 전지", "2차전지 급등", True),
        ("2차전지", "2차 전지 급등", True),
        ("2차전지", "2차  \t전지", True),
        ("HBM", "SK하이닉스 HBM3E 양산", False),
        ("HBM3E", "SK하이닉스 HBM3E 양산", True),
        ("삼성SDI", "삼성SDI가 투자", True),
        ("삼성SDI", "삼성SDIX", False),
        ("café", "cafés", False),
        ("리튬", unicodedata.normalize("NFD", "리튬 가격"), True),  # decomposed Hangul
        (unicodedata.normalize("NFD", "리튬"), "리튬 가격", True),
    ],
)
def test_what_a_keyword_finds(keyword: str, headline: str, found: bool) -> None:
    assert matches(keyword, headline) is found
    assert bool(KeywordMatcher([keyword, "무관"]).find(headline)) is found


def test_a_later_whole_word_occurrence_counts() -> None:
    assert KeywordMatcher(["AI"]).find("MAIN 뉴스: AI 반도체") == {"ai"}


def test_blank_keywords_match_nothing() -> None:
    assert KeywordMatcher(["", "  ", "\u3000"]).find("anything at all") == set()
    assert not matches(" ", "text")


ALPHABET = st.sampled_from("ab차전지 1")


@given(
    st.lists(st.text(ALPHABET, min_size=0, max_size=4), max_size=12),
    st.text(ALPHABET, max_size=40),
)
def test_matches_a_search_per_keyword(keywords: list[str], text: str) -> None:
    assert KeywordMatcher(keywords).find(text) == naive(keywords, text)
