"""SQLite connections as every SQLite adapter opens them: WAL, explicit transactions.

Each thread gets its own connection (the HTTP event loop, the worker thread), so
readers never block the writer and no connection is shared across threads.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

Synchronous = Literal["OFF", "NORMAL", "FULL"]

BUSY_TIMEOUT_MS = 10_000


def connect(path: Path, synchronous: Synchronous = "NORMAL") -> sqlite3.Connection:
    """Open ``path`` in WAL mode with autocommit (transactions are explicit BEGINs).

    In WAL mode a commit is in the OS's hands once ``COMMIT`` returns: it survives the
    process being killed. ``synchronous=FULL`` also survives a power cut, at a cost.
    """
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


class ThreadConnections:
    """One connection per thread to one database file, made on first use."""

    def __init__(
        self,
        path: Path,
        synchronous: Synchronous = "NORMAL",
        on_connect: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        self.path = path
        self._synchronous: Synchronous = synchronous
        self._on_connect = on_connect
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def get(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self._synchronous)
            if self._on_connect is not None:
                self._on_connect(conn)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self, mode: str = "IMMEDIATE") -> Iterator[sqlite3.Connection]:
        conn = self.get()
        conn.execute(f"BEGIN {mode}")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
