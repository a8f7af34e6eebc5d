"""``alertbot demo`` runs both simulated brokers; its LS day has halts and headlines."""

from __future__ import annotations

from pathlib import Path

import pytest

from alertbot.cli import main
from alertbot.demo import run_demo

ROOT = Path(__file__).resolve().parents[2]
HALTS_AND_NEWS = """
channels:
  log: {type: console}
defaults:
  notify: [log]
rules:
  - name: market-halts
    event: market
    status: [circuit_breaker, sidecar]
  - name: battery-news
    event: news
    keywords: ["2차전지", "리튬"]
"""


async def test_the_demo_still_shows_the_vi_day(capsys: pytest.CaptureFixture[str]) -> None:
    await run_demo(ROOT / "rules")
    out = capsys.readouterr().out
    assert "VI 발동 삼성전자(005930)" in out and "VI 발동 SK하이닉스(000660)" in out
    assert "지연" not in out  # the app runs on the played day's clock: nothing looks late


async def test_the_demo_shows_sidecar_circuit_breaker_and_keyword_news(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "rules.yaml").write_text(HALTS_AND_NEWS, encoding="utf-8")
    await run_demo(tmp_path)
    out = capsys.readouterr().out
    assert "사이드카 매도 발동" in out
    assert "서킷브레이커 1단계 발동" in out
    assert "수산화리튬" in out and "엔비디아 실적" not in out  # a headline without the keywords


def test_the_demo_without_rules_says_where_to_run_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--rules", str(tmp_path / "missing")]) == 2
    error = capsys.readouterr().err
    assert f"{str(tmp_path / 'missing')!r}에 규칙이 없습니다" in error and "--rules 경로" in error
