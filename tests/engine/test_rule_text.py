"""Rules mean exactly what the trader typed: stock codes as text, merge keys as YAML defines
them, a file's encoding named when it is not UTF-8, and "no rules" never passing for ok."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest

from alertbot.cli import main
from alertbot.engine.rules import load_rules
from alertbot.engine.yamlsource import RulesError
from tests.engine.support import HEADER, ruleset, write_rules

FIRST_RULE_LINE = 9


@pytest.mark.parametrize(
    ("written", "codes"),
    [
        ("symbol: 000660", {"000660"}),  # YAML 1.1 octal would make it 432
        ("symbol: 035420", {"035420"}),  # … and this 15120
        ("symbol: 005930", {"005930"}),  # 8 and 9 are not octal: YAML 1.1 says int 5930
        ("symbols: [000660, 035420]", {"000660", "035420"}),
        ("symbols:\n    - 000660\n    - '005930'", {"000660", "005930"}),
        ("symbol: 0001A0", {"0001A0"}),  # newer listings carry capital letters
        ("symbol: A005930", {"005930"}),  # as KRX's own lists write it
        ('symbol: " 005930 "', {"005930"}),
    ],
)
def test_codes_are_the_text_typed(tmp_path: Path, written: str, codes: set[str]) -> None:
    [located] = ruleset(tmp_path, f"- name: a\n  event: vi\n  {written}").rules
    assert located.rule.symbol_set == codes


def test_a_news_rule_symbol_list_in_flow_style(tmp_path: Path) -> None:
    [located] = ruleset(tmp_path, "- {name: a, event: news, symbols: [000660, 005380]}").rules
    assert located.rule.symbol_set == {"000660", "005380"}


@pytest.mark.parametrize(
    ("written", "fragment"),
    [
        ('symbol: "5930"', "'5930'은(는) 종목코드가 아닙니다"),
        ("symbol: 5930", "앞의 0까지 쓰세요"),
        ("symbol: 삼성전자", '삼성전자는 "005930"; 종목명은 코드가 아닙니다'),
        ("symbols: [5930, 660]", "symbols[0]: '5930'은(는) 종목코드가 아닙니다"),
        ("symbols: [005930, 660]", "symbols[1]: '660'은(는) 종목코드가 아닙니다"),
        ("symbol: 0001a0", "대문자로 쓰세요"),
        ("symbol: 0005930", "'0005930'은(는) 종목코드가 아닙니다"),
        ("symbol: true", '"005930" 같은 종목코드여야 합니다 (입력: True)'),
        ("symbol: 1e5", "'1e5'은(는) 종목코드가 아닙니다"),
    ],
)
def test_a_wrong_code_is_an_error_at_its_line(tmp_path: Path, written: str, fragment: str) -> None:
    path = write_rules(tmp_path, f"- name: a\n  event: vi\n  {written}")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    problems = caught.value.problems
    assert {(p.file, p.line) for p in problems} == {(str(path), FIRST_RULE_LINE + 2)}
    assert any(fragment in p.message for p in problems), problems


class Listed:
    """A two-stock master, as the names issue's stock list will answer."""

    codes: ClassVar[dict[str, str]] = {"005930": "삼성전자", "000660": "SK하이닉스"}

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def closest(self, code: str) -> list[str]:
        return [f"{name}({c})" for c, name in self.codes.items() if c[:4] == code[:4]]


def test_an_unlisted_code_warns_with_the_closest_names(tmp_path: Path) -> None:
    path = write_rules(tmp_path, "- name: a\n  event: vi\n  symbols: [005930, 005931]")
    loaded = load_rules(tmp_path, env={}, stocks=Listed())
    assert [str(w) for w in loaded.warnings] == [
        f"{path}:{FIRST_RULE_LINE + 2}: 경고: 규칙 'a': 005931은(는) 상장 종목이 아닙니다"
        " (비슷한 종목: 삼성전자(005930))"
    ]
    assert load_rules(tmp_path, env={}).warnings == []  # no stock list at hand: nothing to say


def test_merge_keys_override_as_yaml_defines(tmp_path: Path) -> None:
    text = HEADER + (
        "x-base: &base {event: price, symbol: 005930, cooldown: 5m, above: 80000}\n"
        "rules:\n"
        "  - {<<: *base, name: a}\n"
        "  - {<<: *base, name: b, above: 90000, cooldown: 1m}\n"
        "  - <<: [{event: vi, state: released}, {state: any, symbol: 000660}]\n"
        "    name: c\n"
    )
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    a, b, c = (located.rule for located in load_rules(tmp_path, env={}).rules)
    assert (a.above, a.cooldown.total_seconds(), a.symbol) == (80000, 300, "005930")
    assert (b.above, b.cooldown.total_seconds()) == (90000, 60)
    assert (c.state, c.symbol) == ("released", "000660")  # the first mapping listed wins


