"""Reading rule YAML with line numbers and ``${VAR}`` substitution.

``yaml.SafeLoader`` only (no Python object tags). Every mapping comes back as a ``Located``
dict that remembers the line of itself and of each key, so that any later error can say
``file:line: message`` — the one format ``alertbot check`` promises.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

RULE_SUFFIXES = (".yaml", ".yml")

VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a rule file, already located."""

    file: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {prefix}{self.message}"


class RulesError(Exception):
    """The rules cannot be used; ``problems`` says every place and why."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


class Located(dict[str, Any]):
    """A YAML mapping that knows where it and each of its keys stand in the file."""

    file: str = ""
    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it: a 100,000-rule folder parses in seconds, not a minute.
Both keep node marks (line numbers) and construct only safe types."""


SYMBOL_KEYS = frozenset({"symbol", "symbols"})
"""Keys whose values are stock codes: text exactly as typed, whatever YAML would make of it."""

_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MERGE_TAG = "tag:yaml.org,2002:merge"


class _LineLoader(_SafeLoader):  # type: ignore[valid-type, misc]
    """A safe loader whose mappings are ``Located``."""

    filename = ""

    def construct_located(self, node: yaml.MappingNode) -> Located:
        mapping = Located()
        mapping.file = self.filename
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        yield mapping
        explicit = sum(key.tag != _MERGE_TAG for key, _ in node.value)
        self.flatten_mapping(node)
        merged = len(node.value) - explicit  # ``<<: *base`` pairs come first
        written: set[str] = set()
        for position, (key_node, value_node) in enumerate(node.value):
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, str):
                key = str(key)
            if position < merged:
                if key in mapping:  # of several merged mappings, the first listed wins
                    continue
            elif key in written:
                raise yaml.MarkedYAMLError(
                    problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
                )
            else:
                written.add(key)
            mapping.key_lines[key] = key_node.start_mark.line + 1
            if key in SYMBOL_KEYS:
                mapping[key] = self.construct_code(value_node)
            else:
                mapping[key] = self.construct_object(value_node, deep=True)

    def construct_code(self, node: yaml.Node) -> Any:
        """Stock codes as typed: unquoted ``000660`` is the text "000660", not YAML 1.1's
        octal 432, and ``5930`` stays "5930" (so it can be refused as too short)."""
        if isinstance(node, yaml.ScalarNode) and node.tag in _NUMBER_TAGS:
            return node.value
        if isinstance(node, yaml.SequenceNode):
            return [self.construct_code(item) for item in node.value]
        return self.construct_object(node, deep=True)


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _LineLoader.construct_located,  # type: ignore[arg-type]
)


def load_yaml(path: Path, display: str) -> Any:
    """Parse one file; a syntax error becomes a ``RulesError`` with its line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RulesError([Problem(display, 1, f"cannot read: {exc.strerror or exc}")]) from None
    text = decode(data, display)
    loader = _LineLoader(text)
    loader.filename = display
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise RulesError([Problem(display, line, f"YAML: {exc.problem or exc}")]) from None
    except yaml.YAMLError as exc:
        raise RulesError([Problem(display, 1, f"YAML: {exc}")]) from None
    finally:
        loader.dispose()


def decode(data: bytes, display: str) -> str:
    """UTF-8 (a BOM from Notepad is fine). Anything else is an error at the first line that is
    not UTF-8, and a file saved in cp949/EUC-KR (Windows' default in Korea) is named as such."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    if _is_cp949_korean(data):
        message = (
            "이 파일은 cp949(EUC-KR)로 저장되어 있습니다. 편집기에서 UTF-8로 다시 저장하세요"
            " (메모장: 다른 이름으로 저장 → 인코딩 UTF-8) — file is cp949/EUC-KR: save as UTF-8"
        )
    else:
        message = "이 파일은 UTF-8이 아닙니다. 편집기에서 UTF-8로 저장하세요 (save as UTF-8)"
    raise RulesError([Problem(display, line, message)])


def _is_cp949_korean(data: bytes) -> bool:
    """Whether ``data`` reads as cp949 text with Hangul in it (not just any bytes it accepts)."""
    try:
        text = data.decode("cp949")
    except UnicodeDecodeError:
        return False
    return any("\uac00" <= char <= "\ud7a3" for char in text)


MissingVariables = Literal["error", "warning"]
"""What a ``${VAR}`` that is not set is: an error when the bot runs or reloads (a rule
without its secret cannot work), a warning for ``alertbot check`` in a CI job or container
that has no secrets (the text stays ``${VAR}``)."""


def substitute(
    value: Any,
    env: Mapping[str, str] | None,
    where: tuple[str, int],
    problems: list[Problem],
    missing: MissingVariables = "error",
) -> Any:
    """Replace ``${VAR}`` in every string, recursively; a missing variable is a problem."""
    env = os.environ if env is None else env
    if isinstance(value, Located):
        for key in list(value):
            at = (value.file, value.line_of(key))
            value[key] = substitute(value[key], env, at, problems, missing)
        return value
    if isinstance(value, list):
        return [substitute(item, env, where, problems, missing) for item in value]
    if isinstance(value, str) and "${" in value:

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in env:
                return env[name]
            message = f"environment variable {name} is not set"
            problems.append(Problem(where[0], where[1], message, missing))
            return match.group(0) if missing == "warning" else ""

        return VARIABLE.sub(replace, value)
    return value
