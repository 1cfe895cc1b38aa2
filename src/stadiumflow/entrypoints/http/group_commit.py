"""Group commit: requests accepted while a commit runs share the next one.

A commit per request was the ingest path's biggest cost (~35 us on SQLite, most of a
bare endpoint's whole budget). Each request parks a future; one writer thread commits
everything parked so far in one transaction, then answers those requests, so "202 only
once durably queued" still holds, and a failed commit fails every request in it
(nothing half-accepted). The commit runs off the event loop: a database locked by
another process makes ingest wait (up to its busy timeout, then 503), but never freezes
the server's other routes (health, status, the dashboard).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from stadiumflow.domain.readings import Reading
from stadiumflow.ports import InflowQueue

MAX_REQUESTS_PER_COMMIT = 512

_Parked = tuple[Sequence[Reading], "asyncio.Future[None]"]


class GroupCommit:
    def __init__(self, queue: InflowQueue) -> None:
        self._queue = queue
        self._pending: list[_Parked] = []
        self._writing = False
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-commit")
        self.commits = 0
        self.requests = 0

    async def enqueue(self, readings: Sequence[Reading]) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((readings, future))
        if not self._writing:
            self._writing = True
            loop.call_soon(self._start, loop)
        await future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        batch = self._pending[:MAX_REQUESTS_PER_COMMIT]
        del self._pending[:MAX_REQUESTS_PER_COMMIT]
        if not batch:
            self._writing = False
            return
        work = loop.run_in_executor(
            self._writer, self._queue.enqueue_many, [readings for readings, _ in batch]
        )
        work.add_done_callback(lambda done: self._finish(loop, batch, done))

    def _finish(
        self, loop: asyncio.AbstractEventLoop, batch: list[_Parked], done: asyncio.Future[None]
    ) -> None:
        error = done.exception()
        if error is None:
            self.commits += 1
            self.requests += len(batch)
        for _, future in batch:
            if future.done():  # the client went away; its readings are stored all the same
                continue
            if error is None:
                future.set_result(None)
            else:
                future.set_exception(error)
        self._start(loop)  # whatever was parked meanwhile goes in the next commit

    def close(self) -> None:
        self._writer.shutdown(wait=True)
