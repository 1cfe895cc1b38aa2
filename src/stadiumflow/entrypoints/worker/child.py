"""The worker as a supervised child process of ``serve``, at a lower CPU priority.

Why not a thread: the worker's Python work and the HTTP server's would share one GIL,
so every reading processed would slow ingest. As a child process at the lowest CPU
priority (nice 19) it takes only the CPU the server leaves: under a burst, ingest keeps
its pace (measured on one shared core: 15k single-reading requests/s with the worker at
nice 19, 6k at nice 10) and the worker catches up after; at a steady rate, when the
server is mostly idle, it gets the core. ``serve`` restarts it if it dies
(with a back-off, counted in /readyz) and stops it on shutdown. It reports through a
heartbeat file in the data directory, which /readyz reads.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from stadiumflow.config import Settings
from stadiumflow.domain.health import ScorerInService, WaitModelHealth
from stadiumflow.entrypoints.health import (
    consumer_from_json,
    consumer_json,
    scorer_json,
    wait_model_json,
)
from stadiumflow.services.consume import ConsumerSnapshot

log = logging.getLogger(__name__)

HEARTBEAT_FILE = "worker-heartbeat.json"
STALE_AFTER_SECONDS = 30.0
MAX_RESTART_BACKOFF_SECONDS = 30.0


def write_heartbeat(
    data_dir: Path,
    *,
    scorer: ScorerInService,
    wait_model: WaitModelHealth,
    consumer: ConsumerSnapshot,
) -> None:
    """Atomically replace the heartbeat (a reader never sees half a file): the worker's
    scorer, model and counters as camelCase JSON, its pid and the time."""
    body = {
        "anomalyScorer": scorer_json(scorer),
        "waitModel": wait_model_json(wait_model),
        **consumer_json(consumer),
        "pid": os.getpid(),
        "at": time.time(),
    }
    path = data_dir / HEARTBEAT_FILE
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(json.dumps(body))
    os.replace(tmp, path)


def read_heartbeat(data_dir: Path) -> dict[str, Any] | None:
    try:
        body: dict[str, Any] = json.loads((data_dir / HEARTBEAT_FILE).read_text())
    except (OSError, ValueError):
        return None
    body["ageSeconds"] = round(time.time() - float(body.get("at", 0)), 3)
    return body


def heartbeat_stats(data_dir: Path) -> ConsumerSnapshot | None:
    """The counters of the last heartbeat, or None before the worker's first."""
    beat = read_heartbeat(data_dir)
    return None if beat is None else consumer_from_json(beat)


class WorkerProcess:
    """Start, watch, restart and stop ``stadiumflow worker`` on the same data."""

    def __init__(self, settings: Settings, *, nice: int = 19) -> None:
        self._settings = settings
        self._nice = nice
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = False
        self.restarts = 0
        self._next_start = 0.0
        self._backoff = 1.0
        self._wake_fd: int | None = None
        self._wake_lock = threading.Lock()

    def _command(self) -> list[str]:
        s = self._settings
        return [
            sys.executable,
            "-m",
            "stadiumflow",
            "worker",
            "--data-dir",
            str(s.data_dir),
            "--backend",
            s.backend,
            "--nice",
            str(self._nice),
            "--parent-pid",
            str(os.getpid()),
            "--wake-on-stdin",
        ]

    def start(self) -> None:
        env = dict(os.environ)
        if self._settings.model_dir is not None:
            env["STADIUMFLOW_MODEL_DIR"] = str(self._settings.model_dir)
        # The same session as serve, on purpose: Linux shares CPU fairly between sessions
        # (autogroups) and applies nice only within one, so a worker in a session of its
        # own took half the core whatever its nice. (A terminal's Ctrl-C reaches both;
        # the worker finishes its batch and exits, as it does on SIGTERM.)
        self._process = subprocess.Popen(self._command(), env=env, stdin=subprocess.PIPE)
        assert self._process.stdin is not None
        self._wake_fd = self._process.stdin.fileno()
        os.set_blocking(self._wake_fd, False)
        log.info("worker process started (pid %d, nice +%d)", self._process.pid, self._nice)

    def check(self) -> None:
        """Restart the worker if it died (called about once a second)."""
        if self._stopping or self._process is None or self._process.poll() is None:
            return
        if self._process.returncode == 0:  # asked to stop (a terminal's Ctrl-C): not a crash
            return
        now = time.monotonic()
        if now < self._next_start:
            return
        log.error(
            "worker process exited with %s; restarting (restart %d)",
            self._process.returncode,
            self.restarts + 1,
        )
        self.restarts += 1
        self._next_start = now + self._backoff
        self._backoff = min(self._backoff * 2, MAX_RESTART_BACKOFF_SECONDS)
        self._close_wake()
        self.start()

    def wake(self) -> None:
        """Tell the worker that a request was accepted: one byte down its stdin, never
        blocking (a full pipe already holds a wake-up; a dead worker is restarted by
        :meth:`check` and polls until woken again)."""
        with self._wake_lock:  # stop() closes the pipe from another thread
            if self._wake_fd is None:
                return
            try:
                os.write(self._wake_fd, b"w")
            except (BlockingIOError, BrokenPipeError):
                pass
            except OSError:
                log.exception("could not wake the worker process; it polls until restarted")
                self._wake_fd = None

    def _close_wake(self) -> None:
        with self._wake_lock:
            self._wake_fd = None
            if self._process is not None and self._process.stdin is not None:
                self._process.stdin.close()

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (the worker finishes its batch), then SIGKILL after ``timeout``."""
        self._stopping = True
        self._close_wake()  # end of file: the worker polls alone while it finishes
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            log.error("worker did not stop in %.0f s; killing it", timeout)
            process.kill()
            process.wait(5)
