"""Reading rule YAML with line numbers and ``${VAR}`` substitution.

``yaml.SafeLoader`` only (no Python object tags). Every mapping comes back as a ``Located``
dict that remembers the line of itself and of each key, so that any later error can say
``file:line: message`` — the one format ``alertbot check`` promises.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from alertbot.i18n import t

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
        message = (
            t("check.warning", problem=self.message) if self.severity == "warning" else self.message
        )
        return f"{self.file}:{self.line}: {message}"


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


class _Syntax(yaml.MarkedYAMLError):
    """A problem this loader finds itself: ``problem`` is already the catalog's text."""


_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it; the pure-Python one otherwise. Only its events are
used (see ``_Builder``), and its safe resolver and scalar constructors."""


SYMBOL_KEYS = frozenset({"symbol", "symbols"})
"""Keys whose values are stock codes: text exactly as typed, whatever YAML would make of it."""

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_NUMBER_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})
_MERGE = object()
"""The ``<<`` key, told apart from a key written as the text "<<" (quoted)."""


class _Builder:
    """Python values straight from the parser's events, mappings as ``Located``.

    Why not ``loader.get_single_data()``: composing a node tree first costs ten times the
    parse itself (a 100,000-rule file: 10 s and ~500 MB of nodes and marks, against 0.7 s for
    its events), and the tree would be thrown away. Here each event becomes its value at once;
    a plain scalar's tag and value are resolved once per distinct text. Semantics are YAML's
    as PyYAML's safe loader has them, plus two of this language's own: stock codes stay text
    (``SYMBOL_KEYS``), and a key written twice is an error, while a merged ``<<`` key is
    overridden by the mapping's own keys, and of several merged mappings the first listed wins.
    """

    def __init__(self, text: str, filename: str, variables: Variables | None) -> None:
        self.loader = _SafeLoader(text)
        self.filename = filename
        self.variables = variables
        self.anchors: dict[str, Any] = {}
        self.scalars: dict[tuple[str, bool, bool], Any] = {}

    def document(self) -> Any:
        """The one document in the stream (None for an empty file)."""
        loader = self.loader
        loader.get_event()  # StreamStart
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # DocumentStart
        value = self.value(loader.get_event(), code=False)
        loader.get_event()  # DocumentEnd
        if not loader.check_event(yaml.StreamEndEvent):
            event = loader.get_event()
            raise _Syntax(problem=t("check.yaml.documents"), problem_mark=event.start_mark)
        return value

    def value(self, event: yaml.Event, code: bool, key: bool = False) -> Any:
        """The value an event starts; ``code``: a stock-code position (numbers stay text);
        ``key``: a mapping key (never substituted)."""
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = self.scalar(event, code)
            if not key and self.variables is not None and type(value) is str and "${" in value:
                line = event.start_mark.line + 1
                value = self.variables.substitute(value, self.filename, line)
                if event.anchor is not None:
                    self.anchors[event.anchor] = value
        elif kind is yaml.MappingStartEvent:
            self._collection_tag(event, _MAP_TAG)
            value = self.mapping(event)
        elif kind is yaml.SequenceStartEvent:
            self._collection_tag(event, _SEQ_TAG)
            value = self.sequence(event, code)
        elif kind is yaml.AliasEvent:
            if event.anchor not in self.anchors:
                problem = t("check.yaml.alias", anchor=event.anchor)
                raise _Syntax(problem=problem, problem_mark=event.start_mark)
            return self.anchors[event.anchor]
        else:  # pragma: no cover - the parser never starts a value with anything else
            raise _Syntax(problem=str(event), problem_mark=event.start_mark)
        return value

    def _collection_tag(self, event: yaml.CollectionStartEvent, default: str) -> None:
        if event.tag not in (None, "!", default):
            problem = t("check.yaml.tag", tag=_short_tag(event.tag))
            raise _Syntax(problem=problem, problem_mark=event.start_mark)

    def scalar(self, event: yaml.ScalarEvent, code: bool) -> Any:
        plain = event.implicit[0]
        if event.tag is None or event.tag == "!":
            cache_key = (event.value, plain, code)
            try:
                value = self.scalars[cache_key]
            except KeyError:
                value = self.scalars[cache_key] = self._resolve(event, code)
        else:
            value = self._construct(event.tag, event)
        if event.anchor is not None:
            self.anchors[event.anchor] = value
        return value

    def _resolve(self, event: yaml.ScalarEvent, code: bool) -> Any:
        tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
        if tag == _STR_TAG or (code and tag in _NUMBER_TAGS):
            return event.value
        if tag == _MERGE_TAG:
            return _MERGE
        return self._construct(tag, event)

    def _construct(self, tag: str, event: yaml.ScalarEvent) -> Any:
        """The value of a tagged scalar (``!!int 5``): a tag the safe loader cannot build, or a
        value its tag cannot read (``!!int x``), is the file's problem, never a crash."""
        mark = event.start_mark
        if tag not in type(self.loader).yaml_constructors:
            raise _Syntax(problem=t("check.yaml.tag", tag=_short_tag(tag)), problem_mark=mark)
        node = yaml.ScalarNode(tag, event.value, mark, event.end_mark, event.style)
        try:
            return self.loader.construct_object(node)
        except (ValueError, LookupError, AttributeError, TypeError, yaml.YAMLError):
            problem = t("check.yaml.tag_value", tag=_short_tag(tag), value=repr(event.value))
            raise _Syntax(problem=problem, problem_mark=mark) from None

    def sequence(self, start: yaml.SequenceStartEvent, code: bool) -> list[Any]:
        items: list[Any] = []
        if start.anchor is not None:
            self.anchors[start.anchor] = items
        loader = self.loader
        while not loader.check_event(yaml.SequenceEndEvent):
            items.append(self.value(loader.get_event(), code))
        loader.get_event()
        return items

    def mapping(self, start: yaml.MappingStartEvent) -> Located:
        mapping = Located()
        mapping.file = self.filename
        mapping.line = start.start_mark.line + 1
        mapping.key_lines = {}
        if start.anchor is not None:
            self.anchors[start.anchor] = mapping
        merged: list[Located] = []
        loader = self.loader
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.get_event()
            key = self.value(key_event, code=False, key=True)
            if key is _MERGE:
                merged.extend(self._merge_sources(loader.get_event()))
                continue
            if not isinstance(key, str):
                key = str(key)
            if key in mapping.key_lines:
                problem = t("check.yaml.duplicate_key", key=key)
                raise _Syntax(problem=problem, problem_mark=key_event.start_mark)
            mapping.key_lines[key] = key_event.start_mark.line + 1
            mapping[key] = self.value(loader.get_event(), code=key in SYMBOL_KEYS)
        loader.get_event()
        for source in merged:
            for key, value in source.items():
                if key not in mapping:
                    mapping[key] = value
                    mapping.key_lines[key] = source.line_of(key)
        return mapping

    def _merge_sources(self, event: yaml.Event) -> list[Located]:
        """What ``<<`` merges: one mapping, or a list of them (the first listed wins)."""
        value = self.value(event, code=False)
        sources = value if isinstance(value, list) else [value]
        if not all(isinstance(source, Located) for source in sources):
            raise _Syntax(problem=t("check.yaml.merge"), problem_mark=event.start_mark)
        return sources


