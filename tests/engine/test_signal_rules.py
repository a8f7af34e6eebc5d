"""The ``limit`` and ``volume`` rule keys: defaults, and errors at their ``file:line``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from alertbot.engine.rules import RulesError, load_rules
from alertbot.engine.schema import LimitRule, VolumeRule
from tests.engine.support import ruleset, write_rules
from tests.engine.test_schema import FIRST_RULE_LINE


def test_defaults(tmp_path: Path) -> None:
    loaded = ruleset(
        tmp_path,
        """
        - {name: lim, event: limit}
        - {name: vol, event: volume, symbol: "000660", ratio_above: 5}
        - {name: vol10, event: volume, symbols: ["000660"], ratio_above: 2.5, window: 10m}
        """,
    )
    lim, vol, vol10 = (located.rule for located in loaded.rules)
    assert isinstance(lim, LimitRule) and (lim.direction, lim.state) == ("any", "reached")
    assert lim.symbol_set is None  # LS's market-wide feed serves it
    assert isinstance(vol, VolumeRule) and vol.symbol_set == frozenset({"000660"})
    assert (vol.window, vol.window_minutes) == (timedelta(minutes=20), 20)
    assert isinstance(vol10, VolumeRule) and (vol10.ratio_above, vol10.window_minutes) == (2.5, 10)
    assert loaded.cooldown_for(lim) == loaded.cooldown_for(vol) == timedelta(seconds=60)


VOLUME = '- name: a\n  event: volume\n  symbol: "000660"\n  ratio_above: 5\n'
"""A valid volume rule of four lines, to add a key to at offset 4."""

INVALID = [
    # (rules, fragment of the message, line offset from the rule's first line)
    (
        "- name: a\n  event: limit\n  direction: sideways",
        "direction: 'up', 'down', 'any' 중 하나여야",
        2,
    ),
    (
        "- name: a\n  event: limit\n  state: left",
        "state: 'reached', 'released', 'any' 중 하나여야",
        2,
    ),
    ("- name: a\n  event: limit\n  ratio_above: 5", "ratio_above: 알 수 없는 키", 2),
    (
        '- name: a\n  event: volume\n  symbol: "000660"',
        "ratio_above: 꼭 써야 하는 키가 없습니다",
        0,
    ),
    ("- name: a\n  event: volume\n  ratio_above: 5", "volume 규칙에는 symbol:", 0),
    (
        '- name: a\n  event: volume\n  symbol: "000660"\n  ratio_above: 1',
        "ratio_above: 1보다 커야",
        3,
    ),
    (
        '- name: a\n  event: volume\n  symbol: "000660"\n  ratio_above: 큰',
        "ratio_above: 80000 같은 숫자여야",
        3,
    ),
    (VOLUME + "  window: 2m", "3분 이상", 4),
    (VOLUME + "  window: 90s", "window는 분 단위로", 4),
    (VOLUME + "  window: soon", "window: 60s, 5m, 1h 같은 기간이어야", 4),
    (VOLUME + "  windw: 5m", "windw: 알 수 없는 키", 4),
    (
        "- name: a\n  event: volume\n  message: '{price}'",
        "volume 이벤트에는 {price} 필드가 없습니다",
        2,
    ),
    (
        "- name: a\n  event: limit\n  message: '{ratio}'",
        "limit 이벤트에는 {ratio} 필드가 없습니다",
        2,
    ),
]


def test_every_bad_key_is_reported_at_its_line(tmp_path: Path) -> None:
    """All the rules above in one file: each problem at its own rule's key, none lost."""
    rules, expected, line = [], [], FIRST_RULE_LINE
    for n, (rule, fragment, offset) in enumerate(INVALID):
        rules.append(rule.replace("name: a", f"name: r{n}"))
        expected.append((line + offset, fragment))
        line += rule.count("\n") + 1
    path = write_rules(tmp_path, "\n".join(rules))
    with pytest.raises(RulesError) as caught:
        load_rules(tmp_path, env={})
    problems = [(p.line, p.message) for p in caught.value.problems if p.file == str(path)]
    for at, fragment in expected:
        assert any(found == at and fragment in message for found, message in problems), (
            at,
            fragment,
            problems,
        )
