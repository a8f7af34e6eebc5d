"""The rule language: one pydantic model per ``event:`` kind, every key checked.

The reference is ../shared/DESIGN.md "Rule files" and the commented examples in ``rules/``.
Models forbid unknown keys, so a typo (``abvoe: 80000``) is an error with its line, not a rule
that silently never fires. Validators turn YAML's guesses (one keyword where a list was
meant) into what the trader meant, and say clearly what they cannot. Stock codes reach them
as typed (``yamlsource`` keeps ``005930`` as text, never YAML 1.1's number).
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import timedelta
from functools import cached_property
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    TypeAdapter,
    field_validator,
    model_validator,
)

from alertbot.engine.active import ActiveHours, parse_active
from alertbot.engine.keywords import normalize
from alertbot.engine.messages import Crossing, check_template
from alertbot.events import CORP_CLASSES
from alertbot.i18n import t

KINDS = ("vi", "price", "condition", "fill", "market", "news", "limit", "volume", "disclosure")

_DURATION = re.compile(r"^\s*(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+)\s*s)?\s*$")


def parse_duration(value: Any) -> timedelta:
    """``90``, ``"90s"``, ``"5m"``, ``"1h30m"``, ``"2d"`` → timedelta; anything else is an error."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(t("check.duration", value=repr(value)))
    if isinstance(value, int | float) and value >= 0:
        return timedelta(seconds=value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match and any(match.groups()):
            days, hours, minutes, seconds = (int(g) if g else 0 for g in match.groups())
            return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    raise ValueError(t("check.duration", value=repr(value)))


STOCK_CODE = re.compile(r"[0-9A-Z]{6}")
"""A KRX short code: six characters, digits and (for newer listings) capital letters."""


def _symbol(value: Any) -> str:
    """The code as typed (``yamlsource`` keeps ``005930`` as text); ``A005930`` is accepted
    as written in KRX's own lists. Anything else says how to write a code."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(t("check.stock_code", value=repr(value)))
    code = str(value).strip()
    if len(code) == 7 and code[0] == "A" and STOCK_CODE.fullmatch(code[1:]):
        code = code[1:]
    if STOCK_CODE.fullmatch(code):
        return code
    if not code.isascii():
        raise ValueError(t("check.stock_code_name", code=repr(code)))
    capitals = STOCK_CODE.fullmatch(code.upper())
    raise ValueError(
        t("check.stock_code_capitals" if capitals else "check.stock_code_zeros", code=repr(code))
    )


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(t("check.number", value=repr(value)))
    return value


def _one_or_many(value: Any) -> Any:
    """``keywords: 리튬`` means ``keywords: [리튬]``."""
    return [value] if isinstance(value, str | int) and not isinstance(value, bool) else value


def _keyword(value: str) -> str:
    if not normalize(value):
        raise ValueError(t("check.blank_keyword"))
    return value


def _code(width: int) -> Any:
    """Raw broker codes: YAML reads ``61`` as a number; the broker sends the text ``"61"``."""

    def text(value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{value:0{width}d}"
        return value.strip() if isinstance(value, str) else value

    return BeforeValidator(text)


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Symbol = Annotated[str, BeforeValidator(_symbol)]
Level = Annotated[float, BeforeValidator(_number)]
Keywords = Annotated[list[Annotated[str, AfterValidator(_keyword)]], BeforeValidator(_one_or_many)]
"""Keywords (news headlines, disclosure report names): compared after ``keywords.normalize``."""
Words = Annotated[list[Annotated[str, Field(min_length=1)]], BeforeValidator(_one_or_many)]
Active = Annotated[
    ActiveHours, PlainValidator(parse_active), PlainSerializer(lambda hours: hours.text)
]


class KeyProblem(ValueError):
    """A whole-rule check that concerns one key: reported at that key's line."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


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
    notify: Words = Field(default_factory=list)
    admin: Words = Field(default_factory=list)
    cooldown: Duration = timedelta(seconds=60)


class RuleBase(_Strict):
    """Keys every rule takes."""

    KIND: ClassVar[str] = ""
    DEFAULT_COOLDOWN: ClassVar[bool] = True
    """Whether ``defaults.cooldown`` applies when the rule sets none."""

    name: str = Field(min_length=1)
    notify: Words | None = None
    cooldown: Duration | None = None
    message: str | None = None
    enabled: bool = True
    active: Active | None = None

    @field_validator("message")
    @classmethod
    def _template(cls, value: str | None) -> str | None:
        if value is not None and (problem := check_template(cls.KIND, value)):
            raise ValueError(problem)
        return value

    @property
    def symbol_set(self) -> frozenset[str] | None:
        """The symbols this rule is limited to, or None for every symbol."""
        return None

    @cached_property
    def fingerprint(self) -> str:
        """Same name and same definition ⇔ same fingerprint: rule state survives a reload."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


class SymbolRule(RuleBase):
    """A rule that can be limited to some stocks."""

    symbol: Symbol | None = None
    symbols: Annotated[list[Symbol], Field(min_length=1)] | None = None

    @property
    def symbol_set(self) -> frozenset[str] | None:
        if self.symbol is None and self.symbols is None:
            return None
        return frozenset([*(self.symbols or ()), *([self.symbol] if self.symbol else [])])


class ViRule(SymbolRule):
    KIND = "vi"
    event: Literal["vi"]
    state: Literal["triggered", "released", "any"] = "triggered"
    kind: Literal["static", "dynamic", "any"] = "any"


PRICE_LEVELS = ("above", "below", "change_pct_above", "change_pct_below")


class PriceRule(SymbolRule):
    KIND = "price"
    event: Literal["price"]
    above: Annotated[Level, Field(gt=0)] | None = None
    below: Annotated[Level, Field(gt=0)] | None = None
    change_pct_above: Level | None = None
    change_pct_below: Level | None = None
    nxt: bool = False
    """Watch the stock's NXT trades too (08:00–20:00), not only KRX's (09:00–15:30)."""

    @model_validator(mode="after")
    def _complete(self) -> PriceRule:
        if self.symbol_set is None:
            raise ValueError(t("check.needs_symbol", kind=self.KIND))
        if not self.levels:
            raise ValueError(t("check.needs_level", levels=", ".join(PRICE_LEVELS)))
        if self.message is not None:
            crossings = [Crossing(key, level) for key, level in self.levels]
            if problem := check_template(self.KIND, self.message, crossings):
                raise KeyProblem("message", problem)
        return self

    @property
    def levels(self) -> list[tuple[str, float]]:
        """``(key, level)`` for every level the rule sets."""
        return [(k, v) for k in PRICE_LEVELS if (v := getattr(self, k)) is not None]


class ConditionRule(SymbolRule):
    KIND = "condition"
    event: Literal["condition"]
    condition: Annotated[str, Field(min_length=1)] | None = None
    seq: Annotated[str, _code(1), Field(pattern=r"^\d+$")] | None = None
    action: Literal["enter", "exit", "any"] = "enter"

    @model_validator(mode="after")
    def _one_condition(self) -> ConditionRule:
        if (self.condition is None) == (self.seq is None):
            raise ValueError(t("check.one_condition"))
        return self


class FillRule(SymbolRule):
    KIND = "fill"
    DEFAULT_COOLDOWN = False  # every fill is money moving: never quiet unless asked
    event: Literal["fill"]
    side: Literal["buy", "sell", "any"] = "any"
    status: Annotated[
        list[Literal["접수", "체결", "확인", "취소", "거부", "any"]],
        BeforeValidator(_one_or_many),
        Field(min_length=1),
    ] = Field(default_factory=lambda: ["체결"])


MARKET_CATEGORIES = ("circuit_breaker", "sidecar", "session", "price_limit", "other")
MARKET_NAMES = (
    "kospi",
    "kosdaq",
    "derivatives",
    "nxt",
    "krx_night",
    "us",
    "china_am",
    "china_pm",
    "hongkong_am",
    "hongkong_pm",
    "japan_am",
    "japan_pm",
)
"""The names the LS feed gives ``jangubun`` 1, 2, 5, 6, 8, 9, A–F (feeds/ls/jstatus.py)."""


class MarketRule(RuleBase):
    KIND = "market"
    DEFAULT_COOLDOWN = False  # a market's status changes are each news
    event: Literal["market"]
    status: Annotated[list[Annotated[str, _code(2)]], BeforeValidator(_one_or_many)] = Field(
        default_factory=lambda: ["circuit_breaker", "sidecar"], min_length=1
    )
    markets: Annotated[list[Annotated[str, _code(1)]], BeforeValidator(_one_or_many)] | None = None

    @field_validator("status")
    @classmethod
    def _statuses(cls, values: list[str]) -> list[str]:
        for value in values:
            if value not in (*MARKET_CATEGORIES, "any") and not value.isdigit():
                allowed = ", ".join(MARKET_CATEGORIES)
                raise ValueError(t("check.market_status", value=repr(value), allowed=allowed))
        return values

    @field_validator("markets")
    @classmethod
    def _markets(cls, values: list[str] | None) -> list[str] | None:
        for value in values or ():
            if value not in MARKET_NAMES and not re.fullmatch(r"[0-9A-F]", value):
                allowed = ", ".join(MARKET_NAMES)
                raise ValueError(t("check.market_name", value=repr(value), allowed=allowed))
        return values


class NewsRule(SymbolRule):
    KIND = "news"
    event: Literal["news"]
    keywords: Annotated[Keywords, Field(min_length=1)] | None = None
    exclude: Keywords = Field(default_factory=list)


class LimitRule(SymbolRule):
    """상한가/하한가: fires once as a stock reaches its limit, re-armed only once it left."""

    KIND = "limit"
    event: Literal["limit"]
    direction: Literal["up", "down", "any"] = "any"
    state: Literal["reached", "released", "any"] = "reached"


VOLUME_MIN_HISTORY = 3
"""Complete minutes a stock needs behind it before a volume rule can judge a minute."""


class VolumeRule(SymbolRule):
    """거래량 급증: a minute's volume ≥ ``ratio_above`` × the average minute over ``window``."""

    KIND = "volume"
    event: Literal["volume"]
    ratio_above: Annotated[Level, Field(gt=1)]
    window: Duration = timedelta(minutes=20)

    @field_validator("window")
    @classmethod
    def _whole_minutes(cls, value: timedelta) -> timedelta:
        minutes, rest = divmod(value.total_seconds(), 60)
        if rest or minutes < VOLUME_MIN_HISTORY:
            raise ValueError(t("check.volume_window", minutes=VOLUME_MIN_HISTORY, value=value))
        return value

    @model_validator(mode="after")
    def _has_symbols(self) -> VolumeRule:
        if self.symbol_set is None:
            raise ValueError(t("check.needs_symbol", kind=self.KIND))
        return self

    @property
    def window_minutes(self) -> int:
        return int(self.window.total_seconds() // 60)


def _disclosure_market(value: Any) -> Any:
    """``Y``/``K``/``N``/``E`` (OpenDART's ``corp_cls``) mean kospi, kosdaq, konex, other."""
    if isinstance(value, str):
        value = value.strip()
        return CORP_CLASSES.get(value.upper(), value.lower())
    return value


class DisclosureRule(SymbolRule):
    KIND = "disclosure"
    DEFAULT_COOLDOWN = False  # every filing is its own news, even two from one company
    event: Literal["disclosure"]
    keywords: Annotated[Keywords, Field(min_length=1)] | None = None
    """The report name (``report_nm``) contains any of these."""
    exclude: Keywords = Field(default_factory=list)
    markets: (
        Annotated[
            list[
                Annotated[
                    Literal["kospi", "kosdaq", "konex", "other"],
                    BeforeValidator(_disclosure_market),
                ]
            ],
            BeforeValidator(_one_or_many),
            Field(min_length=1),
        ]
        | None
    ) = None


Rule = Annotated[
    ViRule
    | PriceRule
    | ConditionRule
    | FillRule
    | MarketRule
    | NewsRule
    | LimitRule
    | VolumeRule
    | DisclosureRule,
    Field(discriminator="event"),
]
RULE = TypeAdapter(Rule)
RULE_MODELS: dict[str, type[RuleBase]] = {
    model.KIND: model for model in get_args(get_args(Rule)[0])
}
"""Each ``event:`` kind's model (what keys a rule of that kind takes)."""
