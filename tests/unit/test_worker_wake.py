"""``serve`` wakes its worker process on each accepted request, through the worker's stdin."""

from __future__ import annotations

import os
import sys
import threading

from stadiumflow.config import Settings
from stadiumflow.entrypoints.worker.child import WorkerProcess
from stadiumflow.entrypoints.worker.loop import wake_on_reads


class CountingWorker:
    def __init__(self) -> None:
        self.woken = threading.Event()
        self.wakes = 0

    def wake(self) -> None:
        self.wakes += 1
        self.woken.set()


def test_bytes_on_the_pipe_wake_the_worker_until_end_of_file():
    read_end, write_end = os.pipe()
    worker = CountingWorker()
    thread = wake_on_reads(worker, read_end)  # type: ignore[arg-type]
    try:
        os.write(write_end, b"w")
        assert worker.woken.wait(10)
    finally:
        os.close(write_end)
    thread.join(10)
    assert not thread.is_alive()  # end of file ends the reader, not the worker
    assert worker.wakes >= 1
    os.close(read_end)


class SleepingChild(WorkerProcess):
    """A child that never reads its stdin: the pipe fills."""

    def _command(self) -> list[str]:
        return [sys.executable, "-c", "import time; time.sleep(60)"]


def test_waking_never_blocks_the_server_even_when_the_worker_does_not_read(tmp_path):
    child = SleepingChild(Settings(data_dir=tmp_path))
    child.start()
    try:
        for _ in range(100_000):  # far more than a pipe holds (64 KiB on Linux)
            child.wake()
        assert child.alive
    finally:
        child.stop(timeout=5)
    child.wake()  # after stop: nothing to wake, and no error
    assert not child.alive
