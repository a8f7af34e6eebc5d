"""The command line speaks the catalog's language: its help, argparse's own words ("usage:",
"error:", "invalid choice"…) and its errors are Korean by default, English with
``ALERTBOT_LANG=en``, and the exit codes do not change with the language."""

from __future__ import annotations

import argparse
import inspect
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from alertbot import i18n
from alertbot.cli import main
from alertbot.i18n import argparse_words
from tests.cli_support import environment, run_alertbot

COMMANDS = {"run", "demo", "check", "record", "replay", "init", "setup", "telegram", "slack"}
COMMANDS |= {"doctor", "healthcheck", "alertbot"}
NAMES = {"LS", "DART", "API", "URL", "ID", "CI"}
"""Words that stay as written in Korean text: commands, services' and protocols' names."""
IDENTIFIER = re.compile(r"(?<![\w-])--?[a-z][\w-]*|[^\s,()\[\]]*[/$._={}@#][^\s,()\[\]]*")
"""Options (``--rules``) and tokens that are names or values (``$ALERTBOT_RULES``,
``rules/``, ``.jsonl``, ``auth.test``, ``chat_id``): not words of a sentence."""
HELP_PAGES = [
    [],
    ["run"],
    ["demo"],
    ["check"],
    ["record"],
    ["replay"],
    ["init"],
    ["setup"],
    ["setup", "telegram"],
    ["setup", "slack"],
    ["doctor"],
    ["healthcheck"],
]


def english_words(text: str) -> set[str]:
    """The English words left once the names and values are taken out."""
    return set(re.findall(r"[A-Za-z]{2,}", IDENTIFIER.sub(" ", text))) - COMMANDS - NAMES


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``alertbot argv`` as argparse ends it: exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exited:
        main(argv)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def alertbot(*args: str, lang: str | None = None) -> subprocess.CompletedProcess[str]:
    """The real entry point, ``python -m alertbot``, with ``ALERTBOT_LANG`` as given."""
    return run_alertbot(*args, env=environment(lang))


def test_the_help_is_korean_by_default_and_english_on_request() -> None:
    korean = alertbot("--help")
    assert korean.returncode == 0
    assert korean.stdout.startswith("사용법: alertbot [-h] [--version] 명령 ...")
    assert "이 도움말을 보여 주고 끝냅니다" in korean.stdout
    assert "키움증권" in korean.stdout and "텔레그램" in korean.stdout
    assert english_words(korean.stdout) == set()

    english = alertbot("--help", lang="en")
    assert english.returncode == 0
    assert english.stdout.startswith("usage: alertbot [-h] [--version] COMMAND ...")
    assert "show this help message and exit" in english.stdout
    assert "Kiwoom" in english.stdout and "Telegram" in english.stdout


@pytest.mark.parametrize(
    ("lang", "switch"), [(None, "ALERTBOT_LANG=en"), ("en", "ALERTBOT_LANG=ko")]
)
def test_the_help_tells_how_to_switch_the_language(lang: str | None, switch: str) -> None:
    """A reader who wants the other language learns how from the help itself."""
    assert switch in alertbot("--help", lang=lang).stdout


