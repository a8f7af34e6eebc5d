"""argparse's own words ("usage:", "error:", "invalid choice"…) from the catalog.

argparse asks ``gettext`` for each fixed text through its module-level ``argparse._`` and
fills ``%(prog)s``-style placeholders into what it gets back. ``speaking`` points that name at
the catalog while ``alertbot`` builds and runs its parser, then gives it back, so other parsers
in the same process keep argparse's English. What argparse says only to programmers (a badly
defined parser) is not here and stays as argparse writes it.

argparse lines up and wraps the help and the usage by counting characters; a terminal shows
Hangul two columns wide, so ``HelpFormatter`` measures in columns.
"""

from __future__ import annotations

import argparse
import re
import unicodedata
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from alertbot.i18n import fields_of, template

WORDS: dict[str, str] = {
    "usage: ": "usage",
    "positional arguments": "positionals",
    "options": "options",
    "show this help message and exit": "help",
    "%(prog)s: error: %(message)s\n": "error",
    "argument %(argument_name)s: %(message)s": "argument",
    "the following arguments are required: %s": "required",
    "one of the arguments %s is required": "one_required",
    "unrecognized arguments: %s": "unrecognized",
    "invalid choice: %(value)r (choose from %(choices)s)": "invalid_choice",
    "invalid %(type)s value: %(value)r": "invalid_value",
    "expected one argument": "expected_one",
    "expected at most one argument": "expected_at_most_one",
    "expected at least one argument": "expected_at_least_one",
    "not allowed with argument %s": "not_allowed_with",
    "ignored explicit argument %r": "ignored_explicit",
    "ambiguous option: %(option)s could match %(matches)s": "ambiguous",
}
"""argparse's text (its gettext msgid, exactly) → the catalog key under ``cli.argparse.``."""

_PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[sr]")


def translate(msgid: str) -> str:
    """argparse's ``msgid`` in the language in use, with argparse's placeholders in it.

    The catalog writes ``{prog}``; argparse will fill ``%(prog)s``. A text with one unnamed
    ``%s`` (``unrecognized arguments: %s``) calls its one field what it likes."""
    name = WORDS.get(msgid)
    if name is None:
        return msgid
    placeholders = {match["name"]: match[0] for match in _PLACEHOLDER.finditer(msgid)}
    unnamed = placeholders.pop(None, None)
    text = template(f"cli.argparse.{name}")
    filled = {field: placeholders.get(field, unnamed) for field in fields_of(text)}
    return text.replace("%", "%%").format(**filled)


@contextmanager
def speaking() -> Iterator[None]:
    """Inside this block argparse says its words in the catalog's language."""
    own = argparse._  # type: ignore[attr-defined]
    argparse._ = translate  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = own  # type: ignore[attr-defined]


class HelpFormatter(argparse.HelpFormatter):
    """argparse's layout, measured in a terminal's columns: an option whose name holds wide
    characters (``--rules 경로``) gets its help lined up with the others."""

    def add_argument(self, action: argparse.Action) -> None:
        super().add_argument(action)
        if action.help is not argparse.SUPPRESS:
            header = self._format_action_invocation(action)
            shown = len(header) + _wide(header) + self._current_indent
            self._action_max_length = max(self._action_max_length, shown)

    def _format_action(self, action: argparse.Action) -> str:
        text = super()._format_action(action)
        header = self._format_action_invocation(action)
        if not (wide := _wide(header)):
            return text
        padded = re.compile(rf"^( *{re.escape(header)})( +)(?=\S)")
        return padded.sub(lambda m: m[1] + " " * max(2, len(m[2]) - wide), text, count=1)

    def _format_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None,
    ) -> str:
        laid_out = super()._format_usage(usage, actions, groups, prefix)
        if not _wide(laid_out):
            return laid_out
        width, self._width = self._width, _in_characters(laid_out, self._width)
        try:  # again, as many characters narrower as the wide ones take more columns
            return super()._format_usage(usage, actions, groups, prefix)
        finally:
            self._width = width

    def _split_lines(self, text: str, width: int) -> list[str]:
        return super()._split_lines(text, _in_characters(text, width))

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return super()._fill_text(text, _in_characters(text, width), indent)


def _wide(text: str) -> int:
    """How many more columns than characters ``text`` takes in a terminal."""
    return sum(unicodedata.east_asian_width(char) in "WF" for char in text)


def _in_characters(text: str, columns: int) -> int:
    """About how many of ``text``'s characters fill ``columns`` (argparse wraps by count)."""
    shown = len(text) + _wide(text)
    return columns * len(text) // shown if shown else columns
