"""Every key of every event kind: what it accepts, and the located error for what it does not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alertbot.engine.rules import load_rules
from alertbot.engine.yamlsource import RulesError
from tests.engine.support import HEADER, ruleset, write_rules

FIRST_RULE_LINE = 9
"""``support.HEADER`` is 8 lines: the first rule's ``- name:`` is line 9."""

VALID = [
    # (rule YAML, attribute, expected value)
    ('{name: a, event: vi, symbol: "005930"}', "symbol_set", frozenset({"005930"})),
    ("{name: a, event: vi, symbols: [005930, A000660]}", "symbol_set", {"005930", "000660"}),
    ("{name: a, event: vi}", "symbol_set", None),
    ("{name: a, event: vi}", "state", "triggered"),
    ("{name: a, event: vi, state: released}", "state", "released"),
    ("{name: a, event: vi, state: any}", "state", "any"),
    ("{name: a, event: vi}", "kind", "any"),
    ("{name: a, event: vi, kind: dynamic}", "kind", "dynamic"),
    ('{name: a, event: price, symbol: "005930", above: 80000}', "above", 80000),
    ('{name: a, event: price, symbol: "005930", below: 70000.5}', "below", 70000.5),
    ('{name: a, event: price, symbol: "005930", change_pct_above: 5}', "change_pct_above", 5),
    ('{name: a, event: price, symbol: "005930", change_pct_below: -5}', "change_pct_below", -5),
    (
        '{name: a, event: price, symbol: "005930", above: 2, change_pct_below: -1}',
        "levels",
        [("above", 2), ("change_pct_below", -1)],
    ),
    ("{name: a, event: condition, condition: 급등주}", "condition", "급등주"),
    ("{name: a, event: condition, seq: 4}", "seq", "4"),
    ("{name: a, event: condition, seq: 4}", "action", "enter"),
    ("{name: a, event: condition, seq: '4', action: any}", "action", "any"),
    ("{name: a, event: fill}", "side", "any"),
    ("{name: a, event: fill}", "status", ["체결"]),
    ("{name: a, event: fill, side: sell, status: 거부}", "status", ["거부"]),
    ("{name: a, event: fill, status: [접수, 취소]}", "status", ["접수", "취소"]),
    ("{name: a, event: market}", "status", ["circuit_breaker", "sidecar"]),
    ("{name: a, event: market, status: [61, session]}", "status", ["61", "session"]),
    ("{name: a, event: market, status: any}", "status", ["any"]),
    ("{name: a, event: market, markets: [kospi, 1, A]}", "markets", ["kospi", "1", "A"]),
    ("{name: a, event: news, keywords: 리튬}", "keywords", ["리튬"]),
    ("{name: a, event: news, keywords: [a, b], exclude: [c]}", "exclude", ["c"]),
    ('{name: a, event: news, symbols: ["005930"]}', "keywords", None),
    ("{name: a, event: vi, cooldown: 90}", "cooldown", timedelta(seconds=90)),
    ("{name: a, event: vi, cooldown: 1h30m}", "cooldown", timedelta(hours=1, minutes=30)),
    ("{name: a, event: vi, cooldown: 2d}", "cooldown", timedelta(days=2)),
    ("{name: a, event: vi, enabled: false}", "enabled", False),
    ("{name: a, event: vi, notify: phone}", "notify", ["phone"]),
    ("{name: a, event: vi, notify: [log, phone]}", "notify", ["log", "phone"]),
    (
        '{name: a, event: vi, message: "{display} {vi_price:,}"}',
        "message",
        "{display} {vi_price:,}",
    ),
]


@pytest.mark.parametrize(("rule", "attribute", "expected"), VALID)
def test_valid_keys(tmp_path: Path, rule: str, attribute: str, expected: object) -> None:
    [located] = ruleset(tmp_path, f"- {rule}").rules
    assert getattr(located.rule, attribute) == expected


def test_active_key_parses(tmp_path: Path) -> None:
    [located] = ruleset(tmp_path, '- {name: a, event: vi, active: "09:00-15:30"}').rules
    assert located.rule.active is not None
    assert located.rule.active.text == "09:00-15:30"


