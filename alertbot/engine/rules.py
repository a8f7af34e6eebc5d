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
from alertbot.engine.invalid import describe, key_path
from alertbot.engine.schema import (
    RULE,
    RULE_MODELS,
    ChannelSpec,
    Defaults,
    KeyProblem,
    Rule,
    RuleBase,
)
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
from alertbot.i18n import t


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
        raise RulesError([Problem(str(path), 0, t("check.no_path"))])
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
            loader.report(
                str(path), 0, t("check.no_rules" if files else "check.no_rule_files", path=path)
            )
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
            self.report(display, 1, t("check.not_mapping"))
            return
        found = variables.problems
        self.problems.extend(p for p in found if p.severity == "error")
        self.ruleset.warnings.extend(p for p in found if p.severity == "warning")
        for key in document:
            if key not in ("channels", "defaults", "rules") and not key.startswith("x-"):
                self.report(display, document.line_of(key), t("check.top_level_key", key=key))
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
            file, at = ruleset.defaults_at
            self.report(document.file, line, t("check.defaults_twice", file=file, line=at))
            return
        raw = document["defaults"]
        ruleset.defaults_at = (document.file, line)
        ruleset.defaults_lines = raw.key_lines if isinstance(raw, Located) else {}
        defaults = _validate(Defaults, raw, document.file, line, _at_key("defaults"), self.problems)
        if defaults is not None:
            ruleset.defaults = defaults

    def read_channels(self, document: Located) -> None:
        channels = document.get("channels")
        if channels is None:
            return
        if not isinstance(channels, Located):
            self.report(
                document.file, document.line_of("channels"), t("check.channels_not_mapping")
            )
            return
        for name, spec in channels.items():
            line = channels.line_of(name)
            if name in self.ruleset.channels:
                self.report(document.file, line, t("check.channel_twice", channel=name))
                continue
            about = _about_channel(name)
            model = _validate(ChannelSpec, spec, document.file, line, about, self.problems)
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
                message = t("check.channel", channel=name, problem=part)
                problem = Problem(channel.file, channel.line_of(key), message)
                if key in channel.unresolved:
                    self.ruleset.warnings.append(replace(problem, severity="warning"))
                else:
                    self.problems.append(problem)

    def read_rules(self, document: Located) -> None:
        rules = document.get("rules")
        if rules is None:
            return
        if not isinstance(rules, list):
            self.report(document.file, document.line_of("rules"), t("check.rules_not_list"))
            return
        for position, raw in enumerate(rules):
            rules[position] = None  # its memory serves the next rule's model: a lower peak
            self.read_rule(document, raw)

    def read_rule(self, document: Located, raw: Any) -> None:
        located_raw = raw if isinstance(raw, Located) else None
        line = located_raw.line if located_raw else document.line_of("rules")
        name = located_raw.get("name") if located_raw else None
        about = _about_rule(name if isinstance(name, str) else None)
        if isinstance(name, str):
            if name in self.rule_names:
                file, at = self.rule_names[name]
                self.report(document.file, line, about(t("check.name_used", file=file, line=at)))
                return
            self.rule_names[name] = (document.file, line)
        rule = _validate(RULE, raw, document.file, line, about, self.problems)
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
                closest = ", ".join(self.stocks.closest(code)) or t("word.none")
                listed = t("check.not_listed", code=code, closest=closest)
                message = _about_rule(located.rule.name)(listed)
                self.ruleset.warnings.append(Problem(located.file, line, message, "warning"))

    def cross_check(self) -> None:
        """References between files: every channel named must exist."""
        ruleset = self.ruleset
        file, line = ruleset.defaults_at or ("defaults", 0)
        known = ", ".join(ruleset.channels) or t("word.none")
        for key in ("notify", "admin"):
            for channel in getattr(ruleset.defaults, key):
                if channel not in ruleset.channels:
                    at = ruleset.defaults_lines.get(key, line)
                    message = t("check.defaults_channel", key=key, channel=channel, known=known)
                    self.report(file, at, message)
        for located in ruleset.rules:
            about = _about_rule(located.rule.name)
            if not ruleset.notify_for(located.rule):
                self.report(located.file, located.line, about(t("check.no_channel")))
            for channel in located.rule.notify or ():
                if channel not in ruleset.channels:
                    message = about(t("check.unknown_channel", channel=channel, known=known))
                    self.report(located.file, located.line_of("notify"), message)


About = Callable[[str], str]
"""Puts a problem in its place's words: ``규칙 'a': …``, ``채널 'phone': …``."""


def _about_rule(name: str | None) -> About:
    if name is None:
        return lambda problem: t("check.rule_unnamed", problem=problem)
    return lambda problem: t("check.rule", rule=name, problem=problem)


def _about_channel(name: str) -> About:
    return lambda problem: t("check.channel", channel=name, problem=problem)


def _at_key(key: str) -> About:
    return lambda problem: t("check.at_key", key=key, problem=problem)


def _validate(
    model: Any, raw: Any, file: str, line: int, about: About, problems: list[Problem]
) -> Any:
    """Validate ``raw`` with a pydantic model or adapter; report each error at its key's line."""
    adapter = model if isinstance(model, TypeAdapter) else TypeAdapter(model)
    try:
        return adapter.validate_python(raw)
    except ValidationError as exc:
        keys = _keys_of(model, raw)
        for error in exc.errors():
            location = list(error["loc"])
            cause = error.get("ctx", {}).get("error")
            if isinstance(cause, KeyProblem):
                location.append(cause.key)
            # Discriminated unions put the event name first in the location: drop it.
            if location and isinstance(raw, Mapping) and location[0] == str(raw.get("event")):
                location = location[1:]
            key = str(location[0]) if location else ""
            at = raw.line_of(key) if isinstance(raw, Located) and key else line
            message = describe(error, keys)
            if location:
                message = t("check.at_key", key=key_path(location), problem=message)
            problems.append(Problem(file, at, about(message)))
        return None


def _keys_of(model: Any, raw: Any) -> list[str]:
    """The keys ``raw`` may have: its event kind's, for a rule."""
    if model is RULE:
        event = raw.get("event") if isinstance(raw, Mapping) else None
        kind = RULE_MODELS.get(event) if isinstance(event, str) else None
        return list(kind.model_fields) if kind else []
    return list(model.model_fields)
