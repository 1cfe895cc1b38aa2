"""Gate statuses, rolling windows and history on SQLite.

``gate_status`` holds one document per gate, written only when its ts is not older
than the stored one (``ON CONFLICT ... WHERE``); ``history`` is keyed by
(stadium, gate, ts) so a redelivered reading is ignored; ``gate_window`` persists each
gate's rolling window in the same transaction, so a restarted worker continues where
it stopped. ``match_plan`` holds the operators' match plans (``plans.py``).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from stadiumflow.adapters.codec import (
    decode_doc,
    decode_window,
    encode_doc,
    encode_window,
    from_epoch_us,
    history_bounds_us,
    history_from_row,
    history_row,
    status_from_doc,
    status_to_doc,
    to_epoch_us,
)
from stadiumflow.adapters.event_codec import encode_data, event_of
from stadiumflow.adapters.sqlite import plans as plan_rows
from stadiumflow.adapters.sqlite.db import Synchronous, ThreadConnections
from stadiumflow.domain.events import ControlEvent, StoredEvent
from stadiumflow.domain.plan import MatchPlan
from stadiumflow.domain.readings import GateKey
from stadiumflow.domain.status import GateStatus, ProcessedReading, StadiumSummary
from stadiumflow.domain.window import GateWindow, WindowPoint

_SCHEMA = """
CREATE TABLE IF NOT EXISTS gate_status (
    stadium_id TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    ts_us INTEGER NOT NULL,
    doc BLOB NOT NULL,
    PRIMARY KEY (stadium_id, gate_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS gate_window (
    stadium_id TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    newest_ts REAL,
    points BLOB NOT NULL,
    PRIMARY KEY (stadium_id, gate_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS history (
    stadium_id TEXT NOT NULL,
    gate_id TEXT NOT NULL,
    ts_us INTEGER NOT NULL,
    per_minute_count INTEGER NOT NULL,
    avg_processing_time REAL NOT NULL,
    queue_length INTEGER NOT NULL,
    wait REAL NOT NULL,
    wait_low REAL,
    wait_high REAL,
    wait_in_15 REAL,
    state TEXT NOT NULL,
    model TEXT NOT NULL,
    late INTEGER NOT NULL,
    anomaly_kind TEXT,
    anomaly_score REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (stadium_id, gate_id, ts_us)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS control_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stadium_id TEXT NOT NULL,
    gate_id TEXT,
    ts_us INTEGER NOT NULL,
    kind TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS control_events_stadium ON control_events (stadium_id, id);
"""

_UPSERT_STATUS = (
    "INSERT INTO gate_status (stadium_id, gate_id, ts_us, doc) VALUES (?, ?, ?, ?)"
    " ON CONFLICT (stadium_id, gate_id) DO UPDATE SET ts_us = excluded.ts_us,"
    " doc = excluded.doc WHERE excluded.ts_us >= gate_status.ts_us"
)
_INSERT_HISTORY = (
    "INSERT OR IGNORE INTO history VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_UPSERT_WINDOW = "INSERT OR REPLACE INTO gate_window VALUES (?, ?, ?, ?)"
_INSERT_EVENT = (
    "INSERT INTO control_events (stadium_id, gate_id, ts_us, kind, data) VALUES (?, ?, ?, ?, ?)"
)


class _DecodedWindows:
    """Windows this process wrote or read, by gate, beside the exact bytes stored.

    Decoding a gate's stored window (up to 120 points of JSON) was the worker's largest
    cost per gate and batch. A window is reused only when the stored bytes are equal to
    the bytes it was decoded from or encoded to, so another worker's write, a rollback
    or a restart can never serve a stale window: the bytes differ and it is decoded.
    """

    MAX_GATES = 4096  # ~20 KB a gate at the 120-point cap: under 100 MB

    def __init__(self) -> None:
        self._by_gate: dict[GateKey, tuple[bytes, tuple[WindowPoint, ...]]] = {}

    def window(self, gate: GateKey, stored: bytes, newest_ts: float | None) -> GateWindow:
        known = self._by_gate.get(gate)
        if known is not None and known[0] == stored:
            return GateWindow.of_points(list(known[1]), newest_ts)
        window = decode_window(stored, newest_ts)
        self.remember(gate, stored, window)
        return window

    def remember(self, gate: GateKey, stored: bytes, window: GateWindow) -> None:
        self._by_gate.pop(gate, None)  # re-inserted last: the oldest entry goes first
        if len(self._by_gate) >= self.MAX_GATES:
            del self._by_gate[next(iter(self._by_gate))]
        self._by_gate[gate] = (stored, tuple(window.points))


class _SqliteSession:
    def __init__(self, conn: sqlite3.Connection, windows: _DecodedWindows) -> None:
        self._conn = conn
        self._windows = windows

    def load_windows(self, gates: Iterable[GateKey]) -> dict[GateKey, GateWindow]:
        wanted = set(gates)
        stadiums = {s for s, _ in wanted}
        found: dict[GateKey, GateWindow] = {}
        for stadium in stadiums:
            rows = self._conn.execute(
                "SELECT gate_id, newest_ts, points FROM gate_window WHERE stadium_id = ?",
                (stadium,),
            )
            for gate_id, newest_ts, points in rows:
                gate = (stadium, gate_id)
                if gate in wanted:
                    found[gate] = self._windows.window(gate, points, newest_ts)
        return found

    def load_stadium(self, stadium_id: str) -> dict[GateKey, GateStatus]:
        rows = self._conn.execute(
            "SELECT gate_id, doc FROM gate_status WHERE stadium_id = ?", (stadium_id,)
        )
        return {
            (stadium_id, gate): status_from_doc(stadium_id, gate, decode_doc(doc))
            for gate, doc in rows
        }

    def load_statuses(self, gates: Iterable[GateKey]) -> dict[GateKey, GateStatus]:
        wanted = set(gates)
        found: dict[GateKey, GateStatus] = {}
        for stadium in {s for s, _ in wanted}:
            rows = self._conn.execute(
                "SELECT gate_id, doc FROM gate_status WHERE stadium_id = ?", (stadium,)
            )
            for gate_id, doc in rows:
                if (stadium, gate_id) in wanted:
                    found[(stadium, gate_id)] = status_from_doc(stadium, gate_id, decode_doc(doc))
        return found

    def load_plans(self, stadium_ids: Iterable[str]) -> dict[str, list[MatchPlan]]:
        return plan_rows.load_plans(self._conn, stadium_ids)

    def save(
        self,
        statuses: Sequence[GateStatus],
        history: Sequence[ProcessedReading],
        windows: dict[GateKey, GateWindow],
        events: Sequence[ControlEvent] = (),
    ) -> None:
        conn = self._conn
        conn.executemany(
            _INSERT_EVENT,
            [
                (e.stadium_id, e.gate_id, to_epoch_us(e.ts), e.kind.value, encode_data(e))
                for e in events
            ],
        )
        conn.executemany(
            _UPSERT_STATUS,
            [
                (s.stadium_id, s.gate_id, to_epoch_us(s.ts), encode_doc(status_to_doc(s)))
                for s in statuses
            ],
        )
        conn.executemany(_INSERT_HISTORY, [_history_row(item) for item in history])
        rows = []
        for gate, window in windows.items():
            stored = encode_window(window)
            self._windows.remember(gate, stored, window)
            rows.append((*gate, window.newest_ts, stored))
        conn.executemany(_UPSERT_WINDOW, rows)


def _history_row(item: ProcessedReading) -> tuple[object, ...]:
    return (item.reading.stadium_id, item.reading.gate_id, *history_row(item))


class SqliteGateStore:
    def __init__(self, path: Path, *, synchronous: Synchronous = "NORMAL") -> None:
        self._db = ThreadConnections(path, synchronous)
        self._db.get().executescript(_SCHEMA + plan_rows.SCHEMA)
        self._windows = _DecodedWindows()

    @contextmanager
    def session(self) -> Iterator[_SqliteSession]:
        with self._db.transaction() as conn:
            yield _SqliteSession(conn, self._windows)

    def stadium_statuses(self, stadium_id: str) -> list[GateStatus]:
        rows = self._db.get().execute(
            "SELECT gate_id, doc FROM gate_status WHERE stadium_id = ?", (stadium_id,)
        )
        return [status_from_doc(stadium_id, gate, decode_doc(doc)) for gate, doc in rows]

    def stadiums(self) -> list[StadiumSummary]:
        rows = self._db.get().execute(
            "SELECT stadium_id, count(*), max(ts_us) FROM gate_status GROUP BY stadium_id"
        )
        return [StadiumSummary(s, n, from_epoch_us(ts)) for s, n, ts in rows]

    def events(
        self, stadium_id: str | None, *, after: int = 0, limit: int = 500
    ) -> list[StoredEvent]:
        if stadium_id is None:
            rows = self._db.get().execute(
                "SELECT id, stadium_id, gate_id, ts_us, kind, data FROM control_events"
                " WHERE id > ? ORDER BY id LIMIT ?",
                (after, limit),
            )
        else:
            rows = self._db.get().execute(
                "SELECT id, stadium_id, gate_id, ts_us, kind, data FROM control_events"
                " WHERE stadium_id = ? AND id > ? ORDER BY id LIMIT ?",
                (stadium_id, after, limit),
            )
        return [
            StoredEvent(i, event_of(kind, s, g, from_epoch_us(ts), data))
            for i, s, g, ts, kind, data in rows
        ]

    def history(
        self,
        stadium_id: str,
        gate_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        after: datetime | None = None,
        limit: int = 500,
    ) -> list[ProcessedReading]:
        low, high = history_bounds_us(since, until, after)
        rows = self._db.get().execute(
            "SELECT ts_us, per_minute_count, avg_processing_time, queue_length, wait,"
            " wait_low, wait_high, wait_in_15, state, model, late, anomaly_kind, anomaly_score"
            " FROM history"
            " WHERE stadium_id = ? AND gate_id = ? AND ts_us BETWEEN ? AND ?"
            " ORDER BY ts_us LIMIT ?",
            (stadium_id, gate_id, low, high, limit),
        )
        return [history_from_row(stadium_id, gate_id, row) for row in rows]

    def save_plan(self, plan: MatchPlan) -> None:
        with self._db.transaction() as conn:
            plan_rows.save_plan(conn, plan)

    def add_plan(self, plan: MatchPlan) -> bool:
        with self._db.transaction() as conn:
            return plan_rows.add_plan(conn, plan)

    def plans(self, stadium_id: str) -> list[MatchPlan]:
        return plan_rows.plans(self._db.get(), stadium_id)

    def delete_plans(self, stadium_id: str, kickoff: datetime | None = None) -> int:
        with self._db.transaction() as conn:
            return plan_rows.delete_plans(conn, stadium_id, kickoff)

    def close(self) -> None:
        self._db.close()