def test_a_key_written_twice_is_still_an_error(tmp_path: Path) -> None:
    text = HEADER + "x-base: &base {event: vi}\nrules:\n  - {<<: *base, name: a, name: b}\n"
    (tmp_path / "r.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(
        RulesError, match=r"r\.yaml:10: YAML 문법 오류 \(26번째 칸\): 키 'name'이\(가\) 두 번"
    ):
        load_rules(tmp_path, env={})


KOREAN_RULES = HEADER + (
    "rules:\n"
    "  - {name: vi, event: vi}\n"
    "  # 삼성전자 돌파 알림\n"
    "  - {name: 삼성, event: price, symbol: 005930, above: 80000}\n"
)


def test_a_cp949_file_is_named_and_located(tmp_path: Path) -> None:
    """Windows' default in Korea: the error is at the first Korean line and says what to do."""
    path = tmp_path / "r.yaml"
    path.write_bytes(KOREAN_RULES.encode("cp949"))
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(path), 10)
    assert "cp949(EUC-KR)" in problem.message
    assert "UTF-8로 다시 저장하세요" in problem.message


@pytest.mark.usefixtures("english")
def test_a_cp949_file_is_named_in_english(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_bytes(KOREAN_RULES.encode("cp949"))
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    [problem] = caught.value.problems
    assert (problem.file, problem.line) == (str(path), 10)
    assert "cp949 (EUC-KR): save it as UTF-8" in problem.message


def test_other_bytes_are_not_called_cp949(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_bytes(b"rules:\n  - name: \xff\xfe\xfd\n")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    [problem] = caught.value.problems
    assert problem.line == 2
    assert "cp949" not in problem.message and "UTF-8로 저장하세요" in problem.message


def test_a_utf8_bom_is_fine(tmp_path: Path) -> None:
    (tmp_path / "r.yaml").write_bytes(KOREAN_RULES.encode("utf-8-sig"))
    assert [r.rule.name for r in load_rules(tmp_path, env={}).rules] == ["vi", "삼성"]


def test_dot_files_and_folders_are_not_rules(tmp_path: Path) -> None:
    """Kubernetes ConfigMap layout: ``r.yaml`` → ``..data/r.yaml`` → ``..2026_…/r.yaml``."""
    stamped = tmp_path / "..2026_11_27_08_00_00.123"
    stamped.mkdir()
    write_rules(stamped, "- {name: a, event: vi}", name="r.yaml")
    (tmp_path / "..data").symlink_to(stamped.name)
    (tmp_path / "r.yaml").symlink_to("..data/r.yaml")
    (tmp_path / ".r.yaml.swp").write_text("rules: [", encoding="utf-8")
    assert [r.rule.name for r in load_rules(tmp_path, env={}).rules] == ["a"]


def test_no_rules_loads_as_empty_but_is_an_error_when_rules_are_required(tmp_path: Path) -> None:
    loaded = load_rules(tmp_path, env={})
    assert loaded.empty and loaded.rules == []
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={}, require_rules=True)
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path}:0: {tmp_path}에 규칙 파일(*.yaml, *.yml)이 없습니다:"
        " 아무것도 감시하지 않게 됩니다"
    ]
    (tmp_path / "channels.yaml").write_text(HEADER, encoding="utf-8")
    with pytest.raises(RulesError, match=r"에 규칙이 없습니다: 아무것도 감시하지 않게 됩니다"):
        load_rules(tmp_path, env={}, require_rules=True)


def test_check_on_a_folder_without_rules_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", str(tmp_path)]) == 1
    assert "규칙 파일(*.yaml, *.yml)이 없습니다" in capsys.readouterr().out


def test_listed_stocks_name_the_closest_codes(tmp_path: Path) -> None:
    from alertbot.engine.listed import ListedStocks

    listed = ListedStocks({"005930": "삼성전자", "005935": "삼성전자우", "000660": "SK하이닉스"})
    assert "005930" in listed and "005931" not in listed
    assert set(listed.closest("005931")[:2]) == {"삼성전자(005930)", "삼성전자우(005935)"}
    assert listed.closest("999999") == []
    path = write_rules(tmp_path, "- name: a\n  event: vi\n  symbol: 000600")
    [warning] = load_rules(tmp_path, env={}, stocks=listed).warnings
    assert str(warning).startswith(f"{path}:{FIRST_RULE_LINE + 2}: 경고: 규칙 'a': 000600")
    assert "SK하이닉스(000660)" in warning.message
