"""The shipped demo day: readable to the last frame, every kind of alert the shipped rules
cover, and the file is exactly what its generator makes."""

from __future__ import annotations

import importlib.util
import io
import itertools
import sys
from pathlib import Path
from types import ModuleType

from alertbot.alerts import Alert
from alertbot.demo import DAY
from alertbot.engine.rules import load_rules
from alertbot.feeds.decode import Decoder
from alertbot.recording import Recording
from alertbot.replay import Replay

ROOT = Path(__file__).resolve().parents[2]


def generator() -> ModuleType:
    path = ROOT / "tools" / "make_demo_day.py"
    spec = importlib.util.spec_from_file_location("make_demo_day", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def test_every_frame_of_the_day_parses() -> None:
    recording = Recording(DAY)
    decoder = Decoder(generator().SUBSCRIPTIONS)
    frames = events = 0
    for frame in recording:
        frames += 1
        events += len(decoder.decode(frame.src, frame.frame, frame.t))
    assert recording.damaged == 0
    assert dict(decoder.unparsed) == {}
    assert 300 <= frames <= 2000 and events > frames * 0.8


def test_the_shipped_rules_fire_for_every_kind_they_cover() -> None:
    ruleset = load_rules(ROOT / "rules", missing="warning")
    replay = Replay(ruleset, io.StringIO())
    sent: list[Alert] = []
    for frame in Recording(DAY):
        sent += replay.frame(frame)
    covered = {located.rule.event for located in ruleset.rules if located.rule.enabled}
    assert covered == {
        "vi",
        "price",
        "condition",
        "fill",
        "market",
        "news",
        "limit",
        "volume",
        "disclosure",
    }
    assert {alert.kind for alert in sent} == covered
    stats = replay.engine.stats
    assert sum(n for (_, outcome), n in stats.items() if outcome == "cooldown") > 0
    assert sum(replay.duplicates.values()) > 0


def test_the_day_has_what_the_demo_promises() -> None:
    """Session changes, the open, a sidecar and a circuit breaker; VIs of both kinds, triggered
    and released, from both brokers; a snapshot then a burst of entries; fills from both."""
    decoder = Decoder(generator().SUBSCRIPTIONS)
    events = [e for f in Recording(DAY) for e in decoder.decode(f.src, f.frame, f.t)]
    categories = {e.category for e in events if e.kind == "market"}  # type: ignore[attr-defined]
    assert {"session", "sidecar", "circuit_breaker"} <= categories
    vis = {(e.source, e.state, e.vi_kind) for e in events if e.kind == "vi"}  # type: ignore[attr-defined]
    for source in ("kiwoom", "ls"):
        for state in ("triggered", "released"):
            assert {(source, state, "static"), (source, state, "dynamic")} <= vis
    crossings = [e for e in events if e.kind == "price" and e.symbol == "005930"]
    prices = [e.price for e in crossings]  # type: ignore[attr-defined]
    assert any(a < 80_000 <= b for a, b in itertools.pairwise(prices))
    actions = [e.action for e in events if e.kind == "condition"]  # type: ignore[attr-defined]
    assert actions[0] == "snapshot" and actions.count("enter") >= 10
    assert {e.source for e in events if e.kind == "fill"} == {"kiwoom", "ls"}
    # 한미반도체 at its upper limit by Kiwoom's trades (FID 25 = 1) and LS's SHI/SHO.
    signs = [e.sign for e in events if e.kind == "price" and e.symbol == "042700"]  # type: ignore[attr-defined]
    assert "1" in signs and signs[-1] == "1"
    limits = [(e.source, e.state) for e in events if e.kind == "limit"]  # type: ignore[attr-defined]
    assert limits == [("ls", "reached"), ("ls", "released"), ("ls", "reached")]
    # DART: the first poll finds nothing; then each filing once, a correction among them.
    reports = [e.report for e in events if e.kind == "disclosure"]  # type: ignore[attr-defined]
    assert len(reports) == 4 and any(r.startswith("[기재정정]") for r in reports)


async def test_the_generator_makes_the_shipped_file(tmp_path: Path) -> None:
    out = tmp_path / DAY.name  # the same name: gzip keeps it in its header
    await generator().record_day(out)
    assert out.read_bytes() == DAY.read_bytes()
