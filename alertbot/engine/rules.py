"""Loading a folder of rule files into one checked ``RuleSet`` (the models are in ``schema``).

Format: ../shared/DESIGN.md "Rule files". Every ``*.yaml``/``*.yml`` under the path is read;
``channels``, ``defaults`` and ``rules`` may stand in any file; names are unique across files.
Every error names the file, the line and (where there is one) the rule.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol

from pydantic import TypeAdapter, ValidationError

from alertbot.engine import collector
from alertbot.engine.schema import RULE, ChannelSpec, Defaults, KeyProblem, Rule, RuleBase
from alertbot.engine.schema import parse_duration as parse_duration  # ops reads /mute 2h with it
from alertbot.engine.yamlsource import (
    RULE_SUFFIXES,
    VARIABLE,
    Located,
    MissingVariables,
    Problem,
    RulesError,
    Variables,
    load_yaml,
)


@dataclass(frozen=True, slots=True)
class LocatedRule:
    rule: Rule
    file: str
    line: int
    key_lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(frozen=True, slots=True)
class LocatedChannel:
    spec: ChannelSpec
    file: str
    line: int
    unresolved: frozenset[str] = frozenset()
    """Option keys whose value names a ``${VAR}`` that is not set (``check`` without secrets)."""
    key_lines: Mapping[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


@dataclass(slots=True)
class RuleSet:
    """Everything read from the rule files, validated and cross-checked."""

    channels: dict[str, ChannelSpec] = field(default_factory=dict)
    defaults: Defaults = field(default_factory=Defaults)
    rules: list[LocatedRule] = field(default_factory=list)
    channel_sources: dict[str, LocatedChannel] = field(default_factory=dict)
    defaults_at: tuple[str, int] | None = None
    defaults_lines: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)
    """Problems that do not stop the rules (missing ``${VAR}`` when asked to warn)."""

    @property
    def empty(self) -> bool:
        """No rule at all: the bot would watch nothing (``/readyz`` says so)."""
        return not self.rules

    def notify_for(self, rule: RuleBase) -> tuple[str, ...]:
        return tuple(rule.notify if rule.notify is not None else self.defaults.notify)

    def cooldown_for(self, rule: RuleBase) -> timedelta:
        """The rule's own cooldown, else ``defaults.cooldown`` where it applies, else none."""
        if rule.cooldown is not None:
            return rule.cooldown
        return self.defaults.cooldown if rule.DEFAULT_COOLDOWN else timedelta(0)


_NO_KEY_LINES: Mapping[str, int] = MappingProxyType({})


def _off_line(key_lines: Mapping[str, int], line: int) -> Mapping[str, int]:
    """Only the keys that stand on another line than their rule: ``line_of`` gives the rule's
    line for the rest. A rule written on one line (the usual way at 100,000) keeps none."""
    return {key: at for key, at in key_lines.items() if at != line} or _NO_KEY_LINES


def rule_files(path: Path) -> list[Path]:
    """The files a path names: itself, or every ``*.yaml``/``*.yml`` below it, sorted.

    Names starting with ``.`` are skipped, files and folders alike: editors' backups and a
    Kubernetes ConfigMap's ``..data``/``..2026_…`` folders (whose files the visible
    ``rules.yaml`` links already point into) are not rules.
    """
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RulesError([Problem(str(path), 0, "no such file or folder")])
    return sorted(
        file
        for file in path.rglob("*")
        if file.suffix in RULE_SUFFIXES
        and not any(part.startswith(".") for part in file.relative_to(path).parts)
        and file.is_file()
    )


class StockList(Protocol):
    """The listed stocks, where the stock master is at hand (``check`` and the bot)."""

    def __contains__(self, code: object) -> bool: ...

    def closest(self, code: str) -> list[str]:
        """A few listed stocks a mistyped ``code`` may have meant, as ``삼성전자(005930)``."""
        ...


ChannelCheck = Callable[[str, dict[str, Any]], object]
"""Checks one channel's options for its type; raises ``ValueError("key: what; key: what")``.

The engine never imports delivery: the app and ``check`` pass delivery's ``validate_options``.
"""