@pytest.mark.parametrize("command", HELP_PAGES, ids=" ".join)
def test_every_command_s_help_is_korean(
    command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_main([*command, "--help"], capsys)
    assert code == 0
    assert out.startswith(f"사용법: alertbot {' '.join(command)}".rstrip())
    assert "옵션:" in out
    assert english_words(out) == set()


@pytest.mark.parametrize("command", HELP_PAGES, ids=" ".join)
def test_every_command_s_help_is_english_with_alertbot_lang_en(
    command: list[str], capsys: pytest.CaptureFixture[str], english: None
) -> None:
    code, out, _ = run_main([*command, "--help"], capsys)
    assert code == 0
    assert out.startswith(f"usage: alertbot {' '.join(command)}".rstrip())
    assert "options:" in out
    assert not re.search("[가-힣]", out)


ERRORS = [
    (
        ["fly"],
        "alertbot: 오류: 인수 명령: 잘못된 선택: 'fly' (고를 수 있는 것: 'run', 'demo', 'check',",
        "alertbot: error: argument COMMAND: invalid choice: 'fly' (choose from 'run', 'demo',",
    ),
    (
        ["record"],
        "alertbot record: 오류: 다음 인수가 필요합니다: --out",
        "alertbot record: error: the following arguments are required: --out",
    ),
    (
        ["demo", "--speed", "0"],
        "alertbot demo: 오류: 인수 --speed: 0보다 큰 수여야 합니다 (지금 값: '0')",
        "alertbot demo: error: argument --speed: expected a positive number, got '0'",
    ),
    (
        ["record", "--out", "x.jsonl", "--symbols", "5930"],
        "alertbot record: 오류: 인수 --symbols: 6자리 종목코드가 아닙니다: 5930",
        "alertbot record: error: argument --symbols: not six-character stock codes: 5930",
    ),
    (
        ["run", "--rules"],
        "alertbot run: 오류: 인수 --rules: 값이 하나 필요합니다",
        "alertbot run: error: argument --rules: expected one argument",
    ),
    (
        ["check", "rules", "--strict=yes"],
        "alertbot check: 오류: 인수 --strict: 값을 받지 않는 옵션입니다: 'yes'",
        "alertbot check: error: argument --strict: ignored explicit argument 'yes'",
    ),
    (
        ["replay", "x.jsonl", "--speed", "2", "--as-fast-as-possible"],
        "alertbot replay: 오류: 인수 --as-fast-as-possible: --speed와(과) 함께 쓸 수 없습니다",
        "alertbot replay: error: argument --as-fast-as-possible: not allowed with argument --speed",
    ),
    (
        ["replay", "x.jsonl", "--s"],
        "alertbot replay: 오류: 모호한 옵션: --s (후보: --speed, --send)",
        "alertbot replay: error: ambiguous option: --s could match --speed, --send",
    ),
    (
        ["healthcheck", "now"],
        "alertbot: 오류: 알 수 없는 인수: now",
        "alertbot: error: unrecognized arguments: now",
    ),
]


@pytest.mark.parametrize("lang", [None, "en"])
@pytest.mark.parametrize(("argv", "korean", "english_text"), ERRORS, ids=lambda v: str(v)[:30])
def test_a_usage_error_speaks_alertbot_lang_and_exits_2(
    argv: list[str],
    korean: str,
    english_text: str,
    lang: str | None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Korean with ``ALERTBOT_LANG`` unset, English with ``en``: argparse's usage line and its
    words around alertbot's own error text."""
    usage, said = ("usage: alertbot", english_text) if lang else ("사용법: alertbot", korean)
    i18n.use(lang)
    try:
        code, out, err = run_main(argv, capsys)
    finally:
        i18n.use(None)
    assert code == 2 and out == ""
    assert err.startswith(usage)
    assert err.splitlines()[-1].startswith(said)


def test_the_real_entry_point_says_a_usage_error_in_korean() -> None:
    result = alertbot("record")
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == "alertbot record: 오류: 다음 인수가 필요합니다: --out"


def test_argparse_speaks_english_again_outside_alertbot(capsys: pytest.CaptureFixture[str]) -> None:
    """The catalog's words are lent to argparse for ``main`` only: other parsers keep theirs."""
    run_main(["--help"], capsys)
    with pytest.raises(SystemExit):
        argparse.ArgumentParser(prog="other").parse_args(["--nope"])
    assert "other: error: unrecognized arguments: --nope" in capsys.readouterr().err


@pytest.mark.parametrize("lang", list(i18n.CATALOGS))
def test_each_argparse_word_keeps_argparse_s_placeholders(lang: str) -> None:
    """argparse fills ``%(prog)s``/``%s`` into the text it gets back: a translation that lost
    or renamed one would print a broken line or raise inside argparse."""
    source = inspect.getsource(argparse)
    placeholder = re.compile(r"%(?:\(\w+\))?[sr]")
    i18n.use(lang)
    try:
        for msgid in argparse_words.WORDS:
            assert repr(msgid) in source, f"argparse no longer asks for {msgid!r}"
            said = argparse_words.translate(msgid)
            assert sorted(placeholder.findall(said)) == sorted(placeholder.findall(msgid))
            assert said.replace("%%", "").count("%") == len(placeholder.findall(msgid))
    finally:
        i18n.use(None)


def test_record_without_credentials_says_what_to_set_in_korean(tmp_path: Path) -> None:
    env = environment(without=("KIWOOM_", "LS_", "DART_"))
    out = tmp_path / "day.jsonl"
    result = run_alertbot(
        "record",
        *("--out", str(out), "--rules", "rules"),
        env=env | {"ALERTBOT_STATE": str(tmp_path / "state.db")},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        "alertbot: 증권사 인증 정보가 없어 기록할 피드가 없습니다: KIWOOM_APPKEY와 "
        "KIWOOM_SECRETKEY(또는 KIWOOM_TOKEN), LS_APPKEY와 LS_APPSECRET(또는 LS_TOKEN), "
        "또는 DART_API_KEY를 설정하세요"
    )
    assert not out.exists()


def test_replay_names_a_damaged_line_in_korean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = tmp_path / "day.jsonl"
    recording.write_bytes(b'{"t": "2026-11-20T09:00:01+09:00", "frame": "{}"}\n[1]\n')
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    assert main(["replay", str(recording), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == [
        f"손상된 줄: {recording}:1: 'src'(프레임을 받은 피드)가 없습니다",
        f"손상된 줄: {recording}:2: JSON 객체가 아닙니다",
    ]


def columns(text: str) -> int:
    """How wide ``text`` shows in a terminal (Hangul takes two columns)."""
    return len(text) + sum(unicodedata.east_asian_width(char) in "WF" for char in text)


@pytest.mark.parametrize("command", HELP_PAGES, ids=" ".join)
def test_the_korean_help_lines_up_and_fits_in_terminal_columns(
    command: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Options' helps start in one column, and no line is wider than the terminal, though
    argparse counts characters and a Hangul character takes two columns."""
    monkeypatch.setenv("COLUMNS", "80")
    _, out, _ = run_main([*command, "--help"], capsys)
    assert max(map(columns, out.splitlines())) <= 80
    options = out.split("옵션:\n", 1)[1].splitlines()
    starts = {columns(m[0]) for line in options if (m := re.match(r" +\S+(?: \S+)* {2,}", line))}
    assert len(starts) == 1, options
