"""The rule language: pydantic models for every key, and loading a folder of rule files.

Format: ../shared/DESIGN.md "Rule files". Every ``*.yaml``/``*.yml`` under the path is read;
``channels``, ``defaults`` and ``rules`` may stand in any file; names are unique across files.
Every error names the file, the line and (where there is one) the rule.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
)

from alertbot.engine.yamlsource import Located, Problem, RulesError, load_yaml, substitute

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


def parse_duration(value: Any) -> timedelta:
    """``90``, ``"90s"``, ``"5m"``, ``"1h30m"``, ``"2d"`` → timedelta; anything else is an error."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError("expected a duration such as 60s, 5m or 1h")
    if isinstance(value, int | float) and value >= 0:
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and any(match.groups()):
            days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
            return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    raise ValueError(f"expected a duration such as 60s, 5m or 1h, got {value!r}")


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


def _symbol(value: Any) -> str:
    """Codes are six characters; YAML may have read ``005930`` as the number 5930."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = f"{value:06d}"
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f'expected a stock code such as "005930", got {value!r}')
    code = value.strip().upper()
    return code[1:] if code.startswith("A") and code[1:].isdigit() else code


Symbol = Annotated[str, BeforeValidator(_symbol)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ChannelSpec(BaseModel):
    """A destination. Only ``type`` is checked here; delivery checks the rest per type."""

    model_config = ConfigDict(extra="allow", frozen=True)

    type: str

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class Defaults(_Strict):
    notify: list[str] = Field(default_factory=list)
    admin: list[str] = Field(default_factory=list)
    cooldown: Duration = timedelta(seconds=60)


class RuleBase(_Strict):
    """Keys every rule takes."""

    name: str = Field(min_length=1)
    notify: list[str] | None = None
    cooldown: Duration | None = None
    message: str | None = None
    enabled: bool = True
    symbol: Symbol | None = None
    symbols: list[Symbol] | None = None

    @property
    def symbol_set(self) -> frozenset[str] | None:
        """The symbols this rule is limited to, or None for every symbol."""
        if self.symbol is None and self.symbols is None:
            return None
        return frozenset([*(self.symbols or ()), *([self.symbol] if self.symbol else [])])


class ViRule(RuleBase):
    event: Literal["vi"]
    state: Literal["triggered", "released", "any"] = "triggered"
    kind: Literal["static", "dynamic", "any"] = "any"


Rule = Annotated[ViRule, Field(discriminator="event")]
_RULE = TypeAdapter(Rule)


@dataclass(frozen=True, slots=True)
class LocatedRule:
    rule: ViRule
    file: str
    line: int


@dataclass(slots=True)
class RuleSet:
    """Everything read from the rule files, validated and cross-checked."""

    channels: dict[str, ChannelSpec] = field(default_factory=dict)
    defaults: Defaults = field(default_factory=Defaults)
    rules: list[LocatedRule] = field(default_factory=list)

    def notify_for(self, rule: RuleBase) -> tuple[str, ...]:
        return tuple(rule.notify if rule.notify is not None else self.defaults.notify)


def rule_files(path: Path) -> list[Path]:
    """The files a path names: itself, or every ``*.yaml``/``*.yml`` below it, sorted."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise RulesError([Problem(str(path), 0, "no such file or folder")])
    return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def load_rules(path: Path, env: Mapping[str, str] | None = None) -> RuleSet:
    """Read and validate every rule file under ``path``; ``RulesError`` lists all problems."""
    problems: list[Problem] = []
    ruleset = RuleSet()
    defaults_seen: tuple[str, int] | None = None
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
        substitute(document, env, (display, 1), problems)
        for key in document:
            if key not in ("channels", "defaults", "rules"):
                problems.append(
                    Problem(display, document.line_of(key), f"unknown top-level key {key!r}")
                )
        _read_channels(document, ruleset, problems)
        if "defaults" in document:
            if defaults_seen:
                problems.append(
                    Problem(
                        display,
                        document.line_of("defaults"),
                        f"defaults already given at {defaults_seen[0]}:{defaults_seen[1]}",
                    )
                )
            else:
                defaults_seen = (display, document.line_of("defaults"))
                ruleset.defaults = (
                    _validate(
                        Defaults,
                        document["defaults"],
                        display,
                        defaults_seen[1],
                        "defaults",
                        problems,
                    )
                    or ruleset.defaults
                )
        _read_rules(document, ruleset, problems)
    _cross_check(ruleset, problems)
    if problems:
        raise RulesError(problems)
    return ruleset


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
        rule = _validate(_RULE, raw, document.file, line, label, problems)
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
        located = LocatedRule(rule, document.file, line)
        names[rule.name] = located
        ruleset.rules.append(located)


def _cross_check(ruleset: RuleSet, problems: list[Problem]) -> None:
    """References between files: every channel named must exist."""
    for located in ruleset.rules:
        for channel in ruleset.notify_for(located.rule):
            if channel not in ruleset.channels:
                problems.append(
                    Problem(
                        located.file,
                        located.line,
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
