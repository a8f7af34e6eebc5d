"""pydantic's validation errors in the catalog's words: what was wrong, what is allowed.

pydantic's own messages are English sentences (``Input should be 'a', 'b' or 'c'``); the
error's ``type`` and ``ctx`` say the same as data, so the text is the catalog's, in the
trader's language. The error types are pydantic-core's (``pydantic_core.ErrorType``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from pydantic_core import ErrorDetails

from alertbot.i18n import t

SHOWN = 60
"""A value is shown up to this many characters: enough to recognise, never a whole rule."""


class _Hidden:
    """Stands for a secret's value (a token) in a message: the message says only that it is
    wrong, never what it is."""

    def __repr__(self) -> str:
        return "***"


HIDDEN = _Hidden()


def shown(value: Any) -> str:
    """The offending value as written in a message: ``'lots'``, ``[1, 2]``."""
    text = repr(value)
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def key_path(location: Sequence[int | str]) -> str:
    """pydantic's ``("symbols", 0)`` as a trader reads it: ``symbols[0]``."""
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


def describe(error: ErrorDetails, keys: Iterable[str] = ()) -> str:
    """One validation error as a catalog text; ``keys``: the keys the model takes (for
    an unknown key, what the trader may write instead). A type not named here (one the
    models cannot raise today) still says the value and the type, never pydantic's sentence."""
    kind, ctx, raw = error["type"], error.get("ctx", {}), error.get("input")
    value = shown(raw)
    match kind:
        case "value_error" | "assertion_error":
            return str(ctx.get("error", ""))  # our validators speak the catalog already
        case "extra_forbidden":
            return t("check.unknown_key", keys=", ".join(sorted(keys)) or t("word.none"))
        case "missing":
            return t("check.missing")
        case "literal_error":
            # ctx "expected" reads "'a', 'b' or 'c'": the values, and one English word.
            allowed = str(ctx.get("expected", "")).replace(" or ", ", ")
            return t("check.one_of", allowed=allowed, value=value)
        case "string_type" if isinstance(raw, bool):
            return t("check.yaml_bool")  # `name: off`: YAML made a boolean of the text
        case "string_type":
            return t("check.text", value=value)
        case "bool_type" | "bool_parsing":
            return t("check.bool", value=value)
        case "int_type" | "int_parsing" | "int_from_float" | "float_type" | "float_parsing":
            return t("check.number", value=value)
        case "list_type":
            return t("check.list", value=value)
        case "dict_type" | "model_type" | "model_attributes_type":
            return t("check.mapping", value=value)
        case "too_short":
            count = ctx.get("actual_length")
            return t("check.too_short", min_length=ctx.get("min_length"), actual_length=count)
        case "string_too_short":
            return t("check.too_short_text", min_length=ctx.get("min_length"), value=value)
        case "greater_than":
            return t("check.greater_than", gt=ctx.get("gt"), value=value)
        case "greater_than_equal":
            return t("check.at_least", ge=ctx.get("ge"), value=value)
        case "string_pattern_mismatch":
            return t("check.pattern", pattern=ctx.get("pattern"), value=value)
        case "union_tag_not_found":
            return t("check.missing_key", key=ctx.get("discriminator"))
        case "union_tag_invalid":
            allowed = ctx.get("expected_tags")
            return t("check.unknown_event", event=shown(ctx.get("tag")), allowed=allowed)
    return t("check.invalid", value=value, kind=kind)
