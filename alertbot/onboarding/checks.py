"""One line of ``alertbot doctor``: an item, how it went, and what to do when it failed."""

from __future__ import annotations

from dataclasses import dataclass

OK, FAILED, SKIPPED = "✅", "❌", "⏭️"


@dataclass(frozen=True, slots=True)
class Check:
    item: str
    status: str
    """``OK``, ``FAILED`` or ``SKIPPED`` (could not be tried because an earlier item failed)."""
    detail: str
    fix: str = ""

    def line(self) -> str:
        fix = f" → 해결: {self.fix}" if self.fix and self.status == FAILED else ""
        return f"{self.status} {self.item}: {self.detail}{fix}"


def ok(item: str, detail: str) -> Check:
    return Check(item, OK, detail)


def failed(item: str, detail: str, fix: str) -> Check:
    return Check(item, FAILED, detail, fix)


def skipped(item: str, why: str) -> Check:
    return Check(item, SKIPPED, why)
