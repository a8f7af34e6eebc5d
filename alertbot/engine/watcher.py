"""Watch the rule files and call back when they change (``watchfiles``, debounced).

An editor's save is often several file events (temp file, rename, chmod); ``awatch`` groups
them, so one save is one reload. What must never happen is a watch that goes deaf:

- A rule *file* is watched through its folder (not recursively), because editors replace a
  file by renaming a new one over it and a watch on the old inode would hear nothing more.
- The watched folder itself can be deleted and created again (``git checkout``,
  ``rsync --delete``, an editor's project refresh). An OS watch dies with its folder, so the
  folder's identity (device, inode) is checked after every batch and every ``check_every``
  seconds; a new folder gets a new watch and one reload, and while there is none the bot
  keeps its rules and looks again every ``check_every`` seconds.
- Kubernetes ConfigMaps: the kubelet writes a new ``..2026_…`` folder and swaps the
  ``..data`` symlink in one rename; the visible ``rules.yaml`` links through ``..data`` and
  never changes itself. So a change to ``..data`` counts (every swap, not just the first);
  anything else whose name starts with ``.`` (swap files, the kubelet's folders) does not.

Set ``WATCHFILES_FORCE_POLLING=1`` where file events do not arrive (some bind mounts).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from alertbot.engine.yamlsource import RULE_SUFFIXES

log = logging.getLogger("alertbot.engine.watcher")

CONFIGMAP_LINK = "..data"
"""The symlink a Kubernetes ConfigMap volume swaps atomically on every update."""


@dataclass(frozen=True, slots=True)
class WatchTarget:
    """What to watch for a rules path and which changes in it count."""

    folder: Path
    file: Path | None
    """The rule file when the path names one; None for a folder of rule files."""

    @classmethod
    def of(cls, path: Path) -> WatchTarget:
        path = Path(os.path.abspath(path))  # keep symlinks: a ConfigMap's file is one
        return cls(path.parent, path) if path.is_file() else cls(path, None)

    @property
    def recursive(self) -> bool:
        return self.file is None

    def wanted(self, _change: Change, changed: str) -> bool:
        path = Path(changed)
        if path == self.folder or path == self.folder / CONFIGMAP_LINK:
            return True
        if self.file is not None:
            return path == self.file
        parts = path.relative_to(self.folder).parts if path.is_relative_to(self.folder) else ()
        hidden = any(part.startswith(".") for part in parts)
        return not hidden and path.suffix in RULE_SUFFIXES


def _identity(folder: Path) -> tuple[int, int] | None:
    """The folder's (device, inode), or None when it is not there (a watch on it is dead)."""
    try:
        stat = folder.stat()
    except OSError:
        return None
    return (stat.st_dev, stat.st_ino) if os.path.isdir(folder) else None


async def watch_rules(
    path: Path,
    on_change: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    ready: asyncio.Event | None = None,
    debounce_ms: int = 400,
    check_every: float = 2.0,
) -> None:
    """Call ``on_change`` after each settled change under ``path`` until ``stop`` is set.

    ``ready`` is set once changes are being recorded: ``awatch`` opens its OS watch before
    its first suspension, so whoever waits on ``ready`` resumes only after that (tests rely
    on it to change a file without racing the watch). A watch that fails (too many watches,
    the folder gone) is logged and opened again: the bot keeps running on the rules it has.
    """
    target = WatchTarget.of(path)
    missed = False
    """The folder was gone or replaced: what it holds now may never have been read."""
    while not stop.is_set():
        identity = _identity(target.folder)
        if identity is None:
            missed = True
            await _pause(stop, check_every)
            continue
        reload_now = asyncio.create_task(on_change()) if missed else None  # runs once watched
        missed = False
        if ready is not None:
            ready.set()
        try:
            async for changes in awatch(
                target.folder,
                watch_filter=target.wanted,
                debounce=debounce_ms,
                stop_event=stop,
                recursive=target.recursive,
                rust_timeout=int(check_every * 1000),
                yield_on_timeout=True,
            ):
                if changes:
                    await on_change()
                if _identity(target.folder) != identity:
                    log.warning("rules folder %s was replaced: watching it again", target.folder)
                    missed = True
                    break
        except Exception as exc:  # a broken watch must not end the bot
            log.error("watching %s failed: %s; trying again", target.folder, exc)
            await _pause(stop, check_every)
        finally:
            if reload_now is not None:
                await reload_now


async def _pause(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)