INVALID = [
    # (rules YAML, fragment of the message, line offset from the first rule)
    (
        "- {name: a, event: vi, stat: triggered}",
        "stat: 알 수 없는 키 (쓸 수 있는 키: active, cooldown,",
        0,
    ),
    ("- name: a\n  event: vi\n  stat: triggered", "규칙 'a': stat: 알 수 없는 키", 2),
    (
        "- name: a\n  event: vi\n  state: fired",
        "state: 'triggered', 'released', 'any' 중 하나여야 합니다 (입력: 'fired')",
        2,
    ),
    ("- name: a\n  event: vi\n  kind: both", "kind: 'static', 'dynamic', 'any' 중 하나여야", 2),
    ("- name: a\n  event: volcano", "알 수 없는 event 'volcano' (쓸 수 있는 값: 'vi', 'price',", 0),
    ("- name: a", "'event' 키가 없습니다", 0),
    ("- {event: vi}", "이름 없는 규칙: name: 꼭 써야 하는 키가 없습니다", 0),
    ("- {name: off, event: vi}", "true/false로 읽습니다: 글자로 쓰려면 따옴표로 감싸세요", 0),
    ("- name: a\n  event: vi\n  cooldown: soon", "cooldown: 60s, 5m, 1h 같은 기간이어야", 2),
    ("- name: a\n  event: vi\n  cooldown: -5", "기간이어야 합니다 (입력: -5)", 2),
    ("- name: a\n  event: vi\n  enabled: maybe", "enabled: true나 false여야", 2),
    ("- name: a\n  event: vi\n  symbols: []", "symbols: 1개 이상", 2),
    ("- name: a\n  event: vi\n  symbol: [1, 2]", 'symbol: "005930" 같은 종목코드여야', 2),
    (
        "- name: a\n  event: vi\n  notify: [pager]",
        "알 수 없는 채널 'pager' (정의된 채널: log, phone)",
        2,
    ),
    ("- name: a\n  event: price\n  above: 80000", "price 규칙에는 symbol:", 0),
    (
        '- name: a\n  event: price\n  symbol: "005930"',
        "above, below, change_pct_above, change_pct_below 중 하나가 필요",
        0,
    ),
    (
        '- name: a\n  event: price\n  symbol: "005930"\n  above: "8만"',
        "above: 80000 같은 숫자여야",
        3,
    ),
    ('- name: a\n  event: price\n  symbol: "005930"\n  above: -1', "0보다 커야", 3),
    (
        '- name: a\n  event: price\n  symbol: "005930"\n  above: true',
        "숫자여야 합니다 (입력: True)",
        3,
    ),
    (
        '- name: a\n  event: price\n  symbol: "005930"\n  above: .inf',
        "숫자여야 합니다 (입력: inf)",
        3,
    ),
    ('- name: a\n  event: price\n  symbol: "005930"\n  change_pct_below: .nan', "숫자여야", 3),
    ("- name: a\n  event: condition", "seq: N 중 하나만", 0),
    ("- name: a\n  event: condition\n  condition: x\n  seq: 1", "중 하나만 쓰세요", 0),
    ("- name: a\n  event: condition\n  seq: abc", "seq: 형식", 2),
    (
        "- name: a\n  event: condition\n  seq: 1\n  action: snapshot",
        "action: 'enter', 'exit', 'any' 중",
        3,
    ),
    ("- name: a\n  event: fill\n  side: long", "side: 'buy', 'sell', 'any' 중", 2),
    ("- name: a\n  event: fill\n  status: 완료", "status[0]:", 2),
    ("- name: a\n  event: market\n  status: [halt]", "알 수 없는 status 'halt'", 2),
    ("- name: a\n  event: market\n  markets: [nasdaq]", "알 수 없는 market 'nasdaq'", 2),
    ('- name: a\n  event: market\n  symbol: "005930"', "symbol: 알 수 없는 키", 2),
    ("- name: a\n  event: news\n  keywords: []", "keywords: 1개 이상", 2),
    ("- name: a\n  event: news\n  keywords: ['']", "keywords[0]: 빈 키워드", 2),
    ("- name: a\n  event: news\n  keywords: [리튬, '  ']", "keywords[1]: 빈 키워드는", 2),
    (
        "- name: a\n  event: news\n  keywords: [리튬]\n  exclude: ['\u3000']",
        "exclude[0]: 빈 키워드는",
        3,
    ),
    ("- name: a\n  event: vi\n  active: 9-15", 'active: "HH:MM-HH:MM"', 2),
    ("- name: a\n  event: vi\n  active: 09:00-15:30 someday", "알 수 없는 요일 'someday'", 2),
    ("- name: a\n  event: vi\n  message: '{price}'", "vi 이벤트에는 {price} 필드가 없습니다", 2),
    ("- name: a\n  event: news\n  message: '{title:,}'", "{title:,}을(를) 채울 수 없습니다", 2),
    ("- name: a\n  event: vi\n  message: '{}'", "이름 없는 {} 자리", 2),
    ("- name: a\n  event: vi\n  message: '{display'", "중괄호가 짝이 맞지 않습니다", 2),
    ("- {name: a, event: vi}\n- {name: a, event: fill}", "이름이 이미", 1),
]


