"""The ``alertbot`` command: run, demo, check, and the rest of the public surface."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from alertbot import __version__
from alertbot.engine.listed import ListedStocks
from alertbot.engine.rules import RuleSet, load_rules
from alertbot.engine.yamlsource import MissingVariables, RulesError
from alertbot.ha.database import DatabaseUnavailable
from alertbot.i18n import argparse_words, t
from alertbot.onboarding.examples import EXAMPLES
from alertbot.ops.logs import settings_secrets, setup_logging
from alertbot.settings import Settings, SettingsError

if TYPE_CHECKING:
    from alertbot.app import App
    from alertbot.ha.node import Node


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alertbot",
        description=t("cli.description"),
        epilog=t("cli.epilog"),
        formatter_class=argparse_words.HelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"alertbot {__version__}", help=t("cli.version")
    )
    commands = parser.add_subparsers(
        dest="command", metavar=t("cli.metavar.command"), required=True
    )
    path, file, seconds = t("cli.metavar.path"), t("cli.metavar.file"), t("cli.metavar.seconds")

    run = _command(commands, "run", t("cli.run"))
    run.add_argument("--rules", type=Path, metavar=path, help=t("cli.run.rules"))

    demo = _command(commands, "demo", t("cli.demo"))
    demo.add_argument(
        "--rules", type=Path, default=EXAMPLES, metavar=path, help=t("cli.demo.rules")
    )
    demo.add_argument("--speed", type=_speed, metavar="N", help=t("cli.demo.speed"))

    check = _command(commands, "check", t("cli.check"))
    check.add_argument("path", type=Path, metavar=path, help=t("cli.check.path"))
    check.add_argument("--strict", action="store_true", help=t("cli.check.strict"))

    record = _command(commands, "record", t("cli.record"))
    record.add_argument("--out", type=Path, required=True, metavar=file, help=t("cli.record.out"))
    record.add_argument("--rules", type=Path, metavar=path, help=t("cli.record.rules"))
    record.add_argument(
        "--symbols",
        type=_codes,
        default=(),
        metavar=t("cli.metavar.codes"),
        help=t("cli.record.symbols"),
    )

    replay = _command(commands, "replay", t("cli.replay"))
    replay.add_argument("file", type=Path, metavar=file, help=t("cli.replay.file"))
    replay.add_argument(
        "--rules", type=Path, default=Path("rules"), metavar=path, help=t("cli.replay.rules")
    )
    pace = replay.add_mutually_exclusive_group()
    pace.add_argument("--speed", type=_speed, metavar="N", help=t("cli.replay.speed"))
    pace.add_argument(
        "--as-fast-as-possible",
        action="store_const",
        const=None,
        dest="speed",
        help=t("cli.replay.fast"),
    )
    replay.add_argument("--send", action="store_true", help=t("cli.replay.send"))
    replay.add_argument("--full", action="store_true", help=t("cli.replay.full"))

    _onboarding_commands(commands, file, seconds)

    health = _command(commands, "healthcheck", t("cli.healthcheck"))
    health.add_argument("--ready", action="store_true", help=t("cli.healthcheck.ready"))
    return parser


def _command(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    name: str,
    text: str,
) -> argparse.ArgumentParser:
    """A sub-command whose one-line help in the list is also its own ``--help`` heading."""
    parser: argparse.ArgumentParser = commands.add_parser(
        name, help=text, description=text, formatter_class=argparse_words.HelpFormatter
    )
    return parser


def _onboarding_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    file: str,
    seconds: str,
) -> None:
    init = _command(commands, "init", t("cli.init"))
    init.add_argument(
        "dir",
        type=Path,
        nargs="?",
        default=Path("."),
        metavar=t("cli.metavar.folder"),
        help=t("cli.init.dir"),
    )

    setup = _command(commands, "setup", t("cli.setup"))
    services = setup.add_subparsers(dest="service", metavar=t("cli.metavar.service"), required=True)
    token = t("cli.metavar.token")
    telegram = _command(services, "telegram", t("cli.setup.telegram"))
    telegram.add_argument("--token", metavar=token, help=t("cli.setup.telegram.token"))
    telegram.add_argument(
        "--timeout", type=_speed, default=300.0, metavar=seconds, help=t("cli.setup.timeout")
    )
    slack = _command(services, "slack", t("cli.setup.slack"))
    slack.add_argument("--token", metavar=token, help=t("cli.setup.slack.token"))
    slack.add_argument(
        "--channel",
        required=True,
        metavar=t("cli.metavar.channel"),
        help=t("cli.setup.slack.channel"),
    )
    for service in (telegram, slack):
        service.add_argument("--env-file", type=Path, metavar=file, help=t("cli.setup.env_file"))
        service.add_argument(
            "--base-url", metavar=t("cli.metavar.url"), help=t("cli.setup.base_url")
        )

    doctor = _command(commands, "doctor", t("cli.doctor"))
    doctor.add_argument("--dry-run", action="store_true", help=t("cli.doctor.dry_run"))
    doctor.add_argument("--env-file", type=Path, metavar=file, help=t("cli.doctor.env_file"))
    doctor.add_argument(
        "--timeout", type=_speed, default=10.0, metavar=seconds, help=t("cli.doctor.timeout")
    )


def _codes(text: str) -> tuple[str, ...]:
    codes = tuple(code.strip() for code in text.split(",") if code.strip())
    bad = [code for code in codes if not (len(code) == 6 and code.isalnum())]
    if bad:
        raise argparse.ArgumentTypeError(t("cli.bad_codes", codes=", ".join(bad)))
    return codes


def _speed(text: str) -> float:
    try:
        speed = float(text)
    except ValueError:
        speed = 0.0
    if not speed > 0 or speed == float("inf"):
        raise argparse.ArgumentTypeError(t("cli.bad_speed", value=text))
    return speed


def cmd_check(path: Path, strict: bool = False) -> int:
    """``file:line: message`` per problem; exit 1 on any error, 0 with a summary when valid."""
    from alertbot.delivery.notifiers.base import validate_options

    missing: MissingVariables = "error" if strict else "warning"
    try:
        ruleset = load_rules(
            path,
            missing=missing,
            check_channel=validate_options,
            require_rules=True,
            stocks=_listed_stocks(),
        )
    except RulesError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    for problem in ruleset.warnings:
        print(problem)
    print(summary(path, ruleset))
    return 0


def _listed_stocks() -> ListedStocks | None:
    """The stock master the bot saved in its SQLite state, when there is one here: codes
    that are not listed become warnings naming the closest ones."""
    try:
        state = Settings.from_env(os.environ).state
    except SettingsError:
        return None
    if not state.is_file():
        return None
    try:
        with contextlib.closing(sqlite3.connect(f"file:{state}?mode=ro", uri=True)) as conn:
            rows = conn.execute("SELECT code, name FROM stock_master").fetchall()
    except sqlite3.Error:
        return None
    return ListedStocks(dict(rows)) if rows else None


def summary(path: Path, ruleset: RuleSet) -> str:
    """``rules/: ok — 7 rules (price 2, vi 1, …), 2 channels (console 1, telegram 1)``."""

    def counted(counter: Counter[str]) -> str:
        return ", ".join(f"{kind} {n}" for kind, n in sorted(counter.items())) or t("word.none")

    rules = Counter(located.rule.event for located in ruleset.rules)
    channels = Counter(spec.type for spec in ruleset.channels.values())
    disabled = sum(not located.rule.enabled for located in ruleset.rules)
    off = [t("check.disabled", count=disabled)] if disabled else []
    kinds = ", ".join([counted(rules), *off])
    return t(
        "check.ok",
        path=path,
        rules=len(ruleset.rules),
        kinds=kinds,
        channels=len(ruleset.channels),
        types=counted(channels),
    )


def _settings() -> Settings | None:
    """The environment's settings, or None after saying which variable is wrong."""
    try:
        return Settings.from_env()
    except SettingsError as exc:
        print(t("cli.settings", error=exc), file=sys.stderr)
        return None


