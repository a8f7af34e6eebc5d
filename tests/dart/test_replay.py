"""A recorded day's DART polls through ``alertbot replay``: a backtest covers disclosures."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from alertbot.events import KST
from alertbot.recording import RecordedFrame
from alertbot.replay import Replay
from alertbot.sim.dart import filing
from tests.engine.support import ruleset

MORNING = datetime(2025, 11, 27, 9, 0, tzinfo=KST)
OLD = filing("20251127000001", "삼성전자", "005930", "주요사항보고서(자기주식취득결정)")
NEW = filing("20251127000002", "SK하이닉스", "000660", "단일판매ㆍ공급계약체결")
OTHER = filing("20251127000003", "카카오", "035720", "기업설명회(IR)개최")


def body(*rows: dict[str, str]) -> str:
    if not rows:
        return '{"status":"013","message":"조회된 데이타가 없습니다."}'
    listed = sorted(rows, key=lambda row: row["rcept_no"], reverse=True)
    page = {"status": "000", "message": "정상", "page_no": 1, "total_page": 1, "list": listed}
    return orjson.dumps(page).decode()


def test_replayed_polls_alert_what_the_live_feed_alerted(tmp_path: Path) -> None:
    rules = ruleset(
        tmp_path, "- {name: contracts, event: disclosure, keywords: [단일판매, 자기주식]}"
    )
    out = io.StringIO()
    replay = Replay(rules, out)
    polls = [
        body(OLD),  # the first poll: there before the bot, remembered
        '{"status":"020","message":"요청 제한을 초과하였습니다."}',
        body(NEW, OLD),
        body(OTHER, NEW, OLD),
        body(OTHER, NEW, OLD),  # polled again: nothing new
    ]
    alerts = []
    for n, text in enumerate(polls):
        frame = RecordedFrame(MORNING + timedelta(seconds=5 * n), "dart", text)
        alerts.extend(replay.frame(frame))
    (alert,) = alerts
    assert alert.event_key == "disclosure:20251127000002"
    assert "SK하이닉스(000660) 단일판매ㆍ공급계약체결" in out.getvalue()
    assert replay.totals.events == 2 and not replay.decoder.unparsed