@pytest.mark.parametrize(("rules", "fragment", "offset"), INVALID)
def test_invalid_keys_are_located(tmp_path: Path, rules: str, fragment: str, offset: int) -> None:
    path = write_rules(tmp_path, rules)
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    messages = [str(p) for p in caught.value.problems]
    assert any(fragment in m for m in messages), messages
    expected_prefix = f"{path}:{FIRST_RULE_LINE + offset}: "
    assert any(m.startswith(expected_prefix) and fragment in m for m in messages), messages


def test_errors_name_the_rule(tmp_path: Path) -> None:
    write_rules(tmp_path, "- name: samsung\n  event: vi\n  sate: triggered")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    assert "규칙 'samsung'" in str(caught.value)


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    write_rules(tmp_path, "- {name: a, event: vi, x: 1}\n- {name: b, event: fill, side: up}")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    assert len(caught.value.problems) == 2


HEADER_INVALID = [
    # (whole file, fragment, line)
    ("channels:\n  a: {token: x}\nrules: []\n", "채널 'a': type: 꼭 써야 하는 키가 없습니다", 2),
    ("defaults:\n  cooldown: later\n", "defaults: cooldown: 60s, 5m, 1h 같은", 2),
    ("defaults:\n  notify: [nowhere]\n", "defaults: notify: 알 수 없는 채널 'nowhere'", 2),
    ("defaults:\n  admin: [nowhere]\n", "defaults: admin: 알 수 없는 채널 'nowhere'", 2),
    ("defaults:\n  mute: 1\n", "defaults: mute: 알 수 없는 키", 2),
    ("rule:\n  - {name: a, event: vi}\n", "알 수 없는 최상위 키 'rule'", 1),
    ("rules: {name: a}\n", "rules: 규칙의 목록이어야", 1),
    ("- a\n- b\n", "channels, defaults, rules를 담은 매핑이어야", 1),
    ("rules:\n  - name: a\n    event: vi\n    event: fill\n", "키 'event'이(가) 두 번 있습니다", 4),
    ("rules:\n  - name: [a\n", "YAML 문법 오류 (1번째 칸): 2번째 줄에서 '['로 연 목록이 닫히지", 3),
    (
        "rules:\n  - !!python/object:os.system {name: a}\n",
        "태그 !!python/object:os.system은(는) 규칙 파일에서 쓸 수 없습니다",
        2,
    ),
    (
        "channels:\n  t: {type: telegram, token: '${NOPE}', chat_id: 1}\n",
        "환경 변수 NOPE이(가) 설정되지 않았습니다",
        2,
    ),
    ("rules:\n  - {name: a, event: vi}\n", "보낼 채널이 없습니다", 2),
]


@pytest.mark.parametrize(("text", "fragment", "line"), HEADER_INVALID)
def test_file_level_errors(tmp_path: Path, text: str, fragment: str, line: int) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    messages = [str(p) for p in caught.value.problems]
    assert any(m.startswith(f"{path}:{line}: ") and fragment in m for m in messages), messages


