"""The message catalog: every key in both languages, the same fields, every use resolvable.

Code asks for text with ``t("key", field=…)`` (or ``template``/``lookup``); this test reads
the source, so a key used but missing, a field the caller does not pass, or a text nobody
uses any more fails here rather than as a broken message in front of a trader.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from alertbot import i18n
from alertbot.events import EVENT_TYPES
from alertbot.i18n import CATALOGS, MARKET_STATUS, fields_of

SOURCE = Path(i18n.__file__).resolve().parent.parent
LOOKUPS = {"t", "template", "lookup"}


def calls() -> list[tuple[str, ast.Call]]:
    """Every ``t(...)``/``template(...)``/``lookup(...)`` call in alertbot, with its file."""
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if path.parent.name == "i18n" and path.stem in CATALOGS:
            continue  # the catalogs themselves
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in LOOKUPS:
                found.append((f"{path.relative_to(SOURCE)}:{node.lineno}", node))
    return found


def constants(node: ast.expr) -> list[str]:
    """The literal keys an argument may be: ``"a"``, or both sides of ``"a" if x else "b"``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return constants(node.body) + constants(node.orelse)
    return []


def literal_keys() -> dict[str, list[tuple[str, ast.Call]]]:
    keys: dict[str, list[tuple[str, ast.Call]]] = {}
    for where, node in calls():
        for key in constants(node.args[0]) if node.args else []:
            keys.setdefault(key, []).append((where, node))
    return keys


def dynamic_prefixes() -> set[str]:
    """``t(f"vi.state.{state}")`` → ``vi.state.``: keys built from data at run time."""
    prefixes = set()
    for _, node in calls():
        if node.args and isinstance(node.args[0], ast.JoinedStr):
            first = node.args[0].values[0]
            if isinstance(first, ast.Constant):
                prefixes.add(first.value)
    return prefixes


def test_both_languages_have_the_same_keys_and_fields() -> None:
    ko, en = CATALOGS["ko"], CATALOGS["en"]
    assert sorted(set(ko) ^ set(en)) == []
    different = [key for key in ko if fields_of(ko[key]) != fields_of(en[key])]
    assert different == []
    assert set(MARKET_STATUS["ko"]) == set(MARKET_STATUS["en"])


@pytest.mark.parametrize("lang", list(CATALOGS))
def test_every_text_formats(lang: str) -> None:
    """Each text parses as a format string (no stray brace) and fills from its own fields."""
    for key, text in CATALOGS[lang].items():
        sample = dict.fromkeys(fields_of(text), 0)
        try:
            text.format(**sample)
        except (ValueError, KeyError, IndexError) as exc:
            pytest.fail(f"{lang} {key}: {exc}")


def test_every_key_the_code_asks_for_exists_with_the_fields_it_passes() -> None:
    catalog = CATALOGS["ko"]
    problems = []
    for key, uses in literal_keys().items():
        if key not in catalog:
            problems.append(f"{uses[0][0]}: no catalog key {key!r}")
            continue
        for where, node in uses:
            if getattr(node.func, "id", None) != "t":
                continue
            if any(k.arg is None for k in node.keywords):
                continue  # t(key, **fields): checked where the fields are built
            passed = {k.arg for k in node.keywords}
            if missing := fields_of(catalog[key]) - passed:
                problems.append(f"{where}: {key!r} needs {sorted(missing)}")
    assert problems == []


def test_every_key_is_used() -> None:
    used, prefixes = set(literal_keys()), dynamic_prefixes()
    unused = [k for k in CATALOGS["ko"] if k not in used and not k.startswith(tuple(prefixes))]
    assert unused == []


def test_every_event_kind_has_a_message_and_a_summary() -> None:
    for catalog in CATALOGS.values():
        for kind in EVENT_TYPES:
            assert f"alert.{kind}" in catalog and f"summary.{kind}" in catalog


def test_the_language_follows_alertbot_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALERTBOT_LANG", "en")
    i18n.use(None)
    try:
        assert i18n.t("vi.state.triggered") == "triggered"
        monkeypatch.delenv("ALERTBOT_LANG")
        i18n.use(None)
        assert i18n.t("vi.state.triggered") == "발동"
        with pytest.raises(ValueError, match="unknown language"):
            i18n.use("fr")
    finally:
        i18n.use(None)


SAME_WORDS_OTHER_MEANING = {
    frozenset({"condition.exit", "limit.state.released"}),  # 이탈: a list's exit, a limit's
    frozenset({"setup.telegram.kind.group", "setup.telegram.kind.supergroup"}),  # by chat type
}


def test_one_text_one_key() -> None:
    """The same words in both languages under two keys are one text kept twice: they drift
    apart the first time one is reworded (four copies of "없음" were found and merged)."""
    ko, en = CATALOGS["ko"], CATALOGS["en"]
    keys_of: dict[tuple[str, str], set[str]] = {}
    for key in ko:
        keys_of.setdefault((ko[key], en[key]), set()).add(key)
    twice = [keys for keys in keys_of.values() if len(keys) > 1]
    assert [keys for keys in twice if frozenset(keys) not in SAME_WORDS_OTHER_MEANING] == []
