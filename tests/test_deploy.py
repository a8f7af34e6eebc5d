"""The deployment files stay true to the code: the alerting rules and the dashboard ask for
metrics the bot exports, Compose rotates logs and waits on readiness, the image installs the
hashed lock before the code, and the lock covers every dependency pyproject.toml declares."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import yaml

from alertbot.ops.metrics import Metrics

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"


def exported() -> set[str]:
    """Every sample name ``/metrics`` can carry, with feeds and channels watched as the app
    does."""
    metrics = Metrics()
    metrics.watch_feeds(list)
    metrics.watch_channels(dict)
    names = set()
    for family in metrics.registry.collect():
        counter = family.type == "counter"
        names |= {f"{family.name}_total", f"{family.name}_created"} if counter else {family.name}
    return names


def referenced(expressions: list[str]) -> set[str]:
    return {name for expr in expressions for name in re.findall(r"\balertbot_\w+", expr)}


def alert_rules() -> list[dict[str, object]]:
    document = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_alerting_rules_watch_real_metrics_and_each_concern() -> None:
    rules = alert_rules()
    names = referenced([str(rule["expr"]) for rule in rules])
    assert names - exported() == set()
    for concern in ("FeedDown", "ChannelStopped", "OutboxBacklog", "DeadLetters"):
        assert any(concern in str(rule["alert"]) for rule in rules), concern
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning")  # type: ignore[index]
        assert rule["annotations"]["summary"]  # type: ignore[index]


def test_the_dashboard_plots_real_metrics() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "dashboards" / "alertbot.json").read_text())
    expressions = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    names = referenced(expressions)
    assert names - exported() == set()
    # Every metric the bot exports has a place on it (a new one should get a panel).
    plotted = {n.removesuffix("_total") for n in names}
    assert {n.removesuffix("_total") for n in exported() if not n.endswith("_created")} <= plotted


def test_compose_rotates_logs_and_waits_on_readiness() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    for name, service in services.items():
        options = service["logging"]["options"]
        assert service["logging"]["driver"] == "json-file" and options["max-size"], name
    bot = services["alertbot"]
    assert bot["healthcheck"]["test"] == ["CMD", "alertbot", "healthcheck", "--ready"]
    assert bot["depends_on"]["rules-check"]["condition"] == "service_completed_successfully"
    assert services["grafana"]["depends_on"]["prometheus"]["condition"] == "service_healthy"
    mounted = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    for path in mounted:
        assert not path.startswith("./") or (ROOT / path).exists(), path


def test_the_image_installs_the_hashed_lock_before_the_code() -> None:
    steps = [
        line.strip()
        for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines()
        if line.startswith(("COPY", "RUN"))
    ]
    lock = steps.index("COPY requirements.lock ./")
    install = next(i for i, s in enumerate(steps) if "--require-hashes" in s)
    code = steps.index("COPY alertbot ./alertbot")
    assert lock < install < code
    assert "-r requirements.lock" in steps[install]


def test_ci_installs_the_test_lock_exactly_as_the_readme_says() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert "--require-hashes -r requirements-test.lock" in ci
    assert ci in (ROOT / "README.md").read_text(encoding="utf-8")


def locked(path: Path) -> set[str]:
    names = re.findall(r"^([A-Za-z0-9][\w.-]*)==", path.read_text(encoding="utf-8"), re.M)
    return {re.sub(r"[-_.]+", "-", name).lower() for name in names}


def test_the_locks_cover_every_declared_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

    def names(requirements: list[str]) -> set[str]:
        return {
            re.sub(r"[-_.]+", "-", re.split(r"[<>=!~;\[ ]", r)[0]).lower() for r in requirements
        }

    runtime = names(project["dependencies"]) | names(project["optional-dependencies"]["postgres"])
    test = runtime | names(project["optional-dependencies"]["test"])
    hint = "pyproject.toml changed: run tools/lock to regenerate the hashed lock files"
    assert runtime - locked(ROOT / "requirements.lock") == set(), hint
    assert test - locked(ROOT / "requirements-test.lock") == set(), hint
