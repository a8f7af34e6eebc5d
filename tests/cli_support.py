"""The real entry point as a user runs it: ``python -m alertbot …`` in a child process."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def environment(lang: str | None = None, without: tuple[str, ...] = ()) -> dict[str, str]:
    """This process's environment speaking ``lang`` (None: the default, Korean), without the
    variables whose names start with one of ``without``."""
    env = {
        k: v for k, v in os.environ.items() if k != "ALERTBOT_LANG" and not k.startswith(without)
    }
    if lang is not None:
        env["ALERTBOT_LANG"] = lang
    return env


def run_alertbot(
    *args: str, env: Mapping[str, str], cwd: Path = ROOT, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``python -m alertbot args`` with exactly ``env``, from any folder (``cwd``)."""
    return subprocess.run(
        [sys.executable, "-m", "alertbot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
