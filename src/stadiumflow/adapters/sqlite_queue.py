"""The durable inflow queue on SQLite: at-least-once, leases, dequeue counts, poison.

One row per accepted request (one reading or an array of them). A claim leases rows
with ``UPDATE ... RETURNING`` inside ``BEGIN IMMEDIATE``, so two workers never hold the
same row; a lease that expires makes the row visible again; a row handed out
MAX_DEQUEUE_COUNT times without an ack moves to the ``poison`` table.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from stadiumflow.adapters.codec import decode_readings, encode_readings
from stadiumflow.adapters.sqlite_db import Synchronous, ThreadConnections
from stadiumflow.domain.errors import StorageUnavailable
from stadiumflow.domain.readings import Reading
from stadiumflow.ports import MAX_DEQUEUE_COUNT, PoisonedMessage, QueueMessage, QueueStats

_SCHEMA = """
CREATE TABLE IF NOT EXISTS inflow (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload BLOB NOT NULL,
    n INTEGER NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL,
    dequeue_count INTEGER NOT NULL DEFAULT 0,
    receipt TEXT,
    last_error TEXT
);
CREATE INDEX IF NOT EXISTS inflow_visible ON inflow (visible_at);
CREATE TABLE IF NOT EXISTS poison (
    id INTEGER PRIMARY KEY,
    payload BLOB NOT NULL,
    n INTEGER NOT NULL,
    enqueued_at REAL NOT NULL,
    poisoned_at REAL NOT NULL,
    dequeue_count INTEGER NOT NULL,
    last_error TEXT
);
"""


class SqliteQueue:
    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous = "NORMAL",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = ThreadConnections(path, synchronous)
        self._clock = clock
        self._db.get().executescript(_SCHEMA)

    def enqueue(self, readings: Sequence[Reading]) -> None:
        now = self._clock()
        payload = encode_readings(readings)
        conn = self._db.get()
        try:
            # Autocommit: this one INSERT is its own transaction, committed before returning.
            conn.execute(
                "INSERT INTO inflow (payload, n, enqueued_at, visible_at) VALUES (?, ?, ?, ?)",
                (payload, len(readings), now, now),
            )
        except sqlite3.OperationalError as exc:  # locked past busy_timeout, disk full, ...
            raise StorageUnavailable(f"inflow queue: {exc}") from exc

    def enqueue_many(self, batches: Sequence[Sequence[Reading]]) -> None:
        now = self._clock()
        rows = [(encode_readings(b), len(b), now, now) for b in batches]
        try:
            with self._db.transaction() as conn:
                conn.executemany(
                    "INSERT INTO inflow (payload, n, enqueued_at, visible_at) VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.OperationalError as exc:
            raise StorageUnavailable(f"inflow queue: {exc}") from exc

    def claim(self, max_readings: int, lease_seconds: float) -> list[QueueMessage]:
        now = self._clock()
        receipt = uuid.uuid4().hex
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO poison (id, payload, n, enqueued_at, poisoned_at, dequeue_count,"
                " last_error) SELECT id, payload, n, enqueued_at, ?, dequeue_count, last_error"
                " FROM inflow WHERE visible_at <= ? AND dequeue_count >= ?",
                (now, now, MAX_DEQUEUE_COUNT),
            )
            conn.execute(
                "DELETE FROM inflow WHERE visible_at <= ? AND dequeue_count >= ?",
                (now, MAX_DEQUEUE_COUNT),
            )
            candidates = conn.execute(
                "SELECT id, n FROM inflow WHERE visible_at <= ? ORDER BY id LIMIT 1000",
                (now,),
            ).fetchall()
            ids: list[int] = []
            budget = max_readings
            for mid, n in candidates:
                if ids and n > budget:
                    break
                ids.append(mid)
                budget -= n
                if budget <= 0:
                    break
            if not ids:
                return []
            marks = ",".join("?" * len(ids))
            rows = conn.execute(
                f"UPDATE inflow SET visible_at = ?, dequeue_count = dequeue_count + 1,"
                f" receipt = ? WHERE id IN ({marks})"
                f" RETURNING id, payload, dequeue_count, enqueued_at",
                (now + lease_seconds, receipt, *ids),
            ).fetchall()
        rows.sort(key=lambda row: row[0])
        return [
            QueueMessage(str(mid), decode_readings(payload), count, enqueued, receipt)
            for mid, payload, count, enqueued in rows
        ]

    def ack(self, messages: Sequence[QueueMessage]) -> None:
        if not messages:
            return
        with self._db.transaction() as conn:
            conn.executemany(
                "DELETE FROM inflow WHERE id = ? AND receipt = ?",
                [(int(m.id), m.receipt) for m in messages],
            )

    def release(self, message: QueueMessage, error: str, retry_after: float = 1.0) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "UPDATE inflow SET visible_at = ?, receipt = NULL, last_error = ?"
                " WHERE id = ? AND receipt = ?",
                (self._clock() + retry_after, error[:2000], int(message.id), message.receipt),
            )

    def stats(self) -> QueueStats:
        conn = self._db.get()
        count, readings = conn.execute("SELECT count(*), total(n) FROM inflow").fetchone()
        oldest = conn.execute("SELECT enqueued_at FROM inflow ORDER BY id LIMIT 1").fetchone()
        (poisoned,) = conn.execute("SELECT count(*) FROM poison").fetchone()
        return QueueStats(
            messages=int(count),
            readings=int(readings),
            oldest_enqueued_at=float(oldest[0]) if oldest else None,
            poisoned=int(poisoned),
        )

    def poisoned(self, limit: int = 100) -> list[PoisonedMessage]:
        rows = self._db.get().execute(
            "SELECT id, n, dequeue_count, poisoned_at, last_error FROM poison"
            " ORDER BY poisoned_at DESC LIMIT ?",
            (limit,),
        )
        return [PoisonedMessage(str(i), n, c, p, e) for i, n, c, p, e in rows]

    def close(self) -> None:
        self._db.close()
