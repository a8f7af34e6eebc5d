"""LS ``JIF`` (장운영정보): what a ``jangubun``/``jstatus`` pair means to a trader.

Source: ../shared/seeds/000_… (JIF 응답 Body). ``jstatus`` codes 11–58 and A2–D4 mean the same
on every market; 61–77 mean different things by market: on KOSPI/KOSDAQ (``jangubun`` 1, 2)
they are circuit breakers and sidecars, on futures/options (5) they are the derivatives'
circuit breaker and price-limit expansions. A 61–77 code on any other market is not
documented and is reported as ``other`` with its raw code rather than guessed.

Categories are what rules select on (``event: market`` / ``status:``): ``circuit_breaker``,
``sidecar``, ``session`` (the market's state changed: open, close, auction), ``price_limit``,
and ``other`` (countdown announcements such as "장 개시 1분 전", which are not state changes,
and codes the vendor does not document).
"""

from __future__ import annotations

from dataclasses import dataclass

MARKETS: dict[str, tuple[str, str]] = {
    "1": ("kospi", "코스피"),
    "2": ("kosdaq", "코스닥"),
    "5": ("derivatives", "선물/옵션"),
    "6": ("nxt", "NXT 전용"),
    "8": ("krx_night", "KRX 야간파생"),
    "9": ("us", "미국주식"),
    "A": ("china_am", "중국주식 오전"),
    "B": ("china_pm", "중국주식 오후"),
    "C": ("hongkong_am", "홍콩주식 오전"),
    "D": ("hongkong_pm", "홍콩주식 오후"),
    "E": ("japan_am", "일본주식 오전"),
    "F": ("japan_pm", "일본주식 오후"),
}
"""``jangubun`` → (market name used in rules, Korean name)."""

SESSION, OTHER = "session", "other"
CIRCUIT_BREAKER, SIDECAR, PRICE_LIMIT = "circuit_breaker", "sidecar", "price_limit"


def _countdowns(prefix: str, what: str, steps: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """``A2``…``A5`` style announcements: "프리마켓 장개시 10초 전" and so on."""
    spans = {"2": "10초", "3": "1분", "4": "5분", "5": "10분"}
    return {f"{prefix}{step}": (OTHER, f"{what} {spans[step]} 전") for step in steps}


COMMON: dict[str, tuple[str, str]] = {
    "11": (SESSION, "장전 동시호가 개시"),
    "21": (SESSION, "장 시작"),
    "22": (OTHER, "장 개시 10초 전"),
    "23": (OTHER, "장 개시 1분 전"),
    "24": (OTHER, "장 개시 5분 전"),
    "25": (OTHER, "장 개시 10분 전"),
    "31": (SESSION, "장후 동시호가 개시"),
    "41": (SESSION, "장 마감"),
    "42": (OTHER, "장 마감 10초 전"),
    "43": (OTHER, "장 마감 1분 전"),
    "44": (OTHER, "장 마감 5분 전"),
    "51": (SESSION, "시간외 종가매매 개시"),
    "52": (SESSION, "시간외 종가매매 종료, 시간외 단일가매매 개시"),
    "53": (OTHER, "사용 안 함"),
    "54": (SESSION, "시간외 단일가매매 종료"),
    "55": (SESSION, "프리마켓 개시"),
    **_countdowns("A", "프리마켓 장개시", ("2", "3", "4", "5")),
    "56": (SESSION, "에프터마켓 개시"),
    **_countdowns("B", "에프터마켓 장개시", ("2", "3", "4", "5")),
    "57": (SESSION, "프리마켓 마감"),
    **_countdowns("C", "프리마켓 장마감", ("2", "3", "4")),
    "58": (SESSION, "에프터마켓 마감"),
    **_countdowns("D", "에프터마켓 장마감", ("2", "3", "4")),
}
"""Codes that mean the same on every market (seed 000: "공통사용")."""

STOCKS: dict[str, tuple[str, str]] = {
    "61": (CIRCUIT_BREAKER, "서킷브레이크 1단계 발동"),
    "62": (CIRCUIT_BREAKER, "서킷브레이크 1단계 해제, 호가접수 개시"),
    "63": (CIRCUIT_BREAKER, "서킷브레이크 1단계 동시호가 종료"),
    "64": (SIDECAR, "사이드카 매도 발동"),
    "65": (SIDECAR, "사이드카 매도 해제"),
    "66": (SIDECAR, "사이드카 매수 발동"),
    "67": (SIDECAR, "사이드카 매수 해제"),
    "68": (CIRCUIT_BREAKER, "서킷브레이크 2단계 발동"),
    "69": (CIRCUIT_BREAKER, "서킷브레이크 3단계 발동, 당일 장종료"),
    "70": (CIRCUIT_BREAKER, "서킷브레이크 2단계 해제, 호가접수 개시"),
    "71": (CIRCUIT_BREAKER, "서킷브레이크 2단계 동시호가 종료"),
}
"""KOSPI / KOSDAQ only (``jangubun`` 1, 2)."""

DERIVATIVES: dict[str, tuple[str, str]] = {
    # The KOSPI circuit breaker's third stage ends the day for KOSPI-linked derivatives too:
    # not "stage 1" as on KOSPI, but a circuit-breaker consequence a futures trader must see.
    "61": (CIRCUIT_BREAKER, "코스피 관련 파생상품 당일 장종료"),
    "62": (CIRCUIT_BREAKER, "서킷브레이크 해제, 호가접수 개시"),
    "63": (CIRCUIT_BREAKER, "서킷브레이크 장중 동시마감"),
    "70": (PRICE_LIMIT, "2단계 상한가, 5분 후 확대 예정"),
    "71": (PRICE_LIMIT, "2단계 하한가, 5분 후 확대 예정"),
    "72": (PRICE_LIMIT, "3단계 상한가, 5분 후 확대 예정"),
    "73": (PRICE_LIMIT, "3단계 하한가, 5분 후 확대 예정"),
    "74": (PRICE_LIMIT, "2단계 상한가 확대 적용"),
    "75": (PRICE_LIMIT, "2단계 하한가 확대 적용"),
    "76": (PRICE_LIMIT, "3단계 상한가 확대 적용"),
    "77": (PRICE_LIMIT, "3단계 하한가 확대 적용"),
}
"""Futures/options only (``jangubun`` 5)."""

BY_MARKET: dict[str, dict[str, tuple[str, str]]] = {"1": STOCKS, "2": STOCKS, "5": DERIVATIVES}


@dataclass(frozen=True, slots=True)
class MarketMeaning:
    market: str
    """Rule-facing market name (``kospi``, ``derivatives``, …); ``other`` when unknown."""
    market_ko: str
    category: str
    label: str


def describe(jangubun: str, jstatus: str) -> MarketMeaning:
    """The meaning of one JIF report; unknown codes keep their raw value in the label."""
    market, market_ko = MARKETS.get(jangubun, ("other", f"장구분 {jangubun or '?'}"))
    category, label = BY_MARKET.get(jangubun, {}).get(jstatus) or COMMON.get(
        jstatus, (OTHER, f"장상태 {jstatus or '?'}")
    )
    return MarketMeaning(market, market_ko, category, label)
