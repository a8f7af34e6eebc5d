"""``alertbot demo`` shows disclosures: the day's filings reach the shipped rules through the
OpenDART simulator, as a live bot would poll them."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.demo import run_demo

ROOT = Path(__file__).resolve().parents[2]
NO_DISCLOSURE_RULES = """
channels:
  log: {type: console}
defaults:
  notify: [log]
rules:
  - name: market-halts
    event: market
"""


async def test_the_demo_shows_a_disclosure_alert(capsys: pytest.CaptureFixture[str]) -> None:
    await run_demo(ROOT / "rules")
    out = capsys.readouterr().out
    assert "📑 공시 삼성전자(005930) 주요사항보고서(자기주식취득결정) · 15:31" in out
    assert "https://dart.fss.or.kr/dsaf001/main.do?rcpNo=20261120000512" in out
    assert "📑 공시 SK하이닉스(000660) 단일판매ㆍ공급계약체결 · 16:05" in out
    assert "[기재정정]" not in out and "카카오" not in out  # a correction, an unwatched stock


async def test_the_demo_without_disclosure_rules_still_plays_the_day(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules.yaml").write_text(NO_DISCLOSURE_RULES, encoding="utf-8")
    await run_demo(tmp_path)
    out = capsys.readouterr().out
    assert "사이드카" in out and "📑" not in out
