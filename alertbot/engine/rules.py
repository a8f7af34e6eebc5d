"""Loading a folder of rule files into one checked ``RuleSet`` (the models are in ``schema``).

Format: ../shared/DESIGN.md "Rule files". Every ``*.yaml``/``*.yml`` under the path is read;
``channels``, ``defaults`` and ``rules`` may stand in any file; names are unique across files.
Every error names the file, the line and (where there is one) the rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from alertbot.engine.schema import RULE, ChannelSpec, Defaults, Rule, RuleBase
from alertbot.engine.yamlsource import (
    VARIABLE,
    Located,
    MissingVariables,
    Problem,
    RulesError,
    load_yaml,
    substitute,
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

    def notify_for(self, rule: RuleBase) -> tuple[str, ...]:
        return tuple(rule.notify if rule.notify is not None else self.defaults.notify)

    def cooldown_for(self, rule: RuleBase) -> timedelta:
        """The rule's own cooldown, else ``defaults.cooldown`` where it applies, else none."""
        if rule.cooldown is not None:
            return rule.cooldown
        return self.defaults.cooldown if rule.DEFAULT_COOLDOWN else timedelta(0)


def rule_files(path: Path) -> list[Path]:
    """The files a path names: itself, or every ``*.yaml``/``*.yml`` below it, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RulesError([Problem(str(path), 0, "no such file or folder")])
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_rules(
    path: Path, env: Mapping[str, str] | None = None, missing: MissingVariables = "error"
) -> RuleSet:
    """Read and validate every rule file under ``path``; ``RulesError`` lists all problems.

    ``missing="warning"`` (``alertbot check`` without ``--strict``) lets rules load with a
    ``${VAR}`` unset and puts the problem in ``RuleSet.warnings`` instead.
    """
    problems: list[Problem] = []
    ruleset = RuleSet()
    for file in rule_files(path):
        display = str(file)
        try:
            document = load_yaml(file, display)
        except RulesError as exc:
            problems.extend(exc.problems)
            continue
        if document is None:
            continue
        if not isinstance(document, Located):
            problems.append(
                Problem(display, 1, "expected a mapping with channels, defaults, rules")
            )
            continue
        found: list[Problem] = []
        substitute(document, env, (display, 1), found, missing)
        problems.extend(p for p in found if p.severity == "error")
        ruleset.warnings.extend(p for p in found if p.severity == "warning")
        for key in document:
            if key not in ("channels", "defaults", "rules"):
                problems.append(
                    Problem(display, document.line_of(key), f"unknown top-level key {key!r}")
                )
        _read_channels(document, ruleset, problems)
        _read_defaults(document, ruleset, problems)
        _read_rules(document, ruleset, problems)
    _cross_check(ruleset, problems)
    if problems:
        raise RulesError(problems)
    return ruleset


def _read_defaults(document: Located, ruleset: RuleSet, problems: list[Problem]) -> None:
    if "defaults" not in document:
        return
    line = document.line_of("defaults")
    if ruleset.defaults_at is not None:
        first = ruleset.defaults_at
        problems.append(
            Problem(document.file, line, f"defaults already given at {first[0]}:{first[1]}")
        )
        return
    ruleset.defaults_at = (document.file, line)
    if isinstance(document["defaults"], Located):
        ruleset.defaults_lines = document["defaults"].key_lines
    defaults = _validate(Defaults, document["defaults"], document.file, line, "defaults", problems)
    if defaults is not None:
        ruleset.defaults = defaults


def _read_channels(document: Located, ruleset: RuleSet, problems: list[Problem]) -> None:
    channels = document.get("channels")
    if channels is None:
        return
    if not isinstance(channels, Located):
        problems.append(
            Problem(document.file, document.line_of("channels"), "channels: expected a mapping")
        )
        return
    for name, spec in channels.items():
        line = channels.line_of(name)
        if name in ruleset.channels:
            problems.append(Problem(document.file, line, f"channel {name!r} is defined twice"))
            continue
        model = _validate(ChannelSpec, spec, document.file, line, f"channel {name!r}", problems)
        if model is not None:
            ruleset.channels[name] = model
            unresolved = frozenset(
                key
                for key, value in (spec.items() if isinstance(spec, Located) else ())
                if isinstance(value, str) and VARIABLE.search(value)
            )
            lines = spec.key_lines if isinstance(spec, Located) else {}
            located = LocatedChannel(model, document.file, line, unresolved, lines)
            ruleset.channel_sources[name] = located


def _read_rules(document: Located, ruleset: RuleSet, problems: list[Problem]) -> None:
    rules = document.get("rules")
    if rules is None:
        return
    if not isinstance(rules, list):
        problems.append(Problem(document.file, document.line_of("rules"), "rules: expected a list"))
        return
    names = {r.rule.name: r for r in ruleset.rules}
    for raw in rules:
        line = raw.line if isinstance(raw, Located) else document.line_of("rules")
        label = f"rule {raw.get('name')!r}" if isinstance(raw, Located) else "rule"
        rule = _validate(RULE, raw, document.file, line, label, problems)
        if rule is None:
            continue
        if rule.name in names:
            first = names[rule.name]
            problems.append(
                Problem(
                    document.file,
                    line,
                    f"rule {rule.name!r}: name already used at {first.file}:{first.line}",
                )
            )
            continue
        lines = raw.key_lines if isinstance(raw, Located) else {}
        located = LocatedRule(rule, document.file, line, lines)
        names[rule.name] = located
        ruleset.rules.append(located)


def _cross_check(ruleset: RuleSet, problems: list[Problem]) -> None:
    """References between files: every channel named must exist."""
    file, line = ruleset.defaults_at or ("defaults", 0)
    for key in ("notify", "admin"):
        for channel in getattr(ruleset.defaults, key):
            if channel not in ruleset.channels:
                at = ruleset.defaults_lines.get(key, line)
                problems.append(Problem(file, at, f"defaults: {key}: unknown channel {channel!r}"))
    for located in ruleset.rules:
        if not ruleset.notify_for(located.rule):
            problems.append(
                Problem(
                    located.file,
                    located.line,
                    f"rule {located.rule.name!r}: no channel: set notify or defaults.notify",
                )
            )
        for channel in located.rule.notify or ():
            if channel not in ruleset.channels:
                problems.append(
                    Problem(
                        located.file,
                        located.line_of("notify"),
                        f"rule {located.rule.name!r}: unknown channel {channel!r}",
                    )
                )


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
    message = str(error.get("msg", "invalid"))
    return message.removeprefix("Value error, ")
