"""The durable inflow queue on SQLite: at-least-once, leases, dequeue counts, poison.

Two files, so that the worker never holds the lock that ingest needs:

    queue.sqlite3         ``inflow``: one row per accepted request. Only ingest writes
                          it (plus a purge of finished rows every few seconds).
    queue-leases.sqlite3  the consumers' side: ``leases`` (receipt, visible_at,
                          dequeue_count, last_error), ``done`` (acked ids awaiting the
                          purge) and ``poison``. Claims, acks and releases write here.

A claim runs ``BEGIN IMMEDIATE`` on the leases file (two workers never lease the same
row) and only reads ``inflow`` (in WAL mode a reader never blocks the writer), so a
worker at low CPU priority, preempted mid-claim, cannot stall ingest. A lease that
expires makes its row visible again; a row handed out MAX_DEQUEUE_COUNT times without
an ack moves to ``poison``.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

from stadiumflow.adapters.codec import decode_readings, encode_readings
from stadiumflow.adapters.sqlite.db import Synchronous, ThreadConnections
from stadiumflow.domain.errors import StorageUnavailable
from stadiumflow.domain.readings import Reading
from stadiumflow.ports import MAX_DEQUEUE_COUNT, PoisonedMessage, QueueMessage, QueueStats

PURGE_EVERY_SECONDS = 2.0
MAX_MESSAGES_PER_CLAIM = 10_000  # single-reading requests: a full batch is many messages

_INFLOW = """
CREATE TABLE IF NOT EXISTS inflow (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    payload BLOB NOT NULL,
    n INTEGER NOT NULL,
    enqueued_at REAL NOT NULL,
    visible_at REAL NOT NULL DEFAULT 0
);
"""
_LEASES = """
CREATE TABLE IF NOT EXISTS leases (
    id INTEGER PRIMARY KEY,
    receipt TEXT,
    visible_at REAL NOT NULL,
    dequeue_count INTEGER NOT NULL,
    last_error TEXT
);
CREATE TABLE IF NOT EXISTS done (id INTEGER PRIMARY KEY);
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
_PENDING = "NOT EXISTS (SELECT 1 FROM done d WHERE d.id = i.id)"


