"""``alertbot init [DIR]``: a starter rules folder and an env file, commented in the language in
use (``starter/<lang>/``: one template per language, the same settings in each).

The starter passes ``alertbot check`` as written (its ``${VAR}`` are warnings until the env file
is filled in). Files that exist are never overwritten: running it twice is harmless.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from alertbot.i18n import language, t

STARTER = Path(__file__).resolve().with_name("starter")
RULES_FILE = "alerts.yaml"
ENV_TEMPLATE = "alertbot.env.template"


def starter(name: str, lang: str | None = None) -> Path:
    """A starter file in ``lang`` (default: the language in use)."""
    return STARTER / (lang or language()) / name


def init(folder: Path, say: Callable[[str], None] = print) -> int:
    """Create ``folder/rules/alerts.yaml`` and ``folder/alertbot.env``; say what was done."""
    targets = [
        (starter(RULES_FILE), folder / "rules" / "alerts.yaml", 0o644),
        (starter(ENV_TEMPLATE), folder / "alertbot.env", 0o600),  # it will hold tokens
    ]
    for source, target, mode in targets:
        if target.exists():
            say(t("init.kept", path=target))
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        target.chmod(mode)
        say(t("init.made", path=target))
    say(t("init.next", env=folder / "alertbot.env", rules=folder / "rules"))
    return 0
