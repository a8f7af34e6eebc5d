"""``alertbot demo``: the bot on a simulated market day, no account or token needed.

It starts the broker simulators in-process, runs the real app against them with the shipped
rules (every channel printed to the console instead of sent) and plays a recorded day through
the simulators: ``demo/day.jsonl.gz``, a synthetic but realistic session made by
``tools/make_demo_day.py`` (the open, VIs, a sidecar, a circuit breaker, a condition-search
burst, fills, news, DART disclosures). The app's clock is the played day's, so times,
cooldowns and active hours are the day's; each frame waits until the app has taken it, so the
whole day plays in seconds.
"""

from __future__ import annotations

import os
from pathlib import Path

from alertbot.app import App
from alertbot.delivery.channels import CONSOLE
from alertbot.events import now_kst
from alertbot.feeds.dart.client import DartFeed
from alertbot.feeds.ls import protocol as ls_protocol
from alertbot.i18n import t
from alertbot.recording import Recording
from alertbot.settings import Settings
from alertbot.sim import ls as ls_sim
from alertbot.sim.dart import SIM_KEY, DartSimulator
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator
from alertbot.sim.player import Player

DAY = Path(__file__).with_name("demo") / "day.jsonl.gz"


class _PlaceholderEnv(dict[str, str]):
    """The real environment, with a harmless stand-in for any ``${VAR}`` it lacks.

    The demo prints every channel to the console, so channel secrets are never used.
    """

    def __missing__(self, key: str) -> str:
        return f"demo-{key.lower()}"

    def __contains__(self, key: object) -> bool:
        return True


async def run_demo(rules: Path, day: Path = DAY, speed: float | None = None) -> None:
    """Play ``day`` through the simulators to the app on ``rules``; ``speed`` N also keeps
    the recorded gaps, N times shorter (``None``: as fast as the app takes the frames)."""
    frames = list(Recording(day))
    async with (
        KiwoomSimulator() as simulator,
        ls_sim.LsSimulator() as ls,
        DartSimulator() as dart,
    ):
        player = Player(simulator, ls, dart)
        player.prime(frames)
        first = frames[0].t if frames else None
        settings = Settings.from_env(
            {
                "KIWOOM_TOKEN": SIM_TOKEN,
                "KIWOOM_WS_URL": simulator.url,
                "KIWOOM_API_URL": simulator.api_url,
                "LS_APPKEY": ls_sim.SIM_APPKEY,
                "LS_APPSECRET": ls_sim.SIM_APPSECRET,
                "LS_API_URL": ls.api_url,
                "LS_WS_URL": ls.ws_url,
                "DART_API_KEY": SIM_KEY,
                "DART_API_URL": dart.api_url,
                "DART_POLL": "3600",  # polled when the day files something (poll_now below)
                "ALERTBOT_RULES": str(rules),
                "ALERTBOT_STATE": ":memory:",  # a demo leaves no cooldowns behind
                "ALERTBOT_HTTP": "127.0.0.1:0",  # a bot running here keeps its address
            }
        )
        app = App(
            settings,
            env=_PlaceholderEnv(os.environ),
            channels=CONSOLE,
            watcher=None,
            clock=lambda: player.now or first or now_kst(),
        )
        print(t("demo.start", frames=len(frames), day=day.name, rules=rules) + "\n")
        async with app:
            assert app.engine is not None
            wanted = app.engine.subscriptions()
            await simulator.wait_for(lambda: simulator.covers(wanted))
            ls_topics = ls_protocol.wanted(wanted)
            await ls.wait_for(lambda: any(s.subscriptions >= ls_topics for s in ls.live))
            # Only what the rules registered is sent; each condition's first answer (its
            # current matches) is an event too. Each frame is taken before the next is sent,
            # so the app's clock is the frame's time when it evaluates it.
            expected = sum(session.snapshots for session in simulator.live)
            await app.events.wait(expected)
            if wanted.disclosures:  # the day's first poll: nothing filed yet
                await dart.wait_for(lambda: dart.calls >= 1)
            dart_feeds = [feed for feed in app.feeds if isinstance(feed, DartFeed)]
            async for played in player.play(frames, speed=speed):
                if played.frame.src == "dart":
                    if not wanted.disclosures:
                        continue  # no disclosure rule: the feed does not poll
                    for feed in dart_feeds:
                        feed.poll_now()
                expected += played.delivered
                await app.events.wait(expected)
