"""Watch the rule files and call back when they change (``watchfiles``, debounced).

An editor's save is often several file events (temp file, rename, chmod); ``awatch`` groups
them, so one save is one reload. A rule *file* is watched through its folder, because editors
replace a file by renaming a new one over it and a watch on the old inode would go deaf.
Set ``WATCHFILES_FORCE_POLLING=1`` where file events do not arrive (some bind mounts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from watchfiles import Change, awatch

from alertbot.engine.yamlsource import RULE_SUFFIXES

log = logging.getLogger("alertbot.engine.watcher")


def watch_target(path: Path) -> tuple[Path, Callable[[Change, str], bool]]:
    """The folder to watch and which changes in it count: rule files, not ``.swp`` backups."""
    target = path.resolve() if path.is_file() else None

    def wanted(_change: Change, changed: str) -> bool:
        changed_path = Path(changed)
        if target is not None:
            return changed_path.resolve() == target
        return changed_path.suffix in RULE_SUFFIXES and not changed_path.name.startswith(".")

    return (path if target is None else path.parent), wanted


async def watch_rules(
    path: Path,
    on_change: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    debounce_ms: int = 400,
    retry_after: float = 5.0,
) -> None:
    """Call ``on_change`` after each settled change under ``path`` until ``stop`` is set.

    ``ready`` is set once changes are being recorded: ``awatch`` opens its OS watch before
    its first suspension, so whoever waits on ``ready`` resumes only after that (tests rely
    on it to change a file without racing the watch). A watch that fails (the folder was
    removed, too many watches) is logged and tried again after ``retry_after`` seconds: the
    bot keeps running on the rules it has.
    """
    folder, wanted = watch_target(path)
    while not stop.is_set():
        if ready is not None:
            ready.set()
        try:
            async for _changes in awatch(
                folder,
                watch_filter=wanted,
                debounce=debounce_ms,
                stop_event=stop,
            ):
                await on_change()
        except Exception as exc:  # a broken watch must not end the bot
            log.error("watching %s failed: %s; retrying in %.0fs", folder, exc, retry_after)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=retry_after)
