"""Outbox throughput on PostgreSQL vs the embedded SQLite file, same workload, same run.

    .venv/bin/python bench/ha_outbox.py

Each store takes 2,000 fired VIs (each: a cooldown, a dedupe key, an outbox row) committed one
per event-loop turn (a quiet market) and 50 per turn (a VI storm), then sends them: for every
row the worker's three calls — read the oldest, claim it ("sending", fenced on PostgreSQL),
remove it. PostgreSQL runs in a throwaway cluster with fsync on (as SQLite's synchronous=FULL),
over its Unix socket. Rounds alternate between the stores and the best of each is kept.
The figure to read is the ratio: what a shared, fenced store costs per alert.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alertbot.alerts import CooldownMark  # noqa: E402
from alertbot.delivery.store import Entry, Submission  # noqa: E402
from alertbot.ha.store import PgState  # noqa: E402
from alertbot.stores import SqliteState  # noqa: E402
from tests.pgcluster import start_cluster  # noqa: E402
from tests.store.conftest import lead  # noqa: E402

ALERTS = 2000
ROUNDS = 3
NOW = 1_750_000_000.0


def submissions(round_: int) -> list[Submission]:
    out = []
    for i in range(ALERTS):
        symbol = f"{i:06d}"
        entry = Entry("phone", "vi", f"⚡ VI 발동 종목({symbol}) 10,000", NOW, symbol, symbol, "vi")
        key = f"vi|vi:{symbol}:KRX:triggered:{round_}|phone"
        out.append(Submission([(entry, key)], CooldownMark("vi", symbol, "fp", NOW)))
    return out


def commit(state: SqliteState | PgState, work: list[Submission], per_turn: int) -> float:
    started = time.perf_counter()
    for at in range(0, len(work), per_turn):
        state.delivery.commit(work[at : at + per_turn], NOW)
    return time.perf_counter() - started


def drain(state: SqliteState | PgState) -> float:
    started = time.perf_counter()
    while rows := state.delivery.oldest("phone", 1):
        ids = [rows[0].id]
        state.delivery.mark_sending(ids)
        state.delivery.sent(ids)
    return time.perf_counter() - started


def main() -> None:
    cluster = start_cluster(durable=True)
    try:
        url = cluster.socket_url(database="postgres")
        cluster.create_database("bench")
        url = cluster.socket_url("bench")
        pg = PgState(url, asyncio.run(lead(url, seconds=3600)))
        folder = tempfile.TemporaryDirectory()
        sqlite = SqliteState(Path(folder.name) / "state.db")
        best: dict[tuple[str, str], float] = {}
        for round_ in range(ROUNDS):
            for name, state in (("sqlite", sqlite), ("postgresql", pg)):
                for per_turn in (1, 50):
                    work = submissions(round_ * 100 + per_turn)
                    elapsed = commit(state, work, per_turn)
                    key = (name, f"commit, {per_turn}/turn")
                    best[key] = min(best.get(key, float("inf")), elapsed)
                    elapsed = drain(state)
                    key = (name, "send (read, claim, remove)")
                    best[key] = min(best.get(key, float("inf")), elapsed)
        pg.close()
        sqlite.close()
        folder.cleanup()
    finally:
        cluster.remove()
    print(f"outbox throughput, {ALERTS} alerts, best of {ROUNDS} rounds (alerts/s)")
    print(f"{'step':34} {'SQLite':>10} {'PostgreSQL':>11} {'PG/SQLite':>10}")
    for step in ("commit, 1/turn", "commit, 50/turn", "send (read, claim, remove)"):
        lite, post = ALERTS / best[("sqlite", step)], ALERTS / best[("postgresql", step)]
        print(f"{step:34} {lite:10,.0f} {post:11,.0f} {post / lite:10.2f}")


if __name__ == "__main__":
    main()
