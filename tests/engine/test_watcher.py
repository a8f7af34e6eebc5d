"""The real watcher (watchfiles) on a real folder: no file operation leaves the bot deaf.

Each test runs ``watch_rules`` with a callback that loads the rules as the app does and
waits, with a timeout, until the loaded rules are the ones last written.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from watchfiles import Change

from alertbot.engine.rules import load_rules
from alertbot.engine.watcher import WatchTarget, watch_rules
from alertbot.engine.yamlsource import RulesError
from tests.engine.support import HEADER


def rules_text(*names: str) -> str:
    return HEADER + "rules:\n" + "".join(f"  - {{name: {n}, event: vi}}\n" for n in names)


def replace(path: Path, text: str) -> None:
    """Write beside, rename over: how editors and ``git checkout`` save."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


class Loads:
    """What each reload read: rule names, or the error; a waiter per expected state."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: list[list[str] | str] = []
        self.changed = asyncio.Condition()

    async def __call__(self) -> None:
        try:
            loaded: list[str] | str = [
                r.rule.name for r in load_rules(self.path, env={}, require_rules=True).rules
            ]
        except RulesError as exc:
            loaded = str(exc)
        async with self.changed:
            self.seen.append(loaded)
            self.changed.notify_all()

    async def until(self, predicate: Callable[[list[str] | str], bool]) -> None:
        async with asyncio.timeout(10), self.changed:
            await self.changed.wait_for(lambda: bool(self.seen) and predicate(self.seen[-1]))

    async def names(self, *names: str) -> None:
        await self.until(lambda last: last == list(names))


@asynccontextmanager
async def watching(path: Path) -> AsyncIterator[Loads]:
    loads, stop, ready = Loads(path), asyncio.Event(), asyncio.Event()
    task = asyncio.create_task(
        watch_rules(path, loads, stop, ready=ready, debounce_ms=50, check_every=0.05)
    )
    try:
        async with asyncio.timeout(5):
            await ready.wait()
        yield loads
    finally:
        stop.set()
        async with asyncio.timeout(10):
            await task


async def test_a_deleted_and_recreated_folder_is_watched_again(tmp_path: Path) -> None:
    folder = tmp_path / "rules"
    folder.mkdir()
    replace(folder / "r.yaml", rules_text("a"))
    async with watching(folder) as loads:
        replace(folder / "r.yaml", rules_text("b"))
        await loads.names("b")
        shutil.rmtree(folder)
        await loads.until(lambda last: isinstance(last, str) and "파일이나 폴더가 없습니다" in last)
        folder.mkdir()
        replace(folder / "r.yaml", rules_text("c"))
        await loads.names("c")
        replace(folder / "r.yaml", rules_text("d"))  # the new folder's watch is live
        await loads.names("d")


async def test_a_folder_swapped_for_another_is_watched_again(tmp_path: Path) -> None:
    """``mv rules.new rules``: same path, another folder; no event reaches the old watch's
    files, so the identity check must notice."""
    folder, fresh = tmp_path / "rules", tmp_path / "rules.new"
    for where, name in ((folder, "a"), (fresh, "b")):
        where.mkdir()
        replace(where / "r.yaml", rules_text(name))
    async with watching(folder) as loads:
        os.rename(folder, tmp_path / "rules.old")
        os.rename(fresh, folder)
        await loads.names("b")
        replace(folder / "r.yaml", rules_text("c"))
        await loads.names("c")


async def test_a_rule_file_replaced_removed_and_created_again(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    replace(path, rules_text("a"))
    async with watching(path) as loads:
        for name in ("b", "c", "d"):
            replace(path, rules_text(name))
            await loads.names(name)
        path.unlink()
        await loads.until(lambda last: isinstance(last, str) and "파일이나 폴더가 없습니다" in last)
        path.write_text(rules_text("e"), encoding="utf-8")
        await loads.names("e")
        (tmp_path / "other.yaml").write_text(rules_text("x"), encoding="utf-8")
        replace(path, rules_text("f"))
        await loads.names("f")
    assert ["x"] not in loads.seen


def configmap_update(mount: Path, files: dict[str, str], stamp: int) -> None:
    """What the kubelet's atomic writer does: a new timestamped folder, ``..data`` swapped
    to it in one rename, the old folder removed; visible names link through ``..data``."""
    fresh = mount / f"..2026_11_27_08_00_{stamp:02d}.{stamp}"
    fresh.mkdir()
    for name, text in files.items():
        (fresh / name).write_text(text, encoding="utf-8")
    link = mount / "..data_tmp"
    link.symlink_to(fresh.name)
    os.rename(link, mount / "..data")
    for old in mount.iterdir():
        if old.name.startswith("..2026") and old != fresh:
            shutil.rmtree(old)
    for name in files:
        if not (mount / name).is_symlink():
            (mount / name).symlink_to(f"..data/{name}")


@pytest.mark.parametrize("single_file", [False, True])
async def test_every_configmap_swap_is_seen(tmp_path: Path, single_file: bool) -> None:
    mount = tmp_path / "config"
    mount.mkdir()
    configmap_update(mount, {"rules.yaml": rules_text("v0")}, 0)
    async with watching(mount / "rules.yaml" if single_file else mount) as loads:
        for stamp in range(1, 5):
            configmap_update(mount, {"rules.yaml": rules_text(f"v{stamp}")}, stamp)
            await loads.names(f"v{stamp}")


def test_what_counts_as_a_change(tmp_path: Path) -> None:
    folder = WatchTarget.of(tmp_path)
    for name, counts in [
        ("r.yaml", True),
        ("sub/r.yml", True),
        ("..data", True),
        (".r.yaml.swp", False),
        (".r.yaml", False),
        ("..2026_11_27/r.yaml", False),
        (".git/x.yaml", False),
        ("notes.txt", False),
        ("r.yaml~", False),
    ]:
        assert folder.wanted(Change.modified, str(tmp_path / name)) is counts, name
    assert folder.wanted(Change.deleted, str(tmp_path))
    (tmp_path / "r.yaml").write_text("", encoding="utf-8")
    single = WatchTarget.of(tmp_path / "r.yaml")
    assert (single.folder, single.recursive) == (tmp_path, False)
    assert single.wanted(Change.added, str(tmp_path / "r.yaml"))
    assert single.wanted(Change.added, str(tmp_path / "..data"))
    assert not single.wanted(Change.added, str(tmp_path / "other.yaml"))


async def test_a_reload_storm_ends_on_the_final_content(tmp_path: Path) -> None:
    """An editor saving 100 times a second, half of them as a truncate-then-write."""
    path = tmp_path / "rules.yaml"
    replace(path, rules_text("s0"))
    async with watching(tmp_path) as loads:
        for n in range(1, 101):
            if n % 2:
                path.write_text(rules_text(f"s{n}"), encoding="utf-8")
            else:
                replace(path, rules_text(f"s{n}"))
            await asyncio.sleep(0.01)
        await loads.names("s100")
