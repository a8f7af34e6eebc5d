"""``alertbot replay --send``: the alerts go through the real delivery path, once each."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from alertbot.engine.rules import RuleSet, load_rules
from alertbot.recording import Recording
from alertbot.replay import run_replay
from alertbot.sim.telegram import FakeTelegram
from tests.replay.crafted import write_recording

RULES = """
channels:
  phone:
    type: telegram
    token: ${TELEGRAM_BOT_TOKEN}
    chat_id: "424242"
    base_url: ${TELEGRAM_BASE_URL}
  log: {type: console}
defaults:
  notify: [log]
rules:
  - name: battery-news
    event: news
    keywords: ["2차전지"]
    notify: [phone]
  - name: every-vi
    event: vi
"""


@pytest.fixture
def ruleset(tmp_path: Path, fake_telegram: FakeTelegram) -> RuleSet:
    (tmp_path / "rules.yaml").write_text(RULES, encoding="utf-8")
    env = {"TELEGRAM_BOT_TOKEN": "123:fake", "TELEGRAM_BASE_URL": fake_telegram.base_url}
    return load_rules(tmp_path / "rules.yaml", env)


async def test_send_delivers_what_the_replay_prints(
    tmp_path: Path,
    ruleset: RuleSet,
    fake_telegram: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    recording = Recording(write_recording(tmp_path / "day.jsonl.gz"))
    out = io.StringIO()
    replay = await run_replay(recording, ruleset, send=True, out=out)
    # The headline comes twice in the recording; the phone gets it once.
    (message,) = fake_telegram.messages
    assert message.chat_id == "424242"
    assert message.text.splitlines()[0] == "<b>📰 2차전지 대규모 수주</b>"  # not "late"
    assert replay.sent["battery-news"] == 1 and replay.duplicates["battery-news"] == 1
    assert "09:30:00  battery-news  2차전지 대규모 수주  → phone" in out.getvalue()
    assert capsys.readouterr().out.startswith("[log] ⚡ VI 발동 삼성전자(005930)\n")


async def test_without_send_nothing_leaves(
    tmp_path: Path,
    ruleset: RuleSet,
    fake_telegram: FakeTelegram,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = io.StringIO()
    await run_replay(Recording(write_recording(tmp_path / "day.jsonl")), ruleset, out=out)
    assert fake_telegram.messages == []
    assert capsys.readouterr().out == ""
    assert "09:30:00  battery-news  2차전지 대규모 수주  → phone" in out.getvalue()
