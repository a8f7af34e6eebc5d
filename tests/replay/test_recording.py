"""The recording format: exact round trips, and damaged files read as far as they go."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alertbot.engine.rules import load_rules
from alertbot.events import KST
from alertbot.recording import (
    LOGGED_PROBLEMS,
    RecordedFrame,
    Recording,
    RecordingError,
    RecordWriter,
)
from alertbot.replay import run_replay

T = datetime(2026, 11, 20, 9, 0, 1, 123456, KST)


@pytest.mark.parametrize("name", ["day.jsonl", "day.jsonl.gz"])
def test_text_and_binary_frames_round_trip(tmp_path: Path, name: str) -> None:
    frames = [
        RecordedFrame(T, "kiwoom", '{"trnm":"PING"}'),
        RecordedFrame(T + timedelta(microseconds=1), "ls", b"\x00\xffbinary"),
        RecordedFrame(T + timedelta(seconds=1), "ls", "한글 그대로 \n 줄바꿈도"),
    ]
    with RecordWriter(tmp_path / name) as writer:
        for frame in frames:
            writer.write(frame.src, frame.frame, frame.t)
        writer.close()
        writer.write("kiwoom", "after close: a feed still reading during shutdown", T)
    recording = Recording(tmp_path / name)
    assert list(recording) == frames
    assert recording.problems == []


def test_times_are_kept_in_kst_to_the_microsecond(tmp_path: Path) -> None:
    utc = datetime(2026, 11, 20, 0, 0, 1, 5, UTC)
    with RecordWriter(tmp_path / "day.jsonl") as writer:
        writer.write("kiwoom", "{}", utc)
    line = (tmp_path / "day.jsonl").read_text(encoding="utf-8")
    assert line == '{"t":"2026-11-20T09:00:01.000005+09:00","src":"kiwoom","frame":"{}"}\n'


def test_damaged_lines_are_skipped_and_named(tmp_path: Path) -> None:
    good = RecordedFrame(T, "kiwoom", "{}").line()
    path = tmp_path / "day.jsonl"
    path.write_bytes(
        good
        + b"[1, 2]\n"
        + b'{"t": "2026-11-20T09:00:01+09:00", "frame": "{}"}\n'
        + b'{"t": "2026-11-20T09:00:01", "src": "ls", "frame": "{}"}\n'
        + b'{"t": "yesterday", "src": "ls", "frame": "{}"}\n'
        + b'{"t": "2026-11-20T09:00:01+09:00", "src": "ls"}\n'
        + b'{"t": "2026-11-20T09:00:01+09:00", "src": "ls", "b64": "***"}\n'
        + b"\n"
        + good
        + b'{"t": "2026-11-20T09:00:0'
    )
    recording = Recording(path)
    assert len(list(recording)) == 2
    assert recording.problems == [
        f"{path}:2: JSON 객체가 아닙니다",
        f"{path}:3: 'src'(프레임을 받은 피드)가 없습니다",
        f"{path}:4: 't'가 UTC 오프셋이 있는 시각이 아닙니다: '2026-11-20T09:00:01'",
        f"{path}:5: 't'가 UTC 오프셋이 있는 시각이 아닙니다: 'yesterday'",
        f"{path}:6: 'frame' 텍스트도 'b64' 바이트도 없습니다",
        f"{path}:7: 'frame' 텍스트도 'b64' 바이트도 없습니다",
        f"{path}:10: JSON이 아닙니다 (줄이 잘렸나요?)",
    ]


def test_a_gzip_cut_short_gives_the_frames_up_to_the_last_flush(tmp_path: Path) -> None:
    """A recorder killed hard (no chance to close) leaves a gzip without its end."""
    path = tmp_path / "day.jsonl.gz"
    writer = RecordWriter(path)
    for second in range(3):
        writer.write("kiwoom", f'{{"n":{second}}}', T + timedelta(seconds=second))
    writer.flush()
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(path.read_bytes())
    writer.close()
    recording = Recording(cut)
    assert [frame.frame for frame in recording] == ['{"n":0}', '{"n":1}', '{"n":2}']
    assert recording.problems == [f"{cut}:4: 파일이 중간에 끝났습니다 (EOFError)"]


def test_not_a_gzip_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl.gz"
    path.write_text('{"t": "…"}\n', encoding="utf-8")
    with pytest.raises(RecordingError, match=r"day.jsonl.gz: gzip 파일이 아닙니다"):
        list(Recording(path))


async def test_many_damaged_lines_are_counted_not_all_listed(tmp_path: Path) -> None:
    path = tmp_path / "day.jsonl"
    path.write_bytes(b"garbage\n" * (LOGGED_PROBLEMS + 5))
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    out = io.StringIO()
    await run_replay(Recording(path), load_rules(rules), out=out)
    lines = out.getvalue().splitlines()
    assert lines[-1] == "손상된 줄: … 외 5줄"
    assert len([line for line in lines if line.startswith("손상된 줄: ")]) == LOGGED_PROBLEMS + 1


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.binary(max_size=80), max_size=8))
def test_any_bytes_read_without_raising(tmp_path: Path, lines: list[bytes]) -> None:
    path = tmp_path / "fuzz.jsonl"
    content = b"\n".join(lines)
    path.write_bytes(content)
    recording = Recording(path)
    frames = list(recording)
    assert len(frames) + recording.damaged <= content.count(b"\n") + 1


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=200))
def test_any_gzip_tail_reads_without_raising(tmp_path: Path, tail: bytes) -> None:
    path = tmp_path / "fuzz.jsonl.gz"
    path.write_bytes(gzip.compress(RecordedFrame(T, "ls", "{}").line())[:12] + tail)
    try:
        frames = list(Recording(path))
    except RecordingError:
        return  # the header itself was not gzip: refused at once, with the file's name
    assert len(frames) <= 1
