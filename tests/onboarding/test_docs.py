"""The way in is documented: the README's first screen links the Korean guide, and every
command ``alertbot --help`` lists is in the README's command table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from alertbot.cli import main

ROOT = Path(__file__).resolve().parents[2]
FIRST_SCREEN = 15
"""Lines a reader sees without scrolling."""


def test_the_first_screen_links_the_korean_guide() -> None:
    first = "\n".join((ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:FIRST_SCREEN])
    (link,) = re.findall(r"\]\((docs/ko/[^)]+\.md)\)", first)
    guide = (ROOT / link).read_text(encoding="utf-8")
    for topic in ("IP", "모의투자", "07:00", "chat_id", "docker compose", "alertbot doctor"):
        assert topic in guide, topic


def test_every_command_of_the_help_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    listed = re.findall(r"^    (\w+)", capsys.readouterr().out, re.M)
    assert {"init", "setup", "doctor", "demo", "run"} <= set(listed)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert [c for c in listed if f"| `alertbot {c}" not in readme] == []
