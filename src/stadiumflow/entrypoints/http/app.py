"""The Starlette application: routes, lifespan (worker thread), error mapping."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import msgspec
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from stadiumflow.bootstrap import Services
from stadiumflow.domain.errors import InvalidReading
from stadiumflow.entrypoints.http import docs
from stadiumflow.entrypoints.http.errors import EXCEPTION_HANDLERS, error_response
from stadiumflow.entrypoints.wire import (
    _ID_FULL,
    MAX_BODY_BYTES,
    AcceptedOut,
    HistoryOut,
    decode_ingest,
    format_ts,
    history_item_out,
    stadiums_out,
    status_out,
)
from stadiumflow.entrypoints.worker import Worker
from stadiumflow.services.ingest import ingest
from stadiumflow.services.query import gate_history, list_stadiums, stadium_status

log = logging.getLogger(__name__)

MAX_HISTORY_PAGE = 5_000
_encoder = msgspec.json.Encoder()


def _json(payload: Any, status: int = 200) -> Response:
    return Response(_encoder.encode(payload), status_code=status, media_type="application/json")


class _BodyTooLarge(Exception):
    pass


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _identifier(request: Request, name: str) -> str:
    value = request.query_params.get(name)
    if value is None or value == "":
        raise InvalidReading(f"query parameter {name} is required", field=name)
    if not _ID_FULL.fullmatch(value):
        raise InvalidReading(
            f"{name} must be 1-64 characters of A-Z, a-z, 0-9, '_' and '-'", field=name
        )
    return value


def _timestamp(request: Request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if value is None or value == "":
        return None
    try:
        ts = msgspec.json.decode(_encoder.encode(value), type=datetime)
    except msgspec.ValidationError:
        raise InvalidReading(
            f"{name} must be an ISO 8601 time with a timezone", field=name
        ) from None
    if ts.tzinfo is None:
        raise InvalidReading(f"{name} must be an ISO 8601 time with a timezone", field=name)
    return ts


def create_app(services: Services, *, run_worker: bool = True) -> Starlette:
    """The HTTP API over ``services``; with ``run_worker`` a worker thread runs in-process."""
    worker = Worker(services) if run_worker else None
    started = time.time()

    async def ingest_endpoint(request: Request) -> Response:
        if not _is_json(request.headers.get("content-type")):
            return error_response(
                415, "unsupported_media_type", "Content-Type must be application/json"
            )
        try:
            body = await _read_body(request)
        except _BodyTooLarge:
            return error_response(
                413, "body_too_large", f"body is larger than {MAX_BODY_BYTES} bytes"
            )
        readings, is_array = decode_ingest(body)
        accepted = ingest(readings, queue=services.queue, clock=services.clock, indexed=is_array)
        if worker is not None:
            worker.wake()
        return _json(AcceptedOut(accepted), status=202)

    async def status_endpoint(request: Request) -> Response:
        stadium_id = _identifier(request, "stadiumId")
        statuses = stadium_status(services.store, stadium_id)
        return _json(status_out(stadium_id, statuses))

    async def stadiums_endpoint(request: Request) -> Response:
        return _json(stadiums_out(list_stadiums(services.store)))

    async def history_endpoint(request: Request) -> Response:
        stadium_id = _identifier(request, "stadiumId")
        gate_id = _identifier(request, "gateId")
        since = _timestamp(request, "from")
        until = _timestamp(request, "to")
        after = _timestamp(request, "cursor")
        raw_limit = request.query_params.get("limit", "500")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_HISTORY_PAGE:
            raise InvalidReading(
                f"limit must be an integer from 1 to {MAX_HISTORY_PAGE}", field="limit"
            )
        limit = int(raw_limit)
        items = gate_history(
            services.store,
            stadium_id,
            gate_id,
            since=since,
            until=until,
            after=after,
            limit=limit + 1,
        )
        page = items[:limit]
        cursor = format_ts(page[-1].reading.ts) if len(items) > limit else None
        return _json(HistoryOut(stadium_id, gate_id, [history_item_out(i) for i in page], cursor))

    async def healthz(request: Request) -> Response:
        return _json({"status": "ok"})

    async def readyz(request: Request) -> Response:
        try:
            stats = services.queue.stats()
        except Exception:
            log.exception("readiness: queue unreachable")
            return error_response(503, "unavailable", "queue unreachable")
        now = time.time()
        worker_ok = worker is None or worker.alive
        body = {
            "status": "ready" if worker_ok else "degraded",
            "uptimeSeconds": round(now - started, 1),
            "queue": {
                "messages": stats.messages,
                "readings": stats.readings,
                "oldestAgeSeconds": (
                    round(now - stats.oldest_enqueued_at, 3)
                    if stats.oldest_enqueued_at is not None
                    else None
                ),
                "poisoned": stats.poisoned,
            },
            "waitModel": {
                "name": services.model.name,
                "version": services.model.version,
                "fallback": services.model.is_fallback,
                "fallbackReason": getattr(services.model, "reason", None),
            },
            "worker": {
                "inProcess": worker is not None,
                "alive": worker.alive if worker is not None else None,
                **services.consumer_stats.snapshot(),
            },
        }
        return _json(body, status=200 if worker_ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if worker is not None:
            worker.start_thread()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            services.close()

    routes = [
        Route("/api/flow/ingest", ingest_endpoint, methods=["POST"]),
        Route("/api/flow/status", status_endpoint, methods=["GET"]),
        Route("/api/flow/stadiums", stadiums_endpoint, methods=["GET"]),
        Route("/api/flow/history", history_endpoint, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        *docs.routes(),
    ]
    return Starlette(
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
    )
