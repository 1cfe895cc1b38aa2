"""Request ids and per-route request counts, as one pure ASGI middleware.

Pure ASGI rather than Starlette's BaseHTTPMiddleware: the latter runs the app in a
separate task and streams the body through memory channels, which costs a large share
of a single-reading ingest request (the benchmarked hot path), and it breaks context
variables. This wrapper adds a header lookup, a context variable and a counter bump.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import time
from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadiumflow.entrypoints.logs import request_id_var

log = logging.getLogger("stadiumflow.http")

REQUEST_ID_HEADER = b"x-request-id"
_ACCEPTABLE_ID = re.compile(rb"[A-Za-z0-9._:-]{1,128}")

RequestCounter = Callable[[str, str, int], None]
"""Called once per HTTP request with (route template, method, status)."""


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER:
            # A client's id is kept only if it is a plain token: it goes into every log line.
            return value.decode("ascii") if _ACCEPTABLE_ID.fullmatch(value) else None
    return None


class RequestContextMiddleware:
    """Takes ``x-request-id`` from the request or makes one, exposes it to logging through
    a context variable, echoes it in the response, and counts the request by route.

    The route label is the matched route's template (``/api/flow/status``), never the raw
    path, so a scanner probing random URLs cannot blow up the metric's cardinality. A made
    id is a random per-process prefix and a counter: unique across processes and restarts,
    and cheaper than a UUID per request.
    """

    def __init__(self, app: ASGIApp, count_request: RequestCounter | None = None) -> None:
        self.app = app
        self.count_request = count_request
        self._prefix = os.urandom(6).hex()
        self._serial = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope) or f"{self._prefix}-{next(self._serial):x}"
        header = (REQUEST_ID_HEADER, request_id.encode("ascii"))
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        token = request_id_var.set(request_id)
        started = time.perf_counter() if log.isEnabledFor(logging.DEBUG) else 0.0
        try:
            await self.app(scope, receive, send_with_id)
        except BaseException:
            # Leave the id set: the server-error handler outside us logs with it. Each
            # request runs in its own task, so the value does not leak to the next one.
            self._finish(scope, 500, started)
            raise
        self._finish(scope, status, started)
        request_id_var.reset(token)

    def _finish(self, scope: Scope, status: int, started: float) -> None:
        if self.count_request is not None:
            route = scope.get("route")
            self.count_request(getattr(route, "path", "unmatched"), scope["method"], status)
        if status >= 500:
            log.warning("%s %s -> %d", scope["method"], scope["path"], status)
        elif started:
            log.debug(
                "%s %s -> %d in %.1f ms",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )
