"""``alertbot init``: a starter that ``check`` passes, an env file naming every variable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from alertbot.cli import main
from alertbot.i18n import CATALOGS
from alertbot.onboarding.init import ENV_TEMPLATE, RULES_FILE, starter

ROOT = Path(__file__).resolve().parents[2]


def test_init_makes_a_starter_that_check_passes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "bot")]) == 0
    rules, env = tmp_path / "bot" / "rules", tmp_path / "bot" / "alertbot.env"
    assert (rules / "alerts.yaml").is_file()
    assert oct(env.stat().st_mode & 0o777) == "0o600"
    assert "setup telegram" in capsys.readouterr().out

    assert main(["check", str(rules)]) == 0
    assert "이상 없음 — 규칙 4개" in capsys.readouterr().out
    filled = {"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_CHAT_ID": "42"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in filled.items():
            patch.setenv(name, value)
        assert main(["check", "--strict", str(rules)]) == 0


def test_init_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "alerts.yaml").write_text("mine", encoding="utf-8")
    assert main(["init", str(tmp_path)]) == 0
    assert (tmp_path / "rules" / "alerts.yaml").read_text(encoding="utf-8") == "mine"
    assert "그대로 둠" in capsys.readouterr().out


@pytest.mark.parametrize("lang", list(CATALOGS))
def test_the_env_file_names_every_variable_of_the_readme(lang: str) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| variable | meaning | default |", 1)[1].split("\n\n", 1)[0]
    first_cells = [row.split("|")[1] for row in table.splitlines() if row.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`([A-Z0-9_]+)`", cell)}
    template = starter(ENV_TEMPLATE, lang).read_text(encoding="utf-8")
    assert documented and not {v for v in documented if f"{v}=" not in template}


def test_every_language_starts_with_the_same_settings() -> None:
    """The templates differ in their comments only (and English turns ALERTBOT_LANG on)."""

    def settings(lang: str) -> list[str]:
        text = starter(ENV_TEMPLATE, lang).read_text(encoding="utf-8")
        lines = [line.lstrip("# ") for line in text.splitlines()]
        return [line for line in lines if re.match(r"[A-Z0-9_]+=", line)]

    def rules(lang: str) -> object:
        return yaml.safe_load(starter(RULES_FILE, lang).read_text(encoding="utf-8"))

    korean = settings("ko")
    for lang in CATALOGS:
        assert [v.split("=")[0] for v in settings(lang)] == [v.split("=")[0] for v in korean]
        assert rules(lang) == rules("ko")


def test_the_repository_env_example_is_the_korean_template() -> None:
    example = (ROOT / "alertbot.env.example").read_text(encoding="utf-8")
    assert example == starter(ENV_TEMPLATE, "ko").read_text(encoding="utf-8")
