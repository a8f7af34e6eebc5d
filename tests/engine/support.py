"""Building rule sets and events for engine tests without repeating the boilerplate."""

from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

from alertbot.engine.rules import RuleSet, load_rules
from alertbot.events import KST
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator

HEADER = """
channels:
  log: {type: console}
  phone: {type: console}
defaults:
  notify: [log]
  admin: [log]
"""

MONDAY_10AM = datetime(2025, 3, 3, 10, 0, tzinfo=KST)
"""A trading day's morning: inside every usual ``active`` window."""


def write_rules(folder: Path, rules: str, header: str = HEADER, name: str = "rules.yaml") -> Path:
    """Write ``header`` + an indented ``rules:`` block; return the file."""
    body = header + "rules:\n" + textwrap.indent(textwrap.dedent(rules).strip("\n"), "  ") + "\n"
    path = folder / name
    path.write_text(body, encoding="utf-8")
    return path


def ruleset(folder: Path, rules: str, header: str = HEADER) -> RuleSet:
    write_rules(folder, rules, header)
    return load_rules(folder, env={})


def sim_settings(simulator: KiwoomSimulator, rules: Path, state: Path) -> Settings:
    """An app's settings for the Kiwoom simulator on loopback."""
    return Settings.from_env(
        {
            "KIWOOM_TOKEN": SIM_TOKEN,
            "KIWOOM_WS_URL": simulator.url,
            "ALERTBOT_RULES": str(rules),
            "ALERTBOT_STATE": str(state),
        }
    )