def load_rules(
    path: Path,
    env: Mapping[str, str] | None = None,
    missing: MissingVariables = "error",
    check_channel: ChannelCheck | None = None,
    *,
    require_rules: bool = False,
    stocks: StockList | None = None,
) -> RuleSet:
    """Read and validate every rule file under ``path``; ``RulesError`` lists all problems.

    ``missing="warning"`` (``alertbot check`` without ``--strict``) lets rules load with a
    ``${VAR}`` unset and puts the problem in ``RuleSet.warnings`` instead.
    ``require_rules`` makes "no rules at all" an error: ``check``, and a reload (an emptied or
    half-written file must not replace working rules with none). At start the bot runs with
    zero rules and says so (``RuleSet.empty``, ``/readyz``).
    ``stocks`` turns a code that is not listed into a warning naming the closest listed ones.
    """
    loader = _Loader(env, missing, check_channel, stocks)
    files = rule_files(path)
    with collector.building():
        for file in files:
            loader.read_file(file)
        if require_rules and not loader.rule_names and not loader.problems:
            what = "no rules in" if files else "no rule files (*.yaml, *.yml) in"
            loader.report(str(path), 0, f"{what} {path}: nothing would be watched")
        return loader.finish()


class _Loader:
    """One load: the rule set being built, its problems, the names seen so far."""

    def __init__(
        self,
        env: Mapping[str, str] | None,
        missing: MissingVariables,
        check: ChannelCheck | None,
        stocks: StockList | None,
    ) -> None:
        self.env = env
        self.missing = missing
        self.check_channel = check
        self.stocks = stocks
        self.ruleset = RuleSet()
        self.problems: list[Problem] = []
        self.rule_names: dict[str, tuple[str, int]] = {}
        """Every rule name with its place, valid rule or not: duplicates are found at once."""

    def report(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def read_file(self, file: Path) -> None:
        display = str(file)
        variables = Variables(os.environ if self.env is None else self.env, self.missing)
        try:
            document = load_yaml(file, display, variables)
        except RulesError as exc:
            self.problems.extend(exc.problems)
            return
        if document is None:
            return
        if not isinstance(document, Located):
            self.report(display, 1, "expected a mapping with channels, defaults, rules")
            return
        found = variables.problems
        self.problems.extend(p for p in found if p.severity == "error")
        self.ruleset.warnings.extend(p for p in found if p.severity == "warning")
        for key in document:
            if key not in ("channels", "defaults", "rules") and not key.startswith("x-"):
                message = f"unknown top-level key {key!r} (shared anchors go under x-…)"
                self.report(display, document.line_of(key), message)
        self.read_channels(document)
        self.read_defaults(document)
        self.read_rules(document)

    def finish(self) -> RuleSet:
        self.cross_check()
        if self.problems:
            raise RulesError(sorted(self.problems, key=lambda p: (p.file, p.line)))
        return self.ruleset

    def read_defaults(self, document: Located) -> None:
        if "defaults" not in document:
            return
        ruleset, line = self.ruleset, document.line_of("defaults")
        if ruleset.defaults_at is not None:
            first = ruleset.defaults_at
            self.report(document.file, line, f"defaults already given at {first[0]}:{first[1]}")
            return
        raw = document["defaults"]
        ruleset.defaults_at = (document.file, line)
        ruleset.defaults_lines = raw.key_lines if isinstance(raw, Located) else {}
        defaults = _validate(Defaults, raw, document.file, line, "defaults", self.problems)
        if defaults is not None:
            ruleset.defaults = defaults

    def read_channels(self, document: Located) -> None:
        channels = document.get("channels")
        if channels is None:
            return
        if not isinstance(channels, Located):
            self.report(document.file, document.line_of("channels"), "channels: expected a mapping")
            return
        for name, spec in channels.items():
            line = channels.line_of(name)
            if name in self.ruleset.channels:
                self.report(document.file, line, f"channel {name!r} is defined twice")
                continue
            label = f"channel {name!r}"
            model = _validate(ChannelSpec, spec, document.file, line, label, self.problems)
            if model is None:
                continue
            unresolved = frozenset(
                key
                for key, value in (spec.items() if isinstance(spec, Located) else ())
                if isinstance(value, str) and VARIABLE.search(value)
            )
            lines = spec.key_lines if isinstance(spec, Located) else {}
            located = LocatedChannel(model, document.file, line, unresolved, lines)
            self.ruleset.channels[name] = model
            self.ruleset.channel_sources[name] = located
            self.check_options(name, located)

    def check_options(self, name: str, channel: LocatedChannel) -> None:
        """The channel's keys for its type. A complaint about a value that still reads
        ``${VAR}`` (``check`` without secrets) is a warning: that value cannot be judged."""
        if self.check_channel is None:
            return
        try:
            self.check_channel(channel.spec.type, channel.spec.options)
        except ValueError as exc:
            for part in str(exc).split("; "):
                key = part.split(":", 1)[0].split(".", 1)[0]
                problem = Problem(channel.file, channel.line_of(key), f"channel {name!r}: {part}")
                if key in channel.unresolved:
                    self.ruleset.warnings.append(replace(problem, severity="warning"))
                else:
                    self.problems.append(problem)

    def read_rules(self, document: Located) -> None:
        rules = document.get("rules")
        if rules is None:
            return
        if not isinstance(rules, list):
            self.report(document.file, document.line_of("rules"), "rules: expected a list")
            return
        for position, raw in enumerate(rules):
            rules[position] = None  # its memory serves the next rule's model: a lower peak
            self.read_rule(document, raw)

    def read_rule(self, document: Located, raw: Any) -> None:
        located_raw = raw if isinstance(raw, Located) else None
        line = located_raw.line if located_raw else document.line_of("rules")
        name = located_raw.get("name") if located_raw else None
        if isinstance(name, str):
            if name in self.rule_names:
                first = self.rule_names[name]
                message = f"rule {name!r}: name already used at {first[0]}:{first[1]}"
                self.report(document.file, line, message)
                return
            self.rule_names[name] = (document.file, line)
        label = f"rule {name!r}" if isinstance(name, str) else "rule"
        rule = _validate(RULE, raw, document.file, line, label, self.problems)
        if rule is not None:
            lines = located_raw.key_lines if located_raw else {}
            located = LocatedRule(rule, document.file, line, _off_line(lines, line))
            self.ruleset.rules.append(located)
            self.check_listed(located)

    def check_listed(self, located: LocatedRule) -> None:
        """A well-formed code that is not listed (a typo, a delisted stock) is a warning."""
        if self.stocks is None:
            return
        line = located.line_of("symbols" if "symbols" in located.key_lines else "symbol")
        for code in sorted(located.rule.symbol_set or ()):
            if code not in self.stocks:
                closest = ", ".join(self.stocks.closest(code)) or "none"
                message = (
                    f"rule {located.rule.name!r}: {code} is not a listed stock (closest: {closest})"
                )
                self.ruleset.warnings.append(Problem(located.file, line, message, "warning"))

    def cross_check(self) -> None:
        """References between files: every channel named must exist."""
        ruleset = self.ruleset
        file, line = ruleset.defaults_at or ("defaults", 0)
        for key in ("notify", "admin"):
            for channel in getattr(ruleset.defaults, key):
                if channel not in ruleset.channels:
                    at = ruleset.defaults_lines.get(key, line)
                    self.report(file, at, f"defaults: {key}: unknown channel {channel!r}")
        for located in ruleset.rules:
            name = located.rule.name
            if not ruleset.notify_for(located.rule):
                message = f"rule {name!r}: no channel: set notify or defaults.notify"
                self.report(located.file, located.line, message)
            for channel in located.rule.notify or ():
                if channel not in ruleset.channels:
                    message = f"rule {name!r}: unknown channel {channel!r}"
                    self.report(located.file, located.line_of("notify"), message)


def _validate(
    model: Any, raw: Any, file: str, line: int, label: str, problems: list[Problem]
) -> Any:
    """Validate ``raw`` with a pydantic model or adapter; report each error at its key's line."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        for error in exc.errors():
            location = [str(part) for part in error["loc"]]
            cause = error.get("ctx", {}).get("error")
            if isinstance(cause, KeyProblem):
                location.append(cause.key)
            # Discriminated unions put the event name first in the location: drop it.
            if location and isinstance(raw, Mapping) and location[0] == str(raw.get("event")):
                location = location[1:]
            key = location[0] if location else ""
            at = raw.line_of(key) if isinstance(raw, Located) and key else line
            where = ".".join(location)
            message = _describe(error)
            problems.append(Problem(file, at, f"{label}: {where + ': ' if where else ''}{message}"))
        return None


def _describe(error: Mapping[str, Any]) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "union_tag_invalid":
        return (
            f"unknown event {error.get('input', {}).get('event')!r}"
            if isinstance(error.get("input"), Mapping)
            else str(error.get("msg"))
        )
    if kind == "union_tag_not_found":
        return "missing key 'event'"
    if kind == "string_type" and isinstance(error.get("input"), bool):
        return "YAML reads on/off/yes/no as true/false: put the text in quotes"
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
