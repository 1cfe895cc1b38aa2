"""``GET /api/flow/events``: the control feed and fresh statuses as Server-Sent Events.

Each control event (state change, anomaly start/end, advice change) goes out as an SSE
message named after its kind with ``id:`` = its position in the feed, so a browser's
EventSource reconnects with ``Last-Event-ID`` and misses nothing. Between events, a
``status`` message carries the stadium's snapshot whenever it changed (waits move without
any state change), at least every ``STATUS_REPEAT_SECONDS``; comments keep proxies from
closing an idle stream.

The worker writes events into the store (an outbox in the status transaction), possibly
from another process, so the stream polls the store rather than waiting on an in-process
signal. A stream ends when its client goes away (Starlette cancels it) and when the
server is asked to stop: uvicorn waits for open responses before it shuts down, so an
endless stream would hold a stop for its whole grace period.
"""

from __future__ import annotations

import asyncio
import signal
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Callable
from types import FrameType
from typing import Any

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import StreamingResponse

from stadiumflow.adapters.event_codec import event_out
from stadiumflow.bootstrap import Services
from stadiumflow.domain.errors import InvalidReading, NotFound
from stadiumflow.domain.events import StoredEvent
from stadiumflow.entrypoints.wire import StatusOut, status_out
from stadiumflow.services.query import stadium_status

POLL_SECONDS = 0.25
STATUS_CHECK_SECONDS = 1.0
STATUS_REPEAT_SECONDS = 10.0
HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 2000
PAGE = 1000
MAX_BACKLOG = 200
_encoder = msgspec.json.Encoder()


def _message(event: str, data: bytes, event_id: int | None = None) -> bytes:
    head = f"id: {event_id}\n" if event_id is not None else ""
    return f"{head}event: {event}\ndata: ".encode() + data + b"\n\n"


def event_message(stored: StoredEvent) -> bytes:
    kind = stored.event.kind.value
    return _message(kind, _encoder.encode(event_out(stored)), stored.id)


def _cursor(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("lastEventId")
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise InvalidReading("Last-Event-ID must be a non-negative integer", field="lastEventId")
    return int(raw)


def _backlog(request: Request) -> int:
    raw = request.query_params.get("backlog", "20")
    if not raw.isdigit() or int(raw) > MAX_BACKLOG:
        raise InvalidReading(f"backlog must be an integer from 0 to {MAX_BACKLOG}", field="backlog")
    return int(raw)


class EventStreams:
    """The SSE endpoint, and the switch that ends every open stream at shutdown."""

    def __init__(
        self, services: Services, on_clients: Callable[[float], None] | None = None
    ) -> None:
        self._services = services
        self._on_clients = on_clients
        self._clients = 0
        self.closing = False
        self._restore: list[tuple[int, Any, Any]] = []

    def hook_signals(self) -> None:
        """Chain onto the server's SIGINT/SIGTERM handlers, so a stop ends the streams first.

        Only where a server installed Python handlers (uvicorn does) and only from the main
        thread (signal handlers cannot be set elsewhere, e.g. under a test client).
        """
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)
            if not callable(previous):
                continue

            def chained(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                self.closing = True
                previous(signum, frame)

            signal.signal(sig, chained)
            self._restore.append((sig, chained, previous))

    def close(self) -> None:
        """End open streams and give the server its own signal handlers back."""
        self.closing = True
        for sig, ours, previous in self._restore:
            if signal.getsignal(sig) is ours:
                signal.signal(sig, previous)
        self._restore.clear()

    async def endpoint(self, request: Request, stadium_id: str) -> StreamingResponse:
        after = _cursor(request)
        backlog = _backlog(request)
        return StreamingResponse(
            self._stream(stadium_id, after, backlog),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    def _tail(self, stadium_id: str, backlog: int) -> tuple[int, list[StoredEvent]]:
        """The newest event id and the ``backlog`` newest events (the port pages forward)."""
        recent: deque[StoredEvent] = deque(maxlen=max(backlog, 1))
        last = 0
        while True:
            page = self._services.store.events(stadium_id, after=last, limit=PAGE)
            recent.extend(page)
            if page:
                last = page[-1].id
            if len(page) < PAGE:
                return last, list(recent)[-backlog:] if backlog else []

    def _status(self, stadium_id: str) -> bytes:
        try:
            statuses = stadium_status(self._services.store, stadium_id)
        except NotFound:  # not yet seen: the stream waits for its first gate
            return _encoder.encode(StatusOut(stadium_id, []))
        return _encoder.encode(status_out(stadium_id, statuses))

    def _count(self, delta: int) -> None:
        self._clients += delta
        if self._on_clients is not None:
            self._on_clients(self._clients)

    async def _stream(
        self, stadium_id: str, after: int | None, backlog: int
    ) -> AsyncIterator[bytes]:
        store = self._services.store
        self._count(+1)
        try:
            yield f"retry: {RETRY_MILLISECONDS}\n\n".encode()
            if after is None:
                last, recent = await run_in_threadpool(self._tail, stadium_id, backlog)
                for stored in recent:
                    yield event_message(stored)
            else:
                last = after
            ready = {"stadiumId": stadium_id, "lastEventId": last, "resumed": after is not None}
            yield _message("ready", _encoder.encode(ready), last)
            sent_status, status_at, checked_at, sent_at = b"", 0.0, 0.0, time.monotonic()
            while not self.closing:
                events = await run_in_threadpool(store.events, stadium_id, after=last, limit=PAGE)
                for stored in events:
                    yield event_message(stored)
                    last = stored.id
                now = time.monotonic()
                if events or now - checked_at >= STATUS_CHECK_SECONDS:
                    checked_at = now
                    status = await run_in_threadpool(self._status, stadium_id)
                    if status != sent_status or now - status_at >= STATUS_REPEAT_SECONDS:
                        yield _message("status", status)
                        sent_status, status_at = status, now
                if events:
                    sent_at = now
                elif now - max(sent_at, status_at) >= HEARTBEAT_SECONDS:
                    yield b": keep-alive\n\n"
                    sent_at = now
                if len(events) < PAGE:
                    await asyncio.sleep(POLL_SECONDS)
            yield _message("bye", b'{"reason":"server stopping"}')
        finally:
            self._count(-1)
