"""``alertbot replay`` on a small crafted recording: every output line, exactly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from alertbot import i18n
from alertbot.cli import main
from alertbot.engine.rules import load_rules
from alertbot.recording import Recording
from alertbot.replay import run_replay
from tests.replay.crafted import write_recording

RULES = """
channels:
  phone: {type: telegram, token: "123:not-used", chat_id: "1"}
  log: {type: console}
defaults:
  notify: [phone]
  cooldown: 60s
rules:
  - name: vi-samsung
    event: vi
    symbols: ["005930"]
  - name: samsung-80k
    event: price
    symbol: "005930"
    above: 80000
  - name: battery-news
    event: news
    keywords: ["2차전지"]
    notify: [log]
  - name: halts-afternoon
    event: market
    status: [sidecar]
    active: "13:00-15:30"
  - name: never
    event: fill
"""


@pytest.fixture
def recording(tmp_path: Path) -> Path:
    path = write_recording(tmp_path / "day.jsonl")
    with path.open("ab") as file:
        file.write(b'{"t": "2026-11-20T13:30:00+09:00", "src": "ls", "fra\n')  # cut short
    return path


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    path = tmp_path / "rules.yaml"
    path.write_text(RULES, encoding="utf-8")
    return path


def expected(recording: Path) -> list[str]:
    return [
        "── 2026-11-20 (금) ──",
        "09:05:12  vi-samsung  삼성전자(005930) VI 발동 발동가 78,400원 (+10.00%)  → phone",
        "09:15:02  samsung-80k  삼성전자(005930) 80,100원 ↑80,000  → phone",
        "09:30:00  battery-news  2차전지 대규모 수주  → log",
        "13:12:00  halts-afternoon  코스피 사이드카 매수 발동  → phone",
        "",
        "규칙             발송  쿨다운  중복  시간외",
        "vi-samsung          1       1     0       0",
        "samsung-80k         1       0     0       0",
        "battery-news        1       0     1       0",
        "halts-afternoon     1       0     0       1",
        "never               0       0     0       0",
        "프레임 10개 (kiwoom 4, ls 6), 이벤트 9개, 2026-11-20 09:00:00–13:12:00 KST",
        "해석하지 못한 프레임: 1 × kiwoom: JSON이 아닙니다",
        f"손상된 줄: {recording}:11: JSON이 아닙니다 (줄이 잘렸나요?)",
    ]


ENGLISH = [
    "── 2026-11-20 Fri ──",
    "09:05:12  vi-samsung  삼성전자(005930) VI triggered at 78,400 KRW (+10.00%)  → phone",
    "09:15:02  samsung-80k  삼성전자(005930) 80,100 KRW ↑80,000  → phone",
    "09:30:00  battery-news  2차전지 대규모 수주  → log",
    "13:12:00  halts-afternoon  KOSPI sidecar (buy) triggered  → phone",
    "",
    "rule             fired  cooldown  dedupe  inactive",
    "vi-samsung           1         1       0         0",
    "samsung-80k          1         0       0         0",
    "battery-news         1         0       1         0",
    "halts-afternoon      1         0       0         1",
    "never                0         0       0         0",
    "10 frames (kiwoom 4, ls 6), 9 events, 2026-11-20 09:00:00–13:12:00 KST",
    "unparsed: 1 × kiwoom: not JSON",
]


async def test_the_summary_in_english(recording: Path, rules: Path) -> None:
    out = io.StringIO()
    i18n.use("en")
    try:
        await run_replay(Recording(recording), load_rules(rules), out=out)
    finally:
        i18n.use(None)
    assert out.getvalue().splitlines()[: len(ENGLISH)] == ENGLISH


async def test_summary_line_by_line(recording: Path, rules: Path) -> None:
    out = io.StringIO()
    await run_replay(Recording(recording), load_rules(rules), out=out)
    assert out.getvalue().splitlines() == expected(recording)


def test_the_command_prints_the_same(
    recording: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["replay", str(recording), "--rules", str(rules)]) == 0
    assert capsys.readouterr().out.splitlines() == expected(recording)


async def test_full_shows_each_message_under_its_line(recording: Path, rules: Path) -> None:
    out = io.StringIO()
    await run_replay(Recording(recording), load_rules(rules), out=out, full=True)
    lines = out.getvalue().splitlines()
    news = lines.index("09:30:00  battery-news  2차전지 대규모 수주  → log")
    assert lines[news + 1] == "    📰 2차전지 대규모 수주"


def test_a_missing_recording_is_one_clear_line(
    tmp_path: Path, rules: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.jsonl.gz"
    assert main(["replay", str(missing), "--rules", str(rules)]) == 2
    assert capsys.readouterr().err == f"alertbot: {missing}: 기록 파일이 없습니다\n"


def test_bad_rules_say_file_and_line(
    recording: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("rules:\n  - name: x\n    event: nonsense\n", encoding="utf-8")
    assert main(["replay", str(recording), "--rules", str(bad)]) == 1
    assert capsys.readouterr().err == (
        f"{bad}:2: 규칙 'x': 알 수 없는 event 'nonsense' (쓸 수 있는 값: 'vi', 'price',"
        " 'condition', 'fill', 'market', 'news', 'limit', 'volume', 'disclosure')\n"
    )


@pytest.mark.parametrize("speed", ["0", "-2", "fast", "inf"])
def test_speed_must_be_a_positive_number(
    recording: Path, rules: Path, speed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["replay", str(recording), "--rules", str(rules), "--speed", speed])
    assert exit_.value.code == 2
    assert f"0보다 큰 수여야 합니다 (지금 값: {speed!r})" in capsys.readouterr().err
