"""Device, read and operator keys, the ingest rate limit and the request-body deadline.

One pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which runs the app in
another task and costs a large share of a single-reading ingest, the benchmarked path).

Keys work exactly as Azure Functions function keys: header ``x-functions-key`` or query
``code=``, so the same turnstile firmware talks to both homes. Each configured key is
kept only as its SHA-256 digest and compared in constant time (``entrypoints/keys.py``,
which the Functions app uses too). Keys are never logged.

Who needs what:
- ``/api/flow/ingest``: an ingest key, when STADIUMFLOW_INGEST_KEYS is set.
- ``/api/flow/plan`` and ``/api/flow/plans`` (every method: the operator's match plans):
  an operator key, when STADIUMFLOW_OPERATOR_KEYS is set; open when it is not (logged
  loudly at start-up).
- every other ``/api/flow/*`` route (status, events, history, stadiums, advice, and any
  added later: default deny) and the dashboard page ``/``: a read key, when
  STADIUMFLOW_READ_KEYS is set. An ingest key is *not* a read key and a read key is not
  an ingest key: device keys sit in turnstiles that anyone can unscrew, and a stolen one
  must not reveal where the crowd is, nor a dashboard key let a browser inject readings.
  An operator key is neither (and neither is an operator key): it changes what the
  service expects, and only the operations centre holds one.
- ``/metrics``: a read key only with STADIUMFLOW_METRICS_NEED_KEY (Prometheus can send it).
- open always: ``/healthz`` and ``/readyz`` (orchestrator probes; no stadium data),
  ``/openapi.json`` and ``/docs`` (the public contract), ``/static/*`` (the dashboard's
  code, the same for everyone; a browser loads it without a way to add the key).

Ingest is limited per key (per client address when ingest is open) with token buckets:
unset, 200 requests/s per key with keys and no limit when open (a lab, a demo or a
benchmark drives an open server from one machine; a deployment facing devices sets keys),
and any request body must arrive within STADIUMFLOW_BODY_TIMEOUT_SECONDS: uvicorn has no
body timeout, so a client trickling a body would otherwise hold its connection, task and
buffer for ever. Such a client never blocks others (the body is read asynchronously);
the deadline frees what it holds and answers 408.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadiumflow.config import Settings
from stadiumflow.entrypoints.errors import KEY_CHALLENGE, OPERATOR_KEY_REQUIRED
from stadiumflow.entrypoints.http.errors import error_response, render
from stadiumflow.entrypoints.http.limits import BodyDeadlines, TokenBuckets
from stadiumflow.entrypoints.keys import KEY_HEADER, KEY_QUERY, KeyRing, parse_keys

log = logging.getLogger(__name__)

INGEST_PATH = "/api/flow/ingest"
OPERATOR_PATHS = frozenset({"/api/flow/plan", "/api/flow/plans"})
BURST_FACTOR = 2.0
DEFAULT_KEYED_RATE = 200.0
"""Ingest requests/s per device key when STADIUMFLOW_INGEST_RATE is unset."""
_CHALLENGE = dict(KEY_CHALLENGE)
_KEY_HEADER = KEY_HEADER.encode()
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_OPEN, _INGEST, _READ, _METRICS, _OPERATOR = range(5)

Rejected = Callable[[str], None]
"""Called with the reason ("unauthorized", "rate_limited", "body_timeout") of an ingest refusal."""


def _presented_key(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == _KEY_HEADER:
            return bytes(value)
    query: bytes = scope.get("query_string", b"")
    if query:
        # latin-1 both ways: any bytes decode, and a percent-escaped key comes back as the
        # very bytes that were escaped (never an encoding error, hence never a 500).
        pairs = parse_qsl(query.decode("latin-1"), keep_blank_values=True, encoding="latin-1")
        for name, value in pairs:
            if name == KEY_QUERY:
                return value.encode("latin-1")
    return None


def _classify(path: str) -> int:
    if path == INGEST_PATH:
        return _INGEST
    if path in OPERATOR_PATHS:
        return _OPERATOR
    if path.startswith("/api/flow/") or path == "/":
        return _READ
    if path == "/metrics":
        return _METRICS
    return _OPEN


def warn_if_open(settings: Settings) -> None:
    """Say loudly at start-up when anyone who can reach the server may ingest."""
    if not parse_keys(settings.ingest_keys):
        log.warning(
            "INGEST IS OPEN: STADIUMFLOW_INGEST_KEYS is not set, so anyone who can reach this"
            " server can post readings. Set it to a comma-separated list of device keys."
        )
    if not parse_keys(settings.read_keys):
        log.info("reads are open (STADIUMFLOW_READ_KEYS is not set)")
    if not parse_keys(settings.operator_keys):
        log.warning(
            "MATCH PLANS ARE OPEN: STADIUMFLOW_OPERATOR_KEYS is not set, so anyone who can"
            " reach this server can read, replace and delete match plans. Set it to a"
            " comma-separated list of operator keys."
        )


class SecurityMiddleware:
    """Authenticates, rate-limits ingest and puts a deadline on request bodies."""

    def __init__(self, app: ASGIApp, settings: Settings, on_reject: Rejected | None = None):
        self.app = app
        self._ingest = KeyRing.of(settings.ingest_keys)
        self._read = KeyRing.of(settings.read_keys)
        self._operator = KeyRing.of(settings.operator_keys)
        self._metrics_need_key = settings.metrics_need_key and not self._read.is_open
        rate = settings.ingest_rate
        if rate is None:
            rate = DEFAULT_KEYED_RATE if not self._ingest.is_open else 0.0
        self._buckets = TokenBuckets(rate, max(1.0, BURST_FACTOR * rate)) if rate > 0 else None
        self._deadlines = BodyDeadlines(settings.body_timeout_seconds)
        self._on_reject = on_reject

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kind = _classify(scope["path"])
        if kind == _INGEST:
            await self._ingest_request(scope, receive, send)
            return
        if kind == _OPERATOR and not self._operator.allows(_presented_key(scope)):
            log.debug("401 %s %s: no operator key", scope["method"], scope["path"])
            await render(OPERATOR_KEY_REQUIRED)(scope, receive, send)
            return
        needs_read_key = (kind == _READ and not self._read.is_open) or (
            kind == _METRICS and self._metrics_need_key
        )
        if needs_read_key and self._read.match(_presented_key(scope)) is None:
            await _unauthorized(scope, receive, send, "a read key is required")
            return
        if scope["method"] in _BODY_METHODS:
            await self._with_body_deadline(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _ingest_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        bucket: object
        if not self._ingest.is_open:
            digest = self._ingest.match(_presented_key(scope))
            if digest is None:
                self._reject("unauthorized")
                await _unauthorized(scope, receive, send, "a device key is required")
                return
            bucket = digest
        else:
            client = scope.get("client")
            bucket = client[0] if client else "unknown"
        if self._buckets is not None:
            wait = self._buckets.take(bucket)
            if wait > 0.0:
                self._reject("rate_limited")
                retry = str(max(1, math.ceil(wait)))
                await error_response(
                    429,
                    "rate_limited",
                    f"more than {self._buckets.rate:g} requests per second; retry later",
                    headers={"Retry-After": retry},
                )(scope, receive, send)
                return
        await self._with_body_deadline(scope, receive, send, ingest=True)

    async def _with_body_deadline(
        self, scope: Scope, receive: Receive, send: Send, *, ingest: bool = False
    ) -> None:
        """Run the app; if its body is not all in within the deadline, answer 408.

        The request's task is registered until the last body chunk arrives; a sweeper
        cancels it if that takes too long, and the cancellation becomes a 408. Slow
        processing after the body is never cut short. Handlers read their body before
        answering (ours do), so a 408 is never sent after a response has started.
        """
        deadlines = self._deadlines
        task = asyncio.current_task()
        assert task is not None
        deadlines.arm(task)

        async def receive_in_time() -> Message:
            message = await receive()
            if not message.get("more_body", False):
                deadlines.inflight.pop(task, None)
            return message

        try:
            await self.app(scope, receive_in_time, send)
        except asyncio.CancelledError:
            if task not in deadlines.expired:
                raise
            task.uncancel()
            if ingest:
                self._reject("body_timeout")
            log.info("request body not received within %g s: 408", deadlines.timeout)
            await error_response(
                408,
                "request_timeout",
                f"the request body did not arrive within {deadlines.timeout:g} s",
                headers={"Connection": "close"},
            )(scope, receive, send)
        finally:
            deadlines.inflight.pop(task, None)
            deadlines.expired.discard(task)

    def _reject(self, reason: str) -> None:
        if self._on_reject is not None:
            self._on_reject(reason)


async def _unauthorized(scope: Scope, receive: Receive, send: Send, message: str) -> None:
    # The path only: never the query string, which may carry a (wrong) key.
    log.debug("401 %s %s: %s", scope["method"], scope["path"], message)
    hint = f"{message}: header x-functions-key or query parameter code"
    await error_response(401, "unauthorized", hint, headers=_CHALLENGE)(scope, receive, send)
