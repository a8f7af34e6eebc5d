"""``alertbot check``: usable in a trader's CI — one ``file:line: message`` per problem."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from alertbot.cli import main
from tests.engine.support import write_rules

ROOT = Path(__file__).resolve().parents[2]

TELEGRAM = """
channels:
  phone:
    type: telegram
    token: ${ALERTBOT_TEST_TOKEN}
    chat_id: "42"
  log: {type: console}
defaults:
  notify: [phone]
"""


def check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["check", *args])
    return code, capsys.readouterr().out.splitlines()


def test_valid_rules_print_one_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_rules(
        tmp_path,
        """
        - {name: a, event: vi}
        - {name: b, event: price, symbol: "005930", above: 1}
        - {name: c, event: price, symbol: "005930", below: 1, enabled: false}
        """,
    )
    code, out = check(capsys, str(tmp_path))
    assert code == 0
    assert out == [f"{tmp_path}: ok — 3 rules (price 2, vi 1, 1 disabled), 2 channels (console 2)"]


def test_errors_one_line_each_with_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_rules(
        tmp_path,
        """
        - name: a
          event: vi
          stat: triggered
        - name: b
          event: price
          symbol: "005930"
          above: lots
        """,
    )
    code, out = check(capsys, str(path))
    assert code == 1
    assert out == [
        f"{path}:11: rule 'a': stat: unknown key",
        f"{path}:15: rule 'b': above: expected a number such as 80000, got 'lots'",
    ]


def test_missing_variable_is_a_warning_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERTBOT_TEST_TOKEN", raising=False)
    path = write_rules(tmp_path, "- {name: a, event: vi}", header=TELEGRAM)
    code, out = check(capsys, str(path))
    assert code == 0
    assert out[0] == f"{path}:5: warning: environment variable ALERTBOT_TEST_TOKEN is not set"
    assert out[1].startswith(f"{path}: ok — 1 rules (vi 1), 2 channels (console 1, telegram 1)")
    code, out = check(capsys, "--strict", str(path))
    assert code == 1
    assert out == [f"{path}:5: environment variable ALERTBOT_TEST_TOKEN is not set"]


def test_channel_keys_are_checked_for_their_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALERTBOT_TEST_TOKEN", "1:x")
    header = TELEGRAM.replace('chat_id: "42"', 'chat: "42"').replace(
        "log: {type: console}", "log: {type: console, color: red}\n  pager: {type: beeper}"
    )
    path = write_rules(tmp_path, "- {name: a, event: vi}", header=header)
    code, out = check(capsys, str(path))
    assert code == 1
    assert out[0] == f"{path}:3: channel 'phone': chat_id: Field required"
    assert out[1] == f"{path}:6: channel 'phone': chat: unknown key"
    assert out[2] == f"{path}:7: channel 'log': color: unknown key"
    assert out[3].startswith(f"{path}:8: channel 'pager': unknown channel type 'beeper'")


def test_an_unset_chat_id_only_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI without secrets: the channel is otherwise valid, so ``check`` passes."""
    monkeypatch.delenv("ALERTBOT_TEST_CHAT", raising=False)
    monkeypatch.setenv("ALERTBOT_TEST_TOKEN", "1:x")
    header = TELEGRAM.replace('chat_id: "42"', "chat_id: ${ALERTBOT_TEST_CHAT}")
    path = write_rules(tmp_path, "- {name: a, event: vi}", header=header)
    code, out = check(capsys, str(path))
    assert code == 0, out
    assert out[0] == f"{path}:6: warning: environment variable ALERTBOT_TEST_CHAT is not set"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    return subprocess.run(
        [sys.executable, "-m", "alertbot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_accepts_the_shipped_rules_without_secrets() -> None:
    result = run_cli("check", "rules")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "rules/example.yaml:36: warning: environment variable TELEGRAM_BOT_TOKEN is not set"
    )
    assert lines[-1].startswith(
        "rules: ok — 14 rules (condition 1, disclosure 1, fill 2, limit 1, market 1, news 2,"
        " price 3, vi 2,"
    )
    strict = run_cli("check", "--strict", "rules")
    assert strict.returncode == 1
    assert "rules/example.yaml:36: environment variable TELEGRAM_BOT_TOKEN is not set" in (
        strict.stdout
    )


def test_cli_rejects_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - name: a\n    event: vi\n    symbols: [\n", encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert result.stdout.startswith(f"{path}:5: YAML: ")


def test_check_warns_of_unlisted_codes_when_the_stock_master_is_at_hand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from alertbot.state import StateDB
    from alertbot.stocks.book import Stock
    from alertbot.stocks.store import StockStore

    state = tmp_path / "state.db"
    db = StateDB(state)
    StockStore(db).save([Stock("005930", "삼성전자"), Stock("000660", "SK하이닉스")], 0.0)
    db.close()
    rules = tmp_path / "rules"
    rules.mkdir()
    path = write_rules(rules, "- {name: a, event: vi, symbols: [005930, 000600]}")
    monkeypatch.setenv("ALERTBOT_STATE", str(state))
    code, out = check(capsys, str(rules))
    assert code == 0
    assert out[0] == (
        f"{path}:9: warning: rule 'a': 000600 is not a listed stock (closest: SK하이닉스(000660))"
    )
    monkeypatch.setenv("ALERTBOT_STATE", str(tmp_path / "none.db"))
    assert check(capsys, str(rules)) == (0, [out[-1]])
