"""Storm benchmark: 1,000 VIs in about a second through the whole bot to one Telegram chat.

Simulated Kiwoom → ``App`` (real engine, delivery, outbox on a temp file) → fake Telegram,
real clock. Prints events, messages, seconds from the first VI to the last symbol arriving,
and the fastest per-chat rate the fake saw. Run: ``.venv/bin/python bench/storm.py``.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import tempfile
import time
from pathlib import Path

from alertbot.app import App
from alertbot.settings import Settings
from alertbot.sim.kiwoom import SIM_TOKEN, KiwoomSimulator, vi_entry
from alertbot.sim.telegram import FakeTelegram

EVENTS = 1000
FRAMES = 10
RULES = """
channels:
  phone: {type: telegram, token: "123:bench", chat_id: "424242", base_url: "%s"}
defaults: {notify: [phone]}
rules:
  - {name: vi-all, event: vi}
"""


async def main() -> None:
    symbols = [f"{100000 + i:06d}" for i in range(EVENTS)]
    with tempfile.TemporaryDirectory() as tmp:
        async with KiwoomSimulator() as kiwoom, FakeTelegram() as telegram:
            (Path(tmp) / "rules.yaml").write_text(RULES % telegram.base_url, encoding="utf-8")
            settings = Settings.from_env(
                {
                    "KIWOOM_TOKEN": SIM_TOKEN,
                    "KIWOOM_WS_URL": kiwoom.url,
                    "ALERTBOT_RULES": tmp,
                    "ALERTBOT_STATE": str(Path(tmp) / "state.db"),
                }
            )
            app = App(settings, env={})
            await app.start()
            await kiwoom.wait_for(lambda: any(("1h", "") in s.registrations for s in kiwoom.live))
            start = time.monotonic()
            per_frame = EVENTS // FRAMES
            for frame in range(FRAMES):
                batch = symbols[frame * per_frame : (frame + 1) * per_frame]
                await kiwoom.push([vi_entry(s, "종목", price=10000) for s in batch])
                await asyncio.sleep(0.1)  # a burst spread over about a second
            await telegram.wait_for(lambda: _seen(telegram) >= EVENTS, timeout=120)
            seconds = time.monotonic() - start
            await app.stop()
    arrivals = [m.arrived for m in telegram.messages]
    gaps = [b - a for a, b in itertools.pairwise(arrivals)]
    print(f"events:   {EVENTS} VIs in {FRAMES} frames")
    longest = max(len(m.text) for m in telegram.messages)
    print(f"messages: {len(telegram.messages)} (longest {longest} chars of HTML)")
    print(f"seconds:  {seconds:.2f} from the first VI to the last symbol in the chat")
    print(f"symbols:  {_seen(telegram)} distinct, {_mentions(telegram)} mentions")
    print(f"pacing:   smallest gap between messages {min(gaps):.3f} s (limit: 1 msg/s per chat)")


def _mentions(telegram: FakeTelegram) -> int:
    return sum(len(re.findall(r"\(\d{6}\)", m.text)) for m in telegram.messages)


def _seen(telegram: FakeTelegram) -> int:
    return len({s for m in telegram.messages for s in re.findall(r"\((\d{6})\)", m.text)})


if __name__ == "__main__":
    asyncio.run(main())