class SqliteQueue:
    def __init__(
        self,
        path: Path,
        *,
        synchronous: Synchronous = "NORMAL",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._db = ThreadConnections(path, synchronous)
        self._db.get().executescript(_INFLOW)
        leases_path = path.with_name(f"{path.stem}-leases{path.suffix}")

        def attach(conn: sqlite3.Connection) -> None:
            conn.execute("ATTACH DATABASE ? AS q", (str(path),))

        self._leases = ThreadConnections(leases_path, synchronous, on_connect=attach)
        self._leases.get().executescript(_LEASES)
        self._clock = clock
        self._next_purge = 0.0

    def enqueue(self, readings: Sequence[Reading]) -> None:
        self.enqueue_many([readings])

    def enqueue_many(self, batches: Sequence[Sequence[Reading]]) -> None:
        now = self._clock()
        rows = [(encode_readings(b), len(b), now, now) for b in batches]
        try:
            with self._db.transaction() as conn:
                # visible_at is unused (leases live in the other file); it is written for
                # data directories made before the split, where it has no default.
                conn.executemany(
                    "INSERT INTO inflow (payload, n, enqueued_at, visible_at) VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.OperationalError as exc:  # locked past busy_timeout, disk full, ...
            raise StorageUnavailable(f"inflow queue: {exc}") from exc

    def claim(self, max_readings: int, lease_seconds: float) -> list[QueueMessage]:
        now = self._clock()
        receipt = uuid.uuid4().hex
        with self._leases.transaction() as conn:
            self._poison_exhausted(conn, now)
            candidates = conn.execute(
                "SELECT i.id, i.n FROM q.inflow i LEFT JOIN leases l ON l.id = i.id"
                f" WHERE {_PENDING} AND (l.id IS NULL OR l.visible_at <= ?)"
                " ORDER BY i.id LIMIT ?",
                (now, MAX_MESSAGES_PER_CLAIM),
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
            conn.executemany(
                "INSERT INTO leases (id, receipt, visible_at, dequeue_count) VALUES (?, ?, ?, 1)"
                " ON CONFLICT (id) DO UPDATE SET receipt = excluded.receipt,"
                " visible_at = excluded.visible_at, dequeue_count = leases.dequeue_count + 1",
                [(mid, receipt, now + lease_seconds) for mid in ids],
            )
            marks = ",".join("?" * len(ids))
            rows = conn.execute(
                "SELECT i.id, i.payload, i.enqueued_at, l.dequeue_count FROM q.inflow i"
                f" JOIN leases l ON l.id = i.id WHERE i.id IN ({marks}) ORDER BY i.id",
                ids,
            ).fetchall()
        return [
            QueueMessage(str(mid), decode_readings(payload), count, enqueued, receipt)
            for mid, payload, enqueued, count in rows
        ]

    def _poison_exhausted(self, conn: sqlite3.Connection, now: float) -> None:
        exhausted = [
            mid
            for (mid,) in conn.execute(
                "SELECT id FROM leases WHERE visible_at <= ? AND dequeue_count >= ?",
                (now, MAX_DEQUEUE_COUNT),
            )
        ]
        if not exhausted:
            return
        marks = ",".join("?" * len(exhausted))
        conn.execute(
            "INSERT OR IGNORE INTO poison SELECT i.id, i.payload, i.n, i.enqueued_at, ?,"
            f" l.dequeue_count, l.last_error FROM q.inflow i JOIN leases l ON l.id = i.id"
            f" WHERE i.id IN ({marks})",
            (now, *exhausted),
        )
        conn.execute(f"DELETE FROM leases WHERE id IN ({marks})", exhausted)
        conn.executemany("INSERT OR IGNORE INTO done (id) VALUES (?)", [(m,) for m in exhausted])

    def ack(self, messages: Sequence[QueueMessage]) -> None:
        if not messages:
            return
        by_receipt: dict[str, list[int]] = {}
        for message in messages:
            by_receipt.setdefault(message.receipt, []).append(int(message.id))
        with self._leases.transaction() as conn:
            for receipt, ids in by_receipt.items():
                marks = ",".join("?" * len(ids))
                # Only leases still held: a lost one (expired, re-claimed) is not an error.
                held = conn.execute(
                    f"DELETE FROM leases WHERE receipt = ? AND id IN ({marks}) RETURNING id",
                    (receipt, *ids),
                ).fetchall()
                conn.executemany("INSERT OR IGNORE INTO done (id) VALUES (?)", held)
        self._maybe_purge()

    def _maybe_purge(self) -> None:
        """Delete finished rows from ``inflow``: a short write, every few seconds at most."""
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + PURGE_EVERY_SECONDS
        ids = [mid for (mid,) in self._leases.get().execute("SELECT id FROM done LIMIT 20000")]
        if not ids:
            return
        marks = ",".join("?" * len(ids))
        try:
            with self._db.transaction() as conn:  # inflow first: a crash here is harmless
                conn.execute(f"DELETE FROM inflow WHERE id IN ({marks})", ids)
            with self._leases.transaction() as conn:
                conn.execute(f"DELETE FROM done WHERE id IN ({marks})", ids)
        except sqlite3.OperationalError:  # busy: the next ack tries again
            self._next_purge = now

    def release(self, message: QueueMessage, error: str, retry_after: float = 1.0) -> None:
        with self._leases.transaction() as conn:
            conn.execute(
                "UPDATE leases SET visible_at = ?, receipt = NULL, last_error = ?"
                " WHERE id = ? AND receipt = ?",
                (self._clock() + retry_after, error[:2000], int(message.id), message.receipt),
            )

    def stats(self) -> QueueStats:
        conn = self._leases.get()
        count, readings, oldest = conn.execute(
            f"SELECT count(*), total(i.n), min(i.enqueued_at) FROM q.inflow i WHERE {_PENDING}"
        ).fetchone()
        (poisoned,) = conn.execute("SELECT count(*) FROM poison").fetchone()
        return QueueStats(
            messages=int(count),
            readings=int(readings),
            oldest_enqueued_at=float(oldest) if oldest is not None else None,
            poisoned=int(poisoned),
        )

    def poisoned(self, limit: int = 100) -> list[PoisonedMessage]:
        rows = self._leases.get().execute(
            "SELECT id, n, dequeue_count, poisoned_at, last_error FROM poison"
            " ORDER BY poisoned_at DESC LIMIT ?",
            (limit,),
        )
        return [PoisonedMessage(str(i), n, c, p, e) for i, n, c, p, e in rows]

    def close(self) -> None:
        self._leases.close()
        self._db.close()
