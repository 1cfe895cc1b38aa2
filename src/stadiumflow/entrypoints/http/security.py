"""Device keys, read keys, the ingest rate limit and the request-body deadline.

One pure ASGI middleware (not Starlette's BaseHTTPMiddleware, which runs the app in
another task and costs a large share of a single-reading ingest, the benchmarked path).

Keys work exactly as Azure Functions function keys: header ``x-functions-key`` or query
``code=``, so the same turnstile firmware talks to both homes. Each configured key is
kept only as its SHA-256 digest and every presented key is compared, through its digest,
with all of them using ``hmac.compare_digest`` and no early exit: the time taken reveals
neither which key matched nor a key's length. Keys are never logged.

Who needs what:
- ``/api/flow/ingest``: an ingest key, when STADIUMFLOW_INGEST_KEYS is set.
- every other ``/api/flow/*`` route (status, events, history, stadiums, advice, and any
  added later: default deny) and the dashboard page ``/``: a read key, when
  STADIUMFLOW_READ_KEYS is set. An ingest key is *not* a read key and a read key is not
  an ingest key: device keys sit in turnstiles that anyone can unscrew, and a stolen one
  must not reveal where the crowd is, nor a dashboard key let a browser inject readings.
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
import hashlib
import hmac
import logging
import math
from collections.abc import Callable
from urllib.parse import parse_qsl

from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stadiumflow.config import Settings
from stadiumflow.entrypoints.http.errors import error_response
from stadiumflow.entrypoints.http.limits import BodyDeadlines, TokenBuckets

log = logging.getLogger(__name__)

KEY_HEADER = b"x-functions-key"
KEY_QUERY = "code"
INGEST_PATH = "/api/flow/ingest"
BURST_FACTOR = 2.0
DEFAULT_KEYED_RATE = 200.0
"""Ingest requests/s per device key when STADIUMFLOW_INGEST_RATE is unset."""
_CHALLENGE = {"WWW-Authenticate": 'ApiKey header="x-functions-key", query="code"'}
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_OPEN, _INGEST, _READ, _METRICS = range(4)

Rejected = Callable[[str], None]
"""Called with the reason ("unauthorized", "rate_limited", "body_timeout") of an ingest refusal."""


def parse_keys(secret: SecretStr | None) -> list[str]:
    """The comma-separated keys of a setting, blanks dropped."""
    if secret is None:
        return []
    return [k.strip() for k in secret.get_secret_value().split(",") if k.strip()]


def _digest(key: str | bytes) -> bytes:
    return hashlib.sha256(key.encode() if isinstance(key, str) else key).digest()


def _presented_key(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == KEY_HEADER:
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


def _matches(presented: bytes | None, digests: list[bytes]) -> bytes | None:
    """The digest of ``presented`` if it is one of the keys; all keys compared, always."""
    if presented is None:
        return None
    digest = _digest(presented)
    found = False
    for known in digests:
        found |= hmac.compare_digest(digest, known)
    return digest if found else None


def _classify(path: str) -> int:
    if path == INGEST_PATH:
        return _INGEST
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


class SecurityMiddleware:
    """Authenticates, rate-limits ingest and puts a deadline on request bodies."""

    def __init__(self, app: ASGIApp, settings: Settings, on_reject: Rejected | None = None):
        self.app = app
        self._ingest = [_digest(k) for k in parse_keys(settings.ingest_keys)]
        self._read = [_digest(k) for k in parse_keys(settings.read_keys)]
        self._metrics_need_key = settings.metrics_need_key and bool(self._read)
        rate = settings.ingest_rate
        if rate is None:
            rate = DEFAULT_KEYED_RATE if self._ingest else 0.0
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
        needs_read_key = (kind == _READ and self._read) or (
            kind == _METRICS and self._metrics_need_key
        )
        if needs_read_key and _matches(_presented_key(scope), self._read) is None:
            await _unauthorized(scope, receive, send, "a read key is required")
            return
        if scope["method"] in _BODY_METHODS:
            await self._with_body_deadline(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    async def _ingest_request(self, scope: Scope, receive: Receive, send: Send) -> None:
        bucket: object
        if self._ingest:
            digest = _matches(_presented_key(scope), self._ingest)
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
