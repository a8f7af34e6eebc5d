"""``alertbot check``: usable in a trader's CI — one ``file:line: message`` per problem."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from alertbot.cli import main
from tests.cli_support import environment, run_alertbot
from tests.engine.support import write_rules

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
    assert out == [
        f"{tmp_path}: 이상 없음 — 규칙 3개 (price 2, vi 1, 꺼짐 1), 채널 2개 (console 2)"
    ]


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
        f"{path}:11: 규칙 'a': stat: 알 수 없는 키 (쓸 수 있는 키: active, cooldown, enabled,"
        " event, kind, message, name, notify, state, symbol, symbols)",
        f"{path}:15: 규칙 'b': above: 80000 같은 숫자여야 합니다 (입력: 'lots')",
    ]


def test_missing_variable_is_a_warning_unless_strict(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALERTBOT_TEST_TOKEN", raising=False)
    path = write_rules(tmp_path, "- {name: a, event: vi}", header=TELEGRAM)
    code, out = check(capsys, str(path))
    assert code == 0
    assert out[0] == f"{path}:5: 경고: 환경 변수 ALERTBOT_TEST_TOKEN이(가) 설정되지 않았습니다"
    assert out[1] == f"{path}: 이상 없음 — 규칙 1개 (vi 1), 채널 2개 (console 1, telegram 1)"
    code, out = check(capsys, "--strict", str(path))
    assert code == 1
    assert out == [f"{path}:5: 환경 변수 ALERTBOT_TEST_TOKEN이(가) 설정되지 않았습니다"]


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
    assert out[0] == f"{path}:3: 채널 'phone': chat_id: 꼭 써야 하는 키가 없습니다"
    assert out[1].startswith(f"{path}:6: 채널 'phone': chat: 알 수 없는 키 (쓸 수 있는 키:")
    assert "chat_id, commands" in out[1]
    assert out[2] == f"{path}:7: 채널 'log': color: 알 수 없는 키 (쓸 수 있는 키: 없음)"
    assert out[3].startswith(
        f"{path}:8: 채널 'pager': 알 수 없는 채널 type 'beeper' (쓸 수 있는 값:"
    )
    assert "console, " in out[3] and "telegram" in out[3]


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
    assert out[0] == f"{path}:6: 경고: 환경 변수 ALERTBOT_TEST_CHAT이(가) 설정되지 않았습니다"


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return run_alertbot(*args, env=environment(without=("TELEGRAM_",)))


def test_cli_accepts_the_shipped_rules_without_secrets() -> None:
    result = run_cli("check", "rules")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert (
        lines[0]
        == "rules/example.yaml:36: 경고: 환경 변수 TELEGRAM_BOT_TOKEN이(가) 설정되지 않았습니다"
    )
    assert lines[-1].startswith(
        "rules: 이상 없음 — 규칙 14개 (condition 1, disclosure 1, fill 2, limit 1, market 1,"
        " news 2, price 3, vi 2,"
    )
    strict = run_cli("check", "--strict", "rules")
    assert strict.returncode == 1
    assert "rules/example.yaml:36: 환경 변수 TELEGRAM_BOT_TOKEN이(가) 설정되지 않았습니다" in (
        strict.stdout
    )


def test_cli_rejects_a_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("rules:\n  - name: a\n    event: vi\n    symbols: [\n", encoding="utf-8")
    result = run_cli("check", str(path))
    assert result.returncode == 1
    assert result.stdout == (
        f"{path}:5: YAML 문법 오류 (1번째 칸): 값이 있어야 할 자리에 값이 없습니다:"
        " 괄호와 따옴표가 닫혔는지 보세요\n"
    )


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
        f"{path}:9: 경고: 규칙 'a': 000600은(는) 상장 종목이 아닙니다"
        " (비슷한 종목: SK하이닉스(000660))"
    )
    monkeypatch.setenv("ALERTBOT_STATE", str(tmp_path / "none.db"))
    assert check(capsys, str(rules)) == (0, [out[-1]])