def load_yaml(path: Path, display: str, variables: Variables | None = None) -> Any:
    """Parse one file, ``${VAR}`` replaced where ``variables`` is given; a syntax error
    becomes a ``RulesError`` with its line."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        message = t("check.cannot_read", reason=exc.strerror or exc)
        raise RulesError([Problem(display, 1, message)]) from None
    text = decode(data, display)
    builder = _Builder(text, display, variables)
    try:
        return builder.document()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is None:
            message = t("check.yaml.other", problem=_syntax_problem(exc, text))
            raise RulesError([Problem(display, 1, message)]) from None
        message = t("check.yaml", column=mark.column + 1, problem=_syntax_problem(exc, text))
        raise RulesError([Problem(display, mark.line + 1, message)]) from None
    except yaml.YAMLError as exc:
        message = t("check.yaml.other", problem=t("check.yaml.parser", problem=exc))
        raise RulesError([Problem(display, 1, message)]) from None
    finally:
        builder.loader.dispose()


_PARSER_PROBLEMS: tuple[tuple[str, Callable[[int], str]], ...] = (
    ("expected ',' or ']'", lambda opened: t("check.yaml.unclosed_list", line=opened)),
    ("expected ',' or '}'", lambda opened: t("check.yaml.unclosed_mapping", line=opened)),
    ("mapping values are not allowed", lambda _: t("check.yaml.colon")),
    ("expected '-' indicator", lambda _: t("check.yaml.indent")),
    ("expected <block end>", lambda _: t("check.yaml.indent")),
    ("did not find expected key", lambda _: t("check.yaml.indent")),
    ("could not find expected ':'", lambda _: t("check.yaml.missing_colon")),
    ("unknown escape character", lambda _: t("check.yaml.escape")),
    ("undefined tag handle", lambda _: t("check.yaml.tag_handle")),
    ("expected node content", lambda _: t("check.yaml.no_value")),
)
"""What libyaml (or PyYAML's own parser: the phrases are shared) says → the catalog's text,
given the line where the parser's context began (where an unclosed ``[`` or quote opened)."""


def _syntax_problem(exc: yaml.MarkedYAMLError, text: str) -> str:
    """The catalog's words for a syntax error; a parser phrase it has none for is quoted."""
    if isinstance(exc, _Syntax):
        return str(exc.problem)
    problem, mark = exc.problem or "", exc.context_mark or exc.problem_mark
    opened = mark.line + 1 if mark else 1
    if "unexpected end of stream" in problem and "quoted scalar" in (exc.context or ""):
        return t("check.yaml.unclosed_quote", line=opened)
    for phrase, catalog_text in _PARSER_PROBLEMS:
        if phrase in problem:
            return catalog_text(opened)
    if "cannot start any token" in problem and exc.problem_mark is not None:
        char = _char_at(text, exc.problem_mark.line, exc.problem_mark.column)
        return t("check.yaml.tab") if char == "\t" else t("check.yaml.bad_character", char=char)
    return t("check.yaml.parser", problem=" ".join(filter(None, (exc.context, problem))))


def _char_at(text: str, line: int, column: int) -> str:
    lines = text.splitlines()
    row = lines[line] if line < len(lines) else ""
    return row[column] if column < len(row) else ""


def _short_tag(tag: str) -> str:
    """``tag:yaml.org,2002:int`` → ``!!int``, as the trader wrote it."""
    return tag.replace("tag:yaml.org,2002:", "!!")


def decode(data: bytes, display: str) -> str:
    """UTF-8 (a BOM from Notepad is fine). Anything else is an error at the first line that is
    not UTF-8, and a file saved in cp949/EUC-KR (Windows' default in Korea) is named as such."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
    message = t("check.cp949") if _is_cp949_korean(data) else t("check.not_utf8")
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


@dataclass(slots=True)
class Variables:
    """``${VAR}`` in string values, replaced from ``env`` as the file is read; each variable
    that is not set is a problem at its line (``missing`` says of which severity)."""

    env: Mapping[str, str]
    missing: MissingVariables = "error"
    problems: list[Problem] = field(default_factory=list)

    def substitute(self, text: str, file: str, line: int) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in self.env:
                return self.env[name]
            message = t("check.env_missing", name=name)
            self.problems.append(Problem(file, line, message, self.missing))
            return match.group(0) if self.missing == "warning" else ""

        return VARIABLE.sub(replace, text)
