"""One line of ``alertbot doctor``: an item, how it went, and what to do when it failed."""

from __future__ import annotations

from dataclasses import dataclass

from alertbot.i18n import t

OK, FAILED, SKIPPED = "✅", "❌", "⏭️"


@dataclass(frozen=True, slots=True)
class Check:
    item: str
    status: str
    """``OK``, ``FAILED`` or ``SKIPPED`` (could not be tried because an earlier item failed)."""
    detail: str
    fix: str = ""

    def line(self) -> str:
        if self.fix and self.status == FAILED:
            return t(
                "doctor.line.fix",
                status=self.status,
                item=self.item,
                detail=self.detail,
                fix=self.fix,
            )
        return t("doctor.line", status=self.status, item=self.item, detail=self.detail)


def ok(item: str, detail: str) -> Check:
    return Check(item, OK, detail)


def failed(item: str, detail: str, fix: str) -> Check:
    return Check(item, FAILED, detail, fix)


def skipped(item: str, why: str) -> Check:
    return Check(item, SKIPPED, why)
