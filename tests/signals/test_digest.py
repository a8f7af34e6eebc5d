"""A crash day: dozens of stocks at 하한가 within seconds (LS streams every one) become storm
digests; their headers say what happened, in Korean, like the other kinds'."""

from __future__ import annotations

from alertbot.delivery.grouping import digest
from alertbot.delivery.store import Entry


def limit_entry(n: int, headline: str) -> Entry:
    symbol = f"{100000 + n:06d}"
    text = f"{headline} A({symbol}) 1,000원 (-29.90%) · 13:12:0{n}"
    return Entry("c", "limit", text, 0.0, f"A({symbol}) {headline}", symbol, "lim", n)


def test_a_storm_of_lower_limits_is_headed_by_what_they_share() -> None:
    entries = [limit_entry(n, "🔻 하한가") for n in range(3)]
    assert digest(entries, {"limit": 3}).startswith("🔻 하한가 3종목\n")


def test_mixed_limit_and_volume_digests_have_korean_headers() -> None:
    entries = [limit_entry(0, "🔻 하한가"), limit_entry(1, "↩️ 상한가 이탈")]
    volume = Entry("c", "volume", "📊 거래량 급증 A(000009) …", 0.0, "A(000009) ×6.0", "000009")
    text = digest([*entries, volume], {"limit": 2, "volume": 1})
    assert text.startswith("🔺 상/하한가 2종목\n")
    assert "\n\n📊 거래량 급증 1종목\n" in text
