"""Python's memory management around 100,000 rules: building them, and letting them go.

Building a rule set makes millions of small objects that all live on. Each time the young
generation fills, the collector runs, and every few runs it scans everything alive — so a
100,000-rule load spent most of its time (and the event loop its longest stalls, the GIL being
held) scanning rules that were never garbage. While rules are built the collector waits;
afterwards the survivors are frozen (``gc.freeze``: moved where no collection scans them).

What a frozen object costs: if a later reload drops it and it sits in a reference cycle, it is
never freed. Rules, their index and their models hold no cycles, so a reload frees the old
ones by reference counting as usual.

Letting go has its own stall: dropping the last reference to a replaced rule index frees
millions of objects in one step, which holds the GIL for as long as it takes (~150 ms at
100,000 rules, on the event loop's thread at the swap). ``retire`` frees the same a batch at
a time, in a worker thread, so the GIL changes hands between batches.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

_lock = threading.Lock()
_builders = 0
"""How many rule builds are under way (a reload thread and ``check`` may overlap)."""


@contextmanager
def building() -> Iterator[None]:
    """No cycle collection until the last of the overlapping builds ends; then what they
    built is frozen before the collector runs again (else its first full scan, on whichever
    thread allocates next, would be the stall this avoids)."""
    global _builders
    with _lock:
        _builders += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _builders -= 1
            if _builders == 0:
                gc.freeze()
                gc.enable()


RETIRE_BATCH = 500

Container = dict[Any, Any] | list[Any] | set[Any]


def retire(containers: Iterable[Container], batch: int = RETIRE_BATCH) -> None:
    """Empty each container ``batch`` entries at a time (call it from a worker thread).

    Only for containers nothing uses any more: they are emptied in place.
    """
    for container in containers:
        if isinstance(container, list):
            while container:
                del container[-batch:]
        elif isinstance(container, set):
            while container:
                for _ in range(min(batch, len(container))):
                    container.pop()
        else:
            while container:
                for _ in range(min(batch, len(container))):
                    container.popitem()


def containers_of(structure: object, skip: Collection[str] = ()) -> Iterator[Container]:
    """The dicts, lists and sets ``structure`` holds, and those held by the objects it holds
    directly (one level: a rule index's buckets and crossings), but not under ``skip``."""
    for name, value in _attributes(structure):
        if name in skip:
            continue
        if isinstance(value, dict | list | set):
            yield value
        else:
            yield from (v for _, v in _attributes(value) if isinstance(v, dict | list | set))


def _attributes(thing: object) -> list[tuple[str, Any]]:
    names = [*getattr(thing, "__dict__", ()), *getattr(type(thing), "__slots__", ())]
    return [(name, getattr(thing, name)) for name in names if hasattr(thing, name)]
