"""The worker: a loop that consumes the inflow queue, as a thread or as its own process."""

from __future__ import annotations

import gc
import logging
import os
import signal
import threading
import time
from pathlib import Path
from types import FrameType

from stadiumflow.bootstrap import Services
from stadiumflow.entrypoints.worker.child import write_heartbeat
from stadiumflow.services.consume import consume_once
from stadiumflow.services.watchdog import check_silent_gates

log = logging.getLogger(__name__)

MAX_IDLE_SLEEP_SECONDS = 0.25
HEARTBEAT_EVERY_SECONDS = 1.0
WATCHDOG_EVERY_SECONDS = 15.0
GC_THRESHOLDS = (50_000, 10, 10)
"""A batch allocates a dozen short-lived objects per reading and almost no cycles, so
CPython's default (a collection every 700 allocations, each full one walking every
window and the model) cost about a fifth of a worker process's time. A worker process
collects every 50,000 allocations, and freezes what start-up built out of collections."""


def tune_gc_for_batches() -> None:
    """Apply :data:`GC_THRESHOLDS` to this process, after freezing what it holds now."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


class Worker:
    """Consumes until stopped. ``wake()`` cuts the idle sleep short (in-process ingest)."""

    def __init__(
        self,
        services: Services,
        *,
        heartbeat_dir: Path | None = None,
        parent_pid: int | None = None,
    ) -> None:
        self._services = services
        self._heartbeat_dir = heartbeat_dir
        self._parent_pid = parent_pid
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def _beat(self) -> None:
        assert self._heartbeat_dir is not None
        s = self._services
        try:
            write_heartbeat(
                self._heartbeat_dir,
                scorer=s.scorer_health(),
                wait_model=s.model_health(),
                consumer=s.consumer_stats.snapshot(),
            )
        except OSError:
            log.exception("could not write the worker heartbeat")

    def wake(self) -> None:
        self._wake.set()

    def run(self) -> None:
        s = self._services
        settings = s.settings
        idle = settings.worker_idle_poll_seconds
        log.info("worker started (batch %d readings)", settings.worker_batch_readings)
        next_watch = time.monotonic() + WATCHDOG_EVERY_SECONDS
        next_beat = 0.0
        while not self._stop.is_set():
            if time.monotonic() >= next_watch:
                next_watch = time.monotonic() + WATCHDOG_EVERY_SECONDS
                try:
                    check_silent_gates(s.store, s.clock)
                except Exception:  # the watchdog must never take the worker down
                    log.exception(
                        "silent-gate watchdog failed; retrying in %.0f s", WATCHDOG_EVERY_SECONDS
                    )
            s.model.maybe_reload()  # cheap: a model store is looked at once a minute
            try:
                handled = consume_once(
                    s.queue,
                    s.store,
                    s.model,
                    s.consumer_stats,
                    max_readings=settings.worker_batch_readings,
                    lease_seconds=settings.worker_lease_seconds,
                    scorer=s.scorer,
                    layouts=s.layouts,
                    clock=s.clock,
                )
            except Exception:  # storage trouble: log, back off, keep the worker alive
                log.exception("worker could not claim or ack; retrying")
                handled = 0
                self._stop.wait(1.0)
            if time.monotonic() >= next_beat:
                next_beat = time.monotonic() + HEARTBEAT_EVERY_SECONDS
                if self._parent_pid is not None and os.getppid() != self._parent_pid:
                    log.error("the serving process %d is gone: stopping", self._parent_pid)
                    break
                if self._heartbeat_dir is not None:
                    self._beat()
            if handled:
                idle = settings.worker_idle_poll_seconds
                continue
            self._wake.wait(idle)
            self._wake.clear()
            idle = min(idle * 2, MAX_IDLE_SLEEP_SECONDS)
        log.info("worker stopped")

    def start_thread(self) -> None:
        self._thread = threading.Thread(target=self.run, name="stadiumflow-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()


def wake_on_reads(worker: Worker, fd: int) -> threading.Thread:
    """Wake ``worker`` whenever bytes arrive on ``fd`` (``serve`` writes one per accepted
    request), until end of file: a worker process picks a request up in milliseconds
    instead of at its next idle poll (up to MAX_IDLE_SLEEP_SECONDS)."""

    def read() -> None:
        while True:
            try:
                if not os.read(fd, 4096):
                    return  # the server closed its end: polling alone from now on
            except OSError:
                log.exception("wake-up pipe failed; polling alone from now on")
                return
            worker.wake()

    thread = threading.Thread(target=read, name="stadiumflow-wake", daemon=True)
    thread.start()
    return thread


def run_worker_process(
    services: Services,
    *,
    heartbeat_dir: Path | None = None,
    parent_pid: int | None = None,
    wake_fd: int | None = None,
) -> None:
    """Run the worker in the foreground until SIGTERM or SIGINT, finishing the batch.

    With ``parent_pid`` (a worker started by ``serve``) it also stops when that process
    is gone, even killed with -9: an orphaned worker must not live on. With ``wake_fd``
    it also wakes on each byte read from that descriptor (:func:`wake_on_reads`).
    """
    worker = Worker(services, heartbeat_dir=heartbeat_dir, parent_pid=parent_pid)
    if wake_fd is not None:
        wake_on_reads(worker, wake_fd)

    def _stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping after the current batch", signum)
        worker.stop(timeout=0)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    tune_gc_for_batches()
    try:
        worker.run()
    finally:
        services.close()
