"""The env file (``alertbot.env``): ``KEY=value`` lines that Docker's ``--env-file`` and
Compose's ``env_file`` read. Setup commands fill in values without touching anything else.

Docker reads values literally (no quotes, no ``export``), so that is what is written and read.
"""

from __future__ import annotations

import getpass
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path


def read_env_file(path: Path) -> dict[str, str]:
    """The file's ``KEY=value`` lines (comments and blank lines skipped); {} when absent."""
    if not path.exists():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key and not key.startswith("#"):
            values[key.strip()] = value.strip()
    return values


def set_env_values(path: Path, values: dict[str, str]) -> None:
    """Give each key its value: a ``KEY=`` line (or the commented ``# KEY=`` template line) is
    replaced in place, a key the file lacks is appended. A new file is readable by its owner
    only: it holds tokens."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    for key, value in values.items():
        pattern = re.compile(rf"^\s*(#\s*)?{re.escape(key)}\s*=")
        found = [i for i, line in enumerate(lines) if pattern.match(line)]
        active = [i for i in found if not lines[i].lstrip().startswith("#")]
        target = (active or found or [None])[0]
        if target is None:
            lines.append(f"{key}={value}")
        else:
            lines[target] = f"{key}={value}"
    text = "\n".join(lines) + "\n"
    if path.exists():
        path.write_text(text, encoding="utf-8")
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def find_secret(
    given: str | None, variable: str, env: Mapping[str, str], env_file: Path | None, prompt: str
) -> str | None:
    """A token from the command line, else ``variable`` in the environment, then in the env
    file, else asked without echo when a person is at the terminal."""
    stored = read_env_file(env_file) if env_file is not None else {}
    secret = given or env.get(variable) or stored.get(variable)
    if not secret and sys.stdin.isatty():
        secret = getpass.getpass(prompt).strip()
    return secret or None
