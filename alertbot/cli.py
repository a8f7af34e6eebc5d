"""The ``alertbot`` command: run, demo, check, and the rest of the public surface."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from alertbot import __version__
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.yamlsource import MissingVariables, RulesError
from alertbot.ops.logs import settings_secrets, setup_logging
from alertbot.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alertbot",
        description="Real-time alerts from Kiwoom and LS Securities feeds to Telegram and Slack.",
    )
    parser.add_argument("--version", action="version", version=f"alertbot {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = commands.add_parser("run", help="run the bot (feeds start for brokers with credentials)")
    run.add_argument("--rules", type=Path, help="rule file or folder (default: $ALERTBOT_RULES)")

    demo = commands.add_parser("demo", help="run on a simulated market day; no account needed")
    demo.add_argument("--rules", type=Path, default=Path("rules"), help="default: rules/")

    check = commands.add_parser("check", help="validate rule files; exit 1 on any error")
    check.add_argument("path", type=Path, help="rule file or folder")
    check.add_argument(
        "--strict",
        action="store_true",
        help="an unset ${VAR} is an error (by default a warning, for CI without secrets)",
    )

    health = commands.add_parser(
        "healthcheck", help="exit 0 when the running bot at $ALERTBOT_HTTP answers /healthz"
    )
    health.add_argument("--ready", action="store_true", help="ask /readyz instead")
    return parser


def cmd_check(path: Path, strict: bool = False) -> int:
    """``file:line: message`` per problem; exit 1 on any error, 0 with a summary when valid."""
    from alertbot.delivery.notifiers.base import validate_options

    missing: MissingVariables = "error" if strict else "warning"
    try:
        ruleset = load_rules(path, missing=missing, check_channel=validate_options)
    except RulesError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    for problem in ruleset.warnings:
        print(problem)
    print(summary(path, ruleset))
    return 0


def summary(path: Path, ruleset: RuleSet) -> str:
    """``rules/: ok — 7 rules (price 2, vi 1, …), 2 channels (console 1, telegram 1)``."""

    def counted(counter: Counter[str]) -> str:
        return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items())) or "none"

    rules = Counter(located.rule.event for located in ruleset.rules)
    channels = Counter(spec.type for spec in ruleset.channels.values())
    disabled = sum(not located.rule.enabled for located in ruleset.rules)
    off = f", {disabled} disabled" if disabled else ""
    return (
        f"{path}: ok — {len(ruleset.rules)} rules ({counted(rules)}{off}), "
        f"{len(ruleset.channels)} channels ({counted(channels)})"
    )


def cmd_run(rules: Path | None) -> int:
    from alertbot.app import App

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    setup_logging(settings.log_level, settings.log_format, settings_secrets(settings))
    app = App(settings, rules_path=rules)
    try:
        asyncio.run(app.run_until_signalled())
    except RulesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    return 0


def cmd_demo(rules: Path) -> int:
    from alertbot.demo import run_demo

    setup_logging("WARNING")
    try:
        asyncio.run(run_demo(rules))
    except RulesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    return 0


def cmd_healthcheck(ready: bool) -> int:
    from alertbot.ops.http import probe

    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    healthy, why = probe(settings.http, "/readyz" if ready else "/healthz")
    print(why)
    return 0 if healthy else 1


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "check":
        return cmd_check(args.path, args.strict)
    if args.command == "run":
        return cmd_run(args.rules)
    if args.command == "demo":
        return cmd_demo(args.rules)
    if args.command == "healthcheck":
        return cmd_healthcheck(args.ready)
    raise AssertionError(args.command)  # argparse rejects unknown commands