def cmd_run(rules: Path | None) -> int:
    settings = _settings()
    if settings is None:
        return 2
    setup_logging(settings.log_level, settings.log_format, settings_secrets(settings))
    try:
        asyncio.run(_bot_or_group(settings, rules).run_until_signalled())
    except DatabaseUnavailable as exc:  # the driver is missing: say how to install it
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    except RulesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    return 0


def _bot_or_group(settings: Settings, rules: Path | None) -> App | Node:
    """The bot alone, or — with a ``postgresql://`` state — a member of an HA group that runs
    it only while leading."""
    from alertbot.app import App

    if settings.database is None:
        return App(settings, rules_path=rules)
    from alertbot.ha.database import driver
    from alertbot.ha.node import Node

    driver()
    return Node(
        settings.database.get_secret_value(),
        lambda term: App(settings, rules_path=rules, term=term),
        rules_path=rules or settings.rules,
        http=settings.http,
        lease_seconds=settings.ha_lease,
        renew_every=settings.ha_lease / 3,
    )


def cmd_demo(rules: Path, speed: float | None = None) -> int:
    from alertbot.demo import run_demo

    setup_logging("WARNING")
    if not rules.exists():
        print(t("cli.demo.no_rules", path=str(rules)), file=sys.stderr)
        return 2
    try:
        asyncio.run(run_demo(rules, speed=speed))
    except RulesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    return 0


