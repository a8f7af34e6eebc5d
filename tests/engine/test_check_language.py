"""``alertbot check`` speaks the trader's language: Korean by default, English with
``ALERTBOT_LANG=en``, and in either one ``file:line: …`` per problem, as specific as ever."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from alertbot.engine.rules import load_rules
from alertbot.engine.yamlsource import Problem, RulesError
from tests.cli_support import environment, run_alertbot
from tests.engine.test_schema import HEADER_INVALID, INVALID

BROKEN = """\
channels:
  log: {type: console}
defaults:
  notify: [log]
rules:
  - name: vi-all
    event: vi
    stat: triggered
  - name: samsung
    event: price
    symbol: "005930"
    above: lots
  - name: hynix
    event: vi
    symbols: [660]
  - name: paged
    event: fill
    notify: [pager]
  - name: released
    event: vi
    state: fired
"""
UNCLOSED = 'rules:\n  - {name: broken, event: vi, symbols: ["005930"\n'

VI_KEYS = "active, cooldown, enabled, event, kind, message, name, notify, state, symbol, symbols"

KOREAN = [
    "a.yaml:8: 규칙 'vi-all': stat: 알 수 없는 키 (쓸 수 있는 키: " + VI_KEYS + ")",
    "a.yaml:12: 규칙 'samsung': above: 80000 같은 숫자여야 합니다 (입력: 'lots')",
    "a.yaml:15: 규칙 'hynix': symbols[0]: '660'은(는) 종목코드가 아닙니다:"
    ' KRX 종목코드는 숫자나 영문 대문자 6자리입니다. 앞의 0까지 쓰세요 (예: "005930")',
    "a.yaml:18: 규칙 'paged': 알 수 없는 채널 'pager' (정의된 채널: log)",
    "a.yaml:21: 규칙 'released': state: 'triggered', 'released', 'any' 중 하나여야 합니다"
    " (입력: 'fired')",
    "b.yaml:3: YAML 문법 오류 (1번째 칸): 2번째 줄에서 '['로 연 목록이 닫히지 않았습니다:"
    " 항목 사이에 ',', 끝에 ']'를 쓰세요",
]
ENGLISH = [
    "a.yaml:8: rule 'vi-all': stat: unknown key (keys: " + VI_KEYS + ")",
    "a.yaml:12: rule 'samsung': above: expected a number such as 80000, got 'lots'",
    "a.yaml:15: rule 'hynix': symbols[0]: '660' is not a stock code: a KRX code is"
    ' 6 digits or capital letters; write it with its leading zeros, such as "005930"',
    "a.yaml:18: rule 'paged': unknown channel 'pager' (channels: log)",
    "a.yaml:21: rule 'released': state: expected one of 'triggered', 'released', 'any',"
    " got 'fired'",
    "b.yaml:3: YAML syntax error at column 1: the list opened with '[' on line 2 is not closed:"
    " separate its items with ',' and end it with ']'",
]


def run_check(folder: Path, lang: str | None) -> subprocess.CompletedProcess[str]:
    env = environment(lang) | {"ALERTBOT_STATE": str(folder / "no-state.db")}
    return run_alertbot("check", ".", env=env, cwd=folder)


@pytest.mark.parametrize(("lang", "expected"), [(None, KOREAN), ("en", ENGLISH)])
def test_check_speaks_the_language_file_line_each(
    tmp_path: Path, lang: str | None, expected: list[str]
) -> None:
    (tmp_path / "a.yaml").write_text(BROKEN, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(UNCLOSED, encoding="utf-8")
    result = run_check(tmp_path, lang)
    assert result.returncode == 1, result.stderr
    assert result.stdout.splitlines() == expected


ENGLISH_WORDS = re.compile(
    r"\b(unknown|expected|should|required|input|must|cannot|already|missing|needs?|got"
    r"|such as|valid|greater|least|field|error|write|quotes|the|is|not|only|one of|give"
    r"|use|found|while|did|could)\b",
    re.IGNORECASE,
)
"""Words the English texts are made of; none is a rule key, value or identifier below."""


def problems(folder: Path) -> list[Problem]:
    with pytest.raises(RulesError) as caught:
        load_rules(folder, env={})
    return caught.value.problems


@pytest.mark.parametrize(
    "text",
    [f"rules:\n  {rules.replace(chr(10), chr(10) + '  ')}\n" for rules, _, _ in INVALID]
    + [text for text, _, _ in HEADER_INVALID]
    + [
        BROKEN,
        UNCLOSED,
        "rules:\n\t- {name: a}\n",
        "rules:\n  - name: a: b\n",
        "rules:\n  - name: a\n   event: vi\n",
        'rules:\n  - name: "a\n',
        "rules:\n  - name: a\n    event vi\n    x: 1\n",
        'rules:\n  - name: "\\q"\n',
        "rules:\n  - name: *nowhere\n",
        "rules:\n  - name: !!int x\n",
        "rules:\n  - name: !!python/name:os.system x\n",
        "rules: []\n---\nrules: []\n",
        "rules:\n  - name: a\n    event: vi\n    active: '25:00-26:00'\n",
        "rules:\n  - name: a\n    event: vi\n    active: '10:00-10:00'\n",
        "rules:\n  - name: a\n    event: vi\n    active: '24:00-10:00'\n",
        "rules:\n  - name: a\n    event: volume\n    symbol: '005930'\n    ratio_above: 3\n"
        "    window: 90s\n",
        "rules:\n  - name: a\n    event: volume\n    ratio_above: 3\n",
        "rules:\n  - name: a\n    event: vi\n    symbol: 삼성전자\n",
        "rules:\n  - name: a\n    event: vi\n    symbol: abc123\n",
        "rules:\n  - name: a\n    event: vi\n    message: '{display:d}'\n",
        "channels:\n  log: {type: console}\nrules:\n  - {name: a, event: vi, notify: [log]}\n"
        "  - {name: a, event: vi, notify: [log]}\n",
    ],
)
def test_no_english_in_korean_problems(tmp_path: Path, text: str) -> None:
    (tmp_path / "rules.yaml").write_text(text, encoding="utf-8")
    messages = [problem.message for problem in problems(tmp_path)]
    assert messages
    english = [m for m in messages if ENGLISH_WORDS.search(m)]
    assert english == []


YAML_MISTAKES = [
    # (file, line, the problem after "file:line: ")
    (
        "rules:\n  - {name: !!int x, event: vi}\n",
        2,
        "YAML 문법 오류 (12번째 칸): !!int(으)로 읽을 수 없는 값입니다: 'x'",
    ),
    (
        "rules:\n\t- {name: a, event: vi}\n",
        2,
        "YAML 문법 오류 (1번째 칸): 탭 문자는 들여쓰기에 쓸 수 없습니다: 공백으로 바꾸세요",
    ),
    (
        'rules:\n  - name: "a\n\n',
        4,
        "YAML 문법 오류 (1번째 칸): 2번째 줄에서 연 따옴표가 닫히지 않았습니다",
    ),
    (
        "rules:\n  - {name: a\n  - b\n",
        4,
        "YAML 문법 오류 (1번째 칸): 2번째 줄에서 '{'로 연 매핑이 닫히지 않았습니다:"
        " 항목 사이에 ',', 끝에 '}'를 쓰세요",
    ),
    (
        "rules:\n  - name: a\n    event vi\n    x: 1\n",
        4,
        "YAML 문법 오류 (5번째 칸): ':'가 빠졌습니다: 'key: value'로 쓰세요",
    ),
    (
        "rules:\n  - name: a: b\n",
        2,
        "YAML 문법 오류 (12번째 칸): 여기에는 'key: value'를 쓸 수 없습니다:"
        " 들여쓰기를 확인하고, 값에 ': '가 들어가면 따옴표로 감싸세요",
    ),
    (
        "rules:\n  - name: @a\n",
        2,
        "YAML 문법 오류 (11번째 칸): '@' 문자로 값을 시작할 수 없습니다: 값을 따옴표로 감싸세요",
    ),
    (
        "rules: []\n---\nrules: []\n",
        2,
        "YAML 문법 오류 (1번째 칸): 파일 하나에는 문서가 하나만 있어야 합니다:"
        " '---' 뒤의 두 번째 문서를 다른 파일로 옮기세요",
    ),
]


@pytest.mark.parametrize(("text", "line", "problem"), YAML_MISTAKES)
def test_yaml_mistakes_are_named_at_their_line_and_column(
    tmp_path: Path, text: str, line: int, problem: str
) -> None:
    """The usual slips are told in the trader's words; ``!!int x`` used to escape as a
    Python ``ValueError`` (a traceback from ``check``)."""
    path = tmp_path / "rules.yaml"
    path.write_text(text, encoding="utf-8")
    assert [str(p) for p in problems(tmp_path)] == [f"{path}:{line}: {problem}"]


@pytest.mark.parametrize(
    ("lang", "warning"),
    [
        ("ko", "경고: 환경 변수 TOKEN이(가) 설정되지 않았습니다"),
        ("en", "warning: environment variable TOKEN is not set"),
    ],
)
def test_warnings_follow_the_language(
    tmp_path: Path, request: pytest.FixtureRequest, lang: str, warning: str
) -> None:
    if lang == "en":
        request.getfixturevalue("english")
    text = "channels:\n  t: {type: telegram, token: '${TOKEN}', chat_id: 1}\n"
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    warnings = load_rules(tmp_path, env={}, missing="warning").warnings
    assert [str(w) for w in warnings] == [f"{path}:2: {warning}"]
