"""The security middleware alone: keys, the ingest rate limit, the body deadline.

Driven with hand-made ASGI messages, so each rule is checked without a server; the real
server over sockets is in tests/e2e/test_security.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from stadiumflow.config import Settings
from stadiumflow.entrypoints.http.limits import TokenBuckets
from stadiumflow.entrypoints.http.security import SecurityMiddleware, warn_if_open

KEY = "dev-key-0123456789abcdef"
OTHER = "dev-key-fedcba9876543210"
READ = "read-key-0123456789abcdef"
OPERATOR = "operator-key-0123456789abcdef"


async def echo_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Reads the whole body, then answers 202."""
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 202, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


def call(
    middleware: SecurityMiddleware,
    path: str,
    *,
    method: str = "POST",
    headers: list[tuple[bytes, bytes]] | None = None,
    query: bytes = b"",
    client: str = "10.0.0.1",
    chunks: list[bytes | None] | None = None,
) -> tuple[int, dict[bytes, bytes], dict[str, Any]]:
    """One request; ``None`` in ``chunks`` means the client stalls there for ever."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query,
        "headers": headers or [],
        "client": (client, 5000),
    }
    pending = list(chunks if chunks is not None else [b"{}"])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        chunk = pending.pop(0) if pending else b""
        if chunk is None:
            await asyncio.Event().wait()
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await middleware(scope, receive, send)

    asyncio.run(run())
    start, body = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], dict(start["headers"]), json.loads(body) if body else {}


def secured(**settings: Any) -> SecurityMiddleware:
    return SecurityMiddleware(echo_app, Settings(**settings))


def test_open_by_default():
    middleware = secured()
    assert call(middleware, "/api/flow/ingest")[0] == 202
    assert call(middleware, "/api/flow/status", method="GET")[0] == 202


def test_ingest_needs_a_device_key_in_the_header_or_the_code_parameter():
    middleware = secured(STADIUMFLOW_INGEST_KEYS=f"{KEY}, {OTHER}")
    status, headers, body = call(middleware, "/api/flow/ingest")
    assert status == 401 and body["error"] == "unauthorized"
    assert b"x-functions-key" in headers[b"www-authenticate"]
    assert (
        call(middleware, "/api/flow/ingest", headers=[(b"x-functions-key", KEY.encode())])[0] == 202
    )
    assert call(middleware, "/api/flow/ingest", query=f"x=1&code={OTHER}".encode())[0] == 202
    assert call(middleware, "/api/flow/ingest", query=b"code=" + KEY[:-1].encode())[0] == 401
    assert call(middleware, "/api/flow/ingest", query=b"code=%ff%00")[0] == 401
    # Reads stay open: only STADIUMFLOW_READ_KEYS closes them.
    assert call(middleware, "/api/flow/status", method="GET")[0] == 202


def test_read_keys_close_every_read_route_and_are_not_ingest_keys():
    middleware = secured(STADIUMFLOW_INGEST_KEYS=KEY, STADIUMFLOW_READ_KEYS=READ)
    for path in ("/api/flow/status", "/api/flow/events", "/api/flow/advice", "/", "/api/flow/x"):
        assert call(middleware, path, method="GET")[0] == 401, path
        assert call(middleware, path, method="GET", query=f"code={READ}".encode())[0] == 202
        # A device key (from a turnstile anyone can open) does not read the crowd.
        assert call(middleware, path, method="GET", query=f"code={KEY}".encode())[0] == 401
    assert call(middleware, "/api/flow/ingest", query=f"code={READ}".encode())[0] == 401
    for path in ("/healthz", "/readyz", "/openapi.json", "/docs", "/static/app.js", "/metrics"):
        assert call(middleware, path, method="GET")[0] == 202, path


def test_plan_routes_need_an_operator_key_and_no_other_key_is_one():
    middleware = secured(
        STADIUMFLOW_INGEST_KEYS=KEY, STADIUMFLOW_READ_KEYS=READ, STADIUMFLOW_OPERATOR_KEYS=OPERATOR
    )
    for path in ("/api/flow/plan", "/api/flow/plans"):
        for method in ("GET", "PUT", "DELETE"):
            status, headers, body = call(middleware, path, method=method)
            assert status == 401 and body["error"] == "unauthorized", (path, method)
            assert "operator key" in body["message"]
            assert b"x-functions-key" in headers[b"www-authenticate"]
            for wrong in (KEY, READ, OPERATOR[:-1]):
                code = f"code={wrong}".encode()
                assert call(middleware, path, method=method, query=code)[0] == 401
            allowed = [(b"x-functions-key", OPERATOR.encode())]
            assert call(middleware, path, method=method, headers=allowed)[0] == 202
            code = f"code={OPERATOR}".encode()
            assert call(middleware, path, method=method, query=code)[0] == 202
    # An operator key is not a read key either: each key opens its own routes.
    code = f"code={OPERATOR}".encode()
    assert call(middleware, "/api/flow/status", method="GET", query=code)[0] == 401


def test_plan_routes_are_open_without_operator_keys_whatever_the_read_keys():
    middleware = secured(STADIUMFLOW_READ_KEYS=READ)
    assert call(middleware, "/api/flow/plan", method="PUT")[0] == 202
    assert call(middleware, "/api/flow/plans", method="GET")[0] == 202
    assert call(middleware, "/api/flow/status", method="GET")[0] == 401


def test_a_plan_body_gets_the_body_deadline_too():
    middleware = secured(STADIUMFLOW_BODY_TIMEOUT_SECONDS="0.05")
    status, _, body = call(middleware, "/api/flow/plan", method="PUT", chunks=[b"{", None])
    assert status == 408 and body["error"] == "request_timeout"


def test_metrics_can_be_put_behind_the_read_key():
    middleware = secured(STADIUMFLOW_READ_KEYS=READ, STADIUMFLOW_METRICS_NEED_KEY="true")
    assert call(middleware, "/metrics", method="GET")[0] == 401
    headers = [(b"x-functions-key", READ.encode())]
    assert call(middleware, "/metrics", method="GET", headers=headers)[0] == 202


def test_ingest_is_limited_per_key_with_retry_after():
    middleware = secured(STADIUMFLOW_INGEST_KEYS=f"{KEY},{OTHER}", STADIUMFLOW_INGEST_RATE="2")
    first = [(b"x-functions-key", KEY.encode())]
    statuses = [call(middleware, "/api/flow/ingest", headers=first)[0] for _ in range(5)]
    assert statuses == [202, 202, 202, 202, 429]  # burst = 2 x rate
    status, headers, body = call(middleware, "/api/flow/ingest", headers=first)
    assert status == 429 and body["error"] == "rate_limited" and int(headers[b"retry-after"]) >= 1
    # Another device is not slowed by the first one.
    other = [(b"x-functions-key", OTHER.encode())]
    assert call(middleware, "/api/flow/ingest", headers=other)[0] == 202


def test_open_ingest_is_limited_per_client_address():
    middleware = secured(STADIUMFLOW_INGEST_RATE="1")
    assert [call(middleware, "/api/flow/ingest")[0] for _ in range(3)] == [202, 202, 429]
    assert call(middleware, "/api/flow/ingest", client="10.0.0.2")[0] == 202


def test_a_body_that_does_not_arrive_in_time_gets_408_and_closes():
    middleware = secured(STADIUMFLOW_BODY_TIMEOUT_SECONDS="0.05")
    status, headers, body = call(middleware, "/api/flow/ingest", chunks=[b"[", None])
    assert status == 408 and body["error"] == "request_timeout"
    assert headers[b"connection"] == b"close"


def test_slow_processing_after_the_body_is_not_cut_short():
    async def slow_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await receive()
        await asyncio.sleep(0.2)
        await send({"type": "http.response.start", "status": 202, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = SecurityMiddleware(slow_app, Settings(STADIUMFLOW_BODY_TIMEOUT_SECONDS="0.05"))
    assert call(middleware, "/api/flow/ingest")[0] == 202


def test_buckets_stay_bounded_and_forget_idle_callers():
    now = [0.0]
    buckets = TokenBuckets(rate=10.0, burst=20.0, max_buckets=100, clock=lambda: now[0])
    for i in range(10_000):
        buckets.take(f"10.0.{i // 256}.{i % 256}")
    assert len(buckets) == 100
    now[0] = 60.0  # every bucket is full again: each new caller retires an idle one
    for i in range(50):
        buckets.take(f"new-{i}")
    assert len(buckets) == 100


def test_the_open_warning_is_loud_and_keys_are_never_logged(caplog):
    caplog.set_level(logging.DEBUG)
    warn_if_open(Settings())
    assert any(
        r.levelno == logging.WARNING and "INGEST IS OPEN" in r.message for r in caplog.records
    )
    assert any(
        r.levelno == logging.WARNING and "MATCH PLANS ARE OPEN" in r.message for r in caplog.records
    )
    caplog.clear()
    settings = Settings(
        STADIUMFLOW_INGEST_KEYS=KEY, STADIUMFLOW_READ_KEYS=READ, STADIUMFLOW_OPERATOR_KEYS=OPERATOR
    )
    warn_if_open(settings)
    middleware = SecurityMiddleware(echo_app, settings)
    call(middleware, "/api/flow/ingest", query=f"code={READ}".encode())
    call(middleware, "/api/flow/status", method="GET", query=f"code={KEY}".encode())
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    call(middleware, "/api/flow/plan", method="GET", query=f"code={READ}".encode())
    assert KEY not in caplog.text and READ not in caplog.text and OPERATOR not in caplog.text
    assert KEY not in repr(settings) and KEY not in str(settings.model_dump())


def test_unset_the_limit_is_200_per_key_with_keys_and_off_when_open():
    assert all(call(secured(), "/api/flow/ingest")[0] == 202 for _ in range(1_000))
    keyed = secured(STADIUMFLOW_INGEST_KEYS=KEY)
    headers = [(b"x-functions-key", KEY.encode())]
    statuses = [call(keyed, "/api/flow/ingest", headers=headers)[0] for _ in range(1_000)]
    assert statuses[:400] == [202] * 400 and 429 in statuses  # a burst of 400, then limited


def test_a_zero_rate_turns_the_limit_off():
    middleware = secured(STADIUMFLOW_INGEST_KEYS=KEY, STADIUMFLOW_INGEST_RATE="0")
    headers = [(b"x-functions-key", KEY.encode())]
    assert all(call(middleware, "/api/flow/ingest", headers=headers)[0] == 202 for _ in range(500))
