"""``event: disclosure`` rules: what fires, what is refused at load, the default message."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from alertbot.engine.engine import Engine
from alertbot.engine.keywords import KeywordMatcher
from alertbot.engine.yamlsource import RulesError
from alertbot.events import Disclosure
from alertbot.feeds.dart.protocol import Filing
from tests.engine.support import MONDAY_10AM, ruleset

BUYBACK = Filing(
    rcept_no="20250303000512",
    corp_code="00126380",
    corp_name="삼성전자",
    stock_code="005930",
    corp_cls="Y",
    report_nm="주요사항보고서(자기주식취득결정)",
    flr_nm="삼성전자",
    rcept_dt="20250303",
    rm="유",
).event(MONDAY_10AM.replace(hour=15, minute=31))


def engine(folder: Path, rules: str) -> Engine:
    return Engine(ruleset(folder, rules))


def filing(report: str = BUYBACK.report, **changes: object) -> Disclosure:
    return replace(BUYBACK, report=report, **changes)  # type: ignore[arg-type]


CASES = [
    ("", filing(), True),  # no keywords: every filing
    ("keywords: [자기주식취득, 단일판매]", filing(), True),
    ("keywords: [자기주식취득]", filing("단일판매ㆍ공급계약체결"), False),
    ("keywords: [단일판매]", filing("단일판매ㆍ공급계약체결(자율공시)"), True),
    ("keywords: [자기주식취득], exclude: [기재정정]", filing("[기재정정]" + BUYBACK.report), False),
    ("exclude: [기재정정]", filing("[기재정정]" + BUYBACK.report), False),
    ("keywords: [lg]", filing("LG에너지솔루션 주요사항보고서"), True),  # case ignored
    ("keywords: [ＬＧ]", filing("LG화학 주요사항보고서"), True),  # NFKC, like headlines
    ('keywords: ["자기주식 취득"]', filing(), True),  # spacing ignored, like headlines
    ('symbols: ["005930"]', filing(), True),
    ('symbols: ["000660"]', filing(), False),
    ('symbols: ["000660"]', filing(symbol=""), False),  # unlisted filer: no stock code
    ("markets: [kospi]", filing(), True),
    ("markets: [K]", filing(), False),  # OpenDART's corp_cls letters are accepted
    ("markets: [K]", filing(market="kosdaq"), True),
    ("markets: [konex, other]", filing(market="other", symbol=""), True),
]


@pytest.mark.parametrize(("keys", "event", "fires"), CASES)
def test_disclosure(tmp_path: Path, keys: str, event: Disclosure, fires: bool) -> None:
    eng = engine(tmp_path, f"- {{name: d, event: disclosure, {keys}}}")
    assert bool(eng.evaluate(event)) is fires


def test_report_names_use_the_news_keyword_matching(tmp_path: Path) -> None:
    """One normalization for headlines and report names: a rule finds the same words in both
    (full-width letters, case), whatever ``engine.keywords`` decides that normalization is."""
    matcher = KeywordMatcher(["ＬＧ", "lg", "자기주식취득"])
    for report in ("LG화학 주요사항보고서", "주요사항보고서(자기주식취득결정)"):
        eng = engine(tmp_path, "- {name: d, event: disclosure, keywords: [ＬＧ, lg, 자기주식취득]}")
        assert bool(eng.evaluate(filing(report))) == bool(matcher.find(report))


def test_default_message_names_the_stock_filer_time_and_link(tmp_path: Path) -> None:
    [alert] = engine(tmp_path, "- {name: d, event: disclosure}").evaluate(BUYBACK)
    assert alert.text == (
        "📑 공시 삼성전자(005930) 주요사항보고서(자기주식취득결정) · 15:31\n"
        "제출인 삼성전자\n"
        "https://dart.fss.or.kr/dsaf001/main.do?rcpNo=20250303000512"
    )
    assert alert.event_key == "disclosure:20250303000512"
    assert alert.summary == "삼성전자(005930) 주요사항보고서(자기주식취득결정)"


def test_two_filings_of_one_company_both_fire(tmp_path: Path) -> None:
    """No default cooldown: a buyback and a supply contract a minute apart are both news."""
    eng = engine(tmp_path, "- {name: d, event: disclosure}")
    assert eng.evaluate(BUYBACK)
    assert eng.evaluate(replace(BUYBACK, rcept_no="20250303000513", report="단일판매"))


def test_templates_can_name_disclosure_fields(tmp_path: Path) -> None:
    rules = '- {name: d, event: disclosure, message: "{name} {report} {filer} {url} {market}"}'
    [alert] = engine(tmp_path, rules).evaluate(BUYBACK)
    assert alert.text == (
        "삼성전자 주요사항보고서(자기주식취득결정) 삼성전자 "
        "https://dart.fss.or.kr/dsaf001/main.do?rcpNo=20250303000512 kospi"
    )


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ("markets: [nyse]", "'kospi', 'kosdaq', 'konex', 'other' 중 하나여야"),
        ("keywords: []", "keywords: 1개 이상"),
        ("kind: any", "kind: 알 수 없는 키"),
        ('message: "{title}"', "disclosure 이벤트에는 {title} 필드가 없습니다"),
    ],
)
def test_bad_disclosure_rules_say_what_is_wrong(tmp_path: Path, keys: str, problem: str) -> None:
    with pytest.raises(RulesError) as raised:
        engine(tmp_path, f"- {{name: d, event: disclosure, {keys}}}")
    assert problem in str(raised.value)


def test_only_disclosure_rules_make_the_feed_poll(tmp_path: Path) -> None:
    assert not engine(tmp_path, "- {name: n, event: news}").subscriptions().disclosures
    assert engine(tmp_path, "- {name: d, event: disclosure}").subscriptions().disclosures


def test_a_cooldown_the_trader_sets_is_per_company(tmp_path: Path) -> None:
    """Unlisted filers have no stock code: each company still cools down on its own."""
    eng = engine(tmp_path, "- {name: d, event: disclosure, cooldown: 60s}")
    second = replace(BUYBACK, rcept_no="20250303000513")
    unlisted = [
        replace(BUYBACK, rcept_no=f"2025030300060{n}", symbol="", corp_code=f"0099999{n}")
        for n in (1, 2)
    ]
    assert [bool(eng.evaluate(e)) for e in (BUYBACK, second, *unlisted)] == [1, 0, 1, 1]
