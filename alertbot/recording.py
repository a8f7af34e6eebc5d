"""Recorded feeds: every raw frame with its receive time and source, one JSON object a line.

``{"t": "2026-11-20T09:00:01.123456+09:00", "src": "kiwoom", "frame": "<raw text>"}`` — a binary
frame is kept as ``"b64"`` instead of ``"frame"``. A file whose name ends in ``.gz`` is gzip.

This is the contract between ``alertbot record``, ``alertbot replay`` and the simulators'
player, so it stays this small: events, alerts and everything else are derived again from the
frames, by the code of the day they are replayed on. Like ``events``, it imports nothing of the
project but the KST zone.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import gzip
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Self

import orjson

from alertbot.events import KST
from alertbot.i18n import t

LOGGED_PROBLEMS = 20
"""A file full of damaged lines reports the first ones and a count, not thousands of lines."""


class RecordingError(Exception):
    """The file cannot be read at all (missing, not gzip, not a recording)."""


@dataclass(frozen=True, slots=True)
class RecordedFrame:
    """One frame as a feed received it."""

    t: datetime
    """Receive time (KST): the clock a replay runs on."""
    src: str
    """The feed that received it (``kiwoom``, ``ls``): which parser reads it."""
    frame: str | bytes

    def line(self) -> bytes:
        record: dict[str, str] = {"t": self.t.astimezone(KST).isoformat(timespec="microseconds")}
        record["src"] = self.src
        if isinstance(self.frame, str):
            record["frame"] = self.frame
        else:
            record["b64"] = base64.b64encode(self.frame).decode("ascii")
        return orjson.dumps(record) + b"\n"


def _open(path: Path, mode: str) -> IO[bytes]:
    if path.name.endswith(".gz"):
        # mtime 0: the same frames make the same bytes (the demo day is regenerated in CI).
        return gzip.GzipFile(path, mode, mtime=0)
    return path.open(mode)


class RecordWriter:
    """Appends frames to a recording; ``write`` is a feed's ``on_raw``.

    Lines go to a buffered file: the hot path pays one ``orjson.dumps`` and a memory copy.
    ``flush`` (the recorder calls it every second) pushes them to disk, as a gzip sync point
    for ``.gz``, so a crash loses at most the last second and leaves a readable file;
    ``close`` ends the gzip stream properly.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file: IO[bytes] | None = _open(path, "wb")
        self.frames = 0
        self.by_source: dict[str, int] = {}

    def write(self, src: str, frame: str | bytes, received: datetime) -> None:
        if self._file is None:
            return  # closed during shutdown while a feed was still reading: nothing to keep
        self._file.write(RecordedFrame(received, src, frame).line())
        self.frames += 1
        self.by_source[src] = self.by_source.get(src, 0) + 1

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            file, self._file = self._file, None
            file.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class Recording:
    """A recording read lazily, frame by frame; iterate it once.

    A damaged line (a crash mid-write, an edit gone wrong) is skipped and noted in
    ``problems`` as ``file:line: what``; a gzip file cut short ends the frames there, noted
    too. Only a file that cannot be opened at all raises ``RecordingError``.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []
        self.damaged = 0
        """Lines (or a cut-off end) that could not be read; ``problems`` lists the first few."""
        if not path.is_file():
            raise RecordingError(t("recording.missing", path=path))

    def __iter__(self) -> Iterator[RecordedFrame]:
        number = 0
        try:
            with _open(self.path, "rb") as file:
                for number, line in enumerate(file, start=1):
                    if not line.strip():
                        continue
                    frame = self._frame(line, number)
                    if frame is not None:
                        yield frame
        except gzip.BadGzipFile as exc:
            if number == 0:
                raise RecordingError(t("recording.not_gzip", path=self.path, error=exc)) from exc
            self._problem(number + 1, t("recording.gzip_damaged", error=exc))
        except (EOFError, zlib.error) as exc:
            # A recorder killed hard leaves a stream without its end: the frames up to the
            # last flush are good, so they are replayed and the cut is reported.
            self._problem(number + 1, t("recording.ends_early", error=type(exc).__name__))

    def _frame(self, line: bytes, number: int) -> RecordedFrame | None:
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            self._problem(number, t("recording.not_json"))
            return None
        if not isinstance(record, dict):
            self._problem(number, t("unparsed.not_object"))
            return None
        src, stamp = record.get("src"), record.get("t")
        if not isinstance(src, str) or not src:
            self._problem(number, t("recording.no_src"))
            return None
        try:
            received = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
        except ValueError:
            received = None
        if received is None or received.tzinfo is None:
            self._problem(number, t("recording.bad_time", value=str(stamp)[:40]))
            return None
        frame = record.get("frame")
        if isinstance(frame, str):
            return RecordedFrame(received.astimezone(KST), src, frame)
        try:
            raw = base64.b64decode(record["b64"], validate=True)
        except (KeyError, TypeError, ValueError, binascii.Error):
            self._problem(number, t("recording.no_frame"))
            return None
        return RecordedFrame(received.astimezone(KST), src, raw)

    def _problem(self, number: int, message: str) -> None:
        self.damaged += 1
        if len(self.problems) < LOGGED_PROBLEMS:
            self.problems.append(f"{self.path}:{number}: {message}")


Sleep = Callable[[float], Awaitable[None]]


async def paced(
    frames: Iterable[RecordedFrame], speed: float | None = None, sleep: Sleep = asyncio.sleep
) -> AsyncIterator[RecordedFrame]:
    """``frames`` with the recorded gaps between them, ``speed`` times shorter.

    ``None`` yields them as fast as they are taken (a backtest); ``speed`` 60 plays an hour of
    market in a minute (a demo to watch).
    """
    previous: datetime | None = None
    for recorded in frames:
        if speed is not None and previous is not None:
            gap = (recorded.t - previous).total_seconds() / speed
            if gap > 0:
                await sleep(gap)
        previous = recorded.t
        yield recorded
