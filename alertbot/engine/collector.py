"""Python's cycle collector while 100,000 rules are built, and after.

Building a rule set makes millions of small objects that all live on. Each time the young
generation fills, the collector runs, and every few runs it scans everything alive — so a
100,000-rule load spent most of its time (and the event loop its longest stalls, the GIL being
held) scanning rules that were never garbage. While rules are built the collector waits;
afterwards the survivors are frozen (``gc.freeze``: moved where no collection scans them).

What a frozen object costs: if a later reload drops it and it sits in a reference cycle, it is
never freed. Rules, their index and their models hold no cycles, so a reload frees the old
ones by reference counting as usual.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

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
