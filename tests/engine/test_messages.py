"""Templates are checked against each kind's fields when rules load; defaults always render."""

from __future__ import annotations

import pytest

from alertbot.engine.messages import (
    FILL_ORDER,
    SNAPSHOT,
    check_template,
    render,
    sample_fields,
)
from alertbot.engine.schema import KINDS
from alertbot.i18n import CATALOGS

MESSAGE_KINDS = {**{kind: kind for kind in KINDS}, SNAPSHOT: "condition", FILL_ORDER: "fill"}
"""Default message key → the event kind whose fields it formats."""


@pytest.mark.parametrize("lang", list(CATALOGS))
@pytest.mark.parametrize("key", list(MESSAGE_KINDS))
def test_defaults_and_summaries_are_valid_templates(key: str, lang: str) -> None:
    kind = MESSAGE_KINDS[key]
    catalog = CATALOGS[lang]
    assert check_template(kind, catalog[f"alert.{key}"]) is None
    assert check_template(kind, catalog[f"summary.{key}"]) is None


TEMPLATES = [
    # (kind, template, problem fragment or None)
    ("price", "{display} {price:,}원 {level:,} {rate:+.2f}%", None),
    ("price", "{time:%H:%M} {rule}", None),
    ("price", "{{literal}} {price}", None),
    ("vi", "{vi_price:,}", None),
    ("fill", "{amount:,}원", None),
    ("condition", "{condition_label} {matches_text}", None),
    ("market", "{market_ko} {label_text}", None),
    ("news", "{title} {symbols_text}", None),
    ("vi", "{price}", "vi 이벤트에는 {price} 필드가 없습니다"),
    ("news", "{title:,}", "{title:,}을(를) 채울 수 없습니다: title 값"),
    ("price", "{price:%Y}", "{price:%Y}을(를) 채울 수 없습니다: price 값"),
    ("price", "{0}", "이름 없는 {} 자리"),
    ("price", "{}", "이름 없는 {} 자리"),
    ("price", "{price", "중괄호가 짝이 맞지 않습니다"),
    ("price", "price}", "중괄호가 짝이 맞지 않습니다"),
    ("price", "{display.nope}", "{display.nope}을(를) 채울 수 없습니다"),
]


@pytest.mark.parametrize(("kind", "template", "fragment"), TEMPLATES)
def test_check_template(kind: str, template: str, fragment: str | None) -> None:
    problem = check_template(kind, template)
    if fragment is None:
        assert problem is None
    else:
        assert problem is not None and fragment in problem


def test_unknown_field_lists_the_fields_there_are() -> None:
    problem = check_template("fill", "{prcie}")
    assert problem is not None and "price" in problem and "qty" in problem


def test_render_never_raises() -> None:
    """A template the values cannot fill gives None (the engine sends the default), never
    the raw template and never an exception."""
    assert render("{nope}", sample_fields("vi")) is None
    assert render("{symbols[3]}", sample_fields("news")) is None
    assert render("{vi_price:,}", sample_fields("vi")) == "0"