def cmd_record(out: Path, rules: Path | None, symbols: tuple[str, ...]) -> int:
    """Record until SIGINT or SIGTERM; exit 0 with the file closed (a whole gzip)."""
    from alertbot.engine.engine import Engine
    from alertbot.record import NoFeeds, record, recorded_subscriptions

    settings = _settings()
    if settings is None:
        return 2
    setup_logging(settings.log_level, settings.log_format, settings_secrets(settings))
    try:
        # Channels are never used here: an unset ${VAR} in them is no reason to miss a day.
        ruleset = load_rules(rules or settings.rules, missing="warning")
    except RulesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    subscriptions = recorded_subscriptions(Engine(ruleset).subscriptions(), symbols)

    async def until_signalled() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        writer = await record(settings, out, subscriptions, stop)
        counts = ", ".join(f"{src} {n}" for src, n in sorted(writer.by_source.items()))
        sources = counts or t("word.none")
        print(t("cli.record.done", out=out, frames=writer.frames, sources=sources), file=sys.stderr)

    try:
        asyncio.run(until_signalled())
    except NoFeeds as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_replay(file: Path, rules: Path, speed: float | None, send: bool, full: bool) -> int:
    from alertbot.delivery.notifiers.base import validate_options
    from alertbot.recording import Recording, RecordingError
    from alertbot.replay import run_replay

    setup_logging("WARNING")
    try:
        recording = Recording(file)
        # Without --send no channel is used, so their ${VAR}s need not be set.
        ruleset = load_rules(
            rules,
            missing="error" if send else "warning",
            check_channel=validate_options if send else None,
        )
    except RecordingError as exc:
        print(f"alertbot: {exc}", file=sys.stderr)
        return 2
    except RulesError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    asyncio.run(run_replay(recording, ruleset, speed=speed, send=send, full=full))
    return 0


def cmd_healthcheck(ready: bool) -> int:
    from alertbot.ops.http import probe

    settings = _settings()
    if settings is None:
        return 2
    healthy, why = probe(settings.http, "/readyz" if ready else "/healthz")
    print(why)
    return 0 if healthy else 1


def cmd_init(folder: Path) -> int:
    from alertbot.onboarding.init import init

    return init(folder)


def cmd_setup(args: argparse.Namespace) -> int:
    from alertbot.onboarding.setup_slack import SLACK_API, find_slack_token, setup_slack
    from alertbot.onboarding.setup_telegram import (
        DEFAULT_BASE_URL,
        SetupError,
        find_token,
        setup_telegram,
    )

    env = dict(os.environ)
    try:
        if args.service == "telegram":
            token = find_token(args.token, env, args.env_file)
            base = args.base_url or DEFAULT_BASE_URL
            asyncio.run(
                setup_telegram(token, base_url=base, env_file=args.env_file, timeout=args.timeout)
            )
        else:
            token = find_slack_token(args.token, env, args.env_file)
            base = args.base_url or SLACK_API
            asyncio.run(setup_slack(token, args.channel, base_url=base, env_file=args.env_file))
    except SetupError as exc:
        print(f"❌ {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


def cmd_doctor(dry_run: bool, env_file: Path | None, timeout: float) -> int:
    from alertbot.i18n import use
    from alertbot.onboarding.doctor import run_doctor
    from alertbot.onboarding.envfile import read_env_file

    setup_logging("ERROR")
    env = {**os.environ, **(read_env_file(env_file) if env_file is not None else {})}
    try:
        settings = Settings.from_env(env)
    except SettingsError as exc:
        print(t("cli.doctor.settings", error=exc), file=sys.stderr)
        return 1
    use(settings.lang)  # the env file's ALERTBOT_LANG: the language the bot will speak
    return asyncio.run(run_doctor(settings, env, dry_run=dry_run, timeout=timeout))


def main(argv: Sequence[str] | None = None) -> int:
    with argparse_words.speaking():
        args = _parser().parse_args(argv)
    if args.command == "check":
        return cmd_check(args.path, args.strict)
    if args.command == "run":
        return cmd_run(args.rules)
    if args.command == "demo":
        return cmd_demo(args.rules, args.speed)
    if args.command == "record":
        return cmd_record(args.out, args.rules, args.symbols)
    if args.command == "replay":
        return cmd_replay(args.file, args.rules, args.speed, args.send, args.full)
    if args.command == "init":
        return cmd_init(args.dir)
    if args.command == "setup":
        return cmd_setup(args)
    if args.command == "doctor":
        return cmd_doctor(args.dry_run, args.env_file, args.timeout)
    if args.command == "healthcheck":
        return cmd_healthcheck(args.ready)
    raise AssertionError(args.command)  # argparse rejects unknown commands