def test_names_and_defaults_are_unique_across_files(tmp_path: Path) -> None:
    write_rules(tmp_path, "- {name: a, event: vi}", name="one.yaml")
    write_rules(tmp_path, "- {name: a, event: fill}", header="", name="two.yml")
    (tmp_path / "three.yaml").write_text("defaults: {cooldown: 5s}\n", encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    text = str(caught.value)
    assert f"규칙 'a': 이름이 이미 {tmp_path / 'one.yaml'}:9에서 쓰였습니다" in text
    assert f"defaults가 이미 {tmp_path / 'one.yaml'}:5에 있습니다" in text


def test_files_share_channels_and_defaults(tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text(HEADER, encoding="utf-8")
    (tmp_path / "sub").mkdir()
    write_rules(tmp_path / "sub", "- {name: a, event: vi}", header="")
    loaded = load_rules(tmp_path, env={})
    assert [r.rule.name for r in loaded.rules] == ["a"]
    assert loaded.notify_for(loaded.rules[0].rule) == ("log",)


def test_environment_variables_are_substituted(tmp_path: Path) -> None:
    text = "channels:\n  t: {type: telegram, token: '${TOKEN}', chat_id: '${CHAT}'}\n"
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    loaded = load_rules(tmp_path, env={"TOKEN": "1:abc", "CHAT": "42"})
    assert loaded.channels["t"].options == {"token": "1:abc", "chat_id": "42"}


def test_missing_variable_can_be_a_warning(tmp_path: Path) -> None:
    """``check`` without secrets: the rules load, the value keeps its ``${VAR}`` text."""
    text = "channels:\n  t: {type: telegram, token: '${TOKEN}', chat_id: 1}\n"
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_rules(tmp_path, env={}, missing="warning")
    assert [str(w) for w in loaded.warnings] == [
        f"{path}:2: 경고: 환경 변수 TOKEN이(가) 설정되지 않았습니다"
    ]
    assert loaded.channels["t"].options["token"] == "${TOKEN}"
    assert loaded.channel_sources["t"].unresolved == {"token"}


def test_channel_options_are_checked_by_the_given_check(tmp_path: Path) -> None:
    """Delivery's check is injected; a complaint about a value still reading ``${VAR}``
    (secrets absent in CI) is a warning, any other complaint an error at the key's line."""

    def check(type_: str, options: dict[str, object]) -> None:
        assert type_ == "pager"
        complaints = [] if str(options["number"]).isdigit() else ["number: must be digits"]
        complaints += [f"{key}: unknown key" for key in options if key != "number"]
        if complaints:
            raise ValueError("; ".join(complaints))

    text = "channels:\n  p:\n    type: pager\n    number: ${PAGER}\n    colour: red\n"
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={}, missing="warning", check_channel=check)
    assert [str(p) for p in caught.value.problems] == [f"{path}:5: 채널 'p': colour: unknown key"]
    text = text.replace("    colour: red\n", "")
    path.write_text(text, encoding="utf-8")
    loaded = load_rules(tmp_path, env={}, missing="warning", check_channel=check)
    assert [str(w) for w in loaded.warnings] == [
        f"{path}:4: 경고: 환경 변수 PAGER이(가) 설정되지 않았습니다",
        f"{path}:4: 경고: 채널 'p': number: must be digits",
    ]
    assert loaded.warnings[1].severity == "warning"
    with pytest.raises(RulesError, match="number: must be digits"):
        load_rules(tmp_path, env={"PAGER": "x"}, check_channel=check)
    assert load_rules(tmp_path, env={"PAGER": "5"}, check_channel=check).warnings == []


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="파일이나 폴더가 없습니다"):
        load_rules(tmp_path / "nope", env={})


def test_cooldown_defaults_per_kind(tmp_path: Path) -> None:
    """``defaults.cooldown`` for repeating things; fills and market changes are each news."""
    loaded = ruleset(
        tmp_path,
        """
        - {name: v, event: vi}
        - {name: f, event: fill}
        - {name: m, event: market}
        - {name: f2, event: fill, cooldown: 5s}
        """,
        header=HEADER.replace("admin: [log]", "admin: [log]\n  cooldown: 2m"),
    )
    cooldowns = {r.rule.name: loaded.cooldown_for(r.rule) for r in loaded.rules}
    assert cooldowns == {
        "v": timedelta(minutes=2),
        "f": timedelta(0),
        "m": timedelta(0),
        "f2": timedelta(seconds=5),
    }


def test_fingerprint_changes_with_the_definition_only(tmp_path: Path) -> None:
    def fingerprint(rule: str) -> str:
        return ruleset(tmp_path, f"- {rule}").rules[0].rule.fingerprint

    same = fingerprint('{name: a, event: vi, symbols: ["005930"]}')
    assert same == fingerprint("{name: a, event: vi, symbols: [005930]}")
    assert same != fingerprint('{name: a, event: vi, symbols: ["000660"]}')
    assert same != fingerprint('{name: a, event: vi, symbols: ["005930"], active: "09:00-10:00"}')


def test_example_rules_are_valid() -> None:
    """The shipped ``rules/`` loads and shows every event kind."""
    root = Path(__file__).resolve().parents[2]
    loaded = load_rules(root / "rules", env={}, missing="warning")
    kinds = {located.rule.event for located in loaded.rules}
    assert kinds == {
        "vi",
        "price",
        "condition",
        "fill",
        "market",
        "news",
        "limit",
        "volume",
        "disclosure",
    }


def test_market_names_are_the_ones_the_ls_feed_sends() -> None:
    """The engine cannot import feeds, so the names are listed twice: keep them in step."""
    from alertbot.engine.schema import MARKET_NAMES
    from alertbot.feeds.ls.jstatus import MARKETS
    from alertbot.i18n import CATALOGS

    sent = {name for name, _ in MARKETS.values()}
    assert sent == set(MARKET_NAMES)
    for catalog in CATALOGS.values():
        assert {name for name in sent if f"market.{name}" in catalog} == sent
