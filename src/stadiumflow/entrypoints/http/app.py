"""The Starlette application: routes, lifespan (the worker), error mapping."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, Literal

import msgspec
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from stadiumflow.bootstrap import Services
from stadiumflow.domain.errors import InvalidReading
from stadiumflow.entrypoints.health import consumer_json, scorer_json, wait_model_json
from stadiumflow.entrypoints.http import advice, dashboard, docs, plans
from stadiumflow.entrypoints.http.errors import EXCEPTION_HANDLERS, error_response
from stadiumflow.entrypoints.http.event_stream import EventStreams
from stadiumflow.entrypoints.http.group_commit import GroupCommit
from stadiumflow.entrypoints.http.ingest_route import IngestApp
from stadiumflow.entrypoints.http.metrics import Metrics
from stadiumflow.entrypoints.http.middleware import RequestContextMiddleware
from stadiumflow.entrypoints.http.security import SecurityMiddleware
from stadiumflow.entrypoints.wire import (
    HistoryOut,
    check_identifier,
    format_ts,
    history_item_out,
    stadiums_out,
    status_out,
)
from stadiumflow.entrypoints.worker.child import (
    STALE_AFTER_SECONDS,
    WorkerProcess,
    heartbeat_stats,
    read_heartbeat,
)
from stadiumflow.entrypoints.worker.loop import Worker
from stadiumflow.services.consume import ConsumerSnapshot
from stadiumflow.services.query import gate_history, list_stadiums, stadium_status

log = logging.getLogger(__name__)

MAX_HISTORY_PAGE = 5_000
_encoder = msgspec.json.Encoder()


def _json(payload: Any, status: int = 200) -> Response:
    return Response(_encoder.encode(payload), status_code=status, media_type="application/json")


def _worker_health(
    services: Services, worker: Worker | None, child: WorkerProcess | None
) -> tuple[dict[str, Any], bool]:
    """What /readyz says of the worker, and whether it is healthy."""
    if worker is not None:
        stats = consumer_json(services.consumer_stats.snapshot())
        return {"mode": "thread", "alive": worker.alive, **stats}, worker.alive
    if child is not None:
        beat = read_heartbeat(services.settings.data_dir) or {}
        fresh = bool(beat) and float(beat.get("ageSeconds", 1e9)) < STALE_AFTER_SECONDS
        body = {
            "mode": "process",
            "alive": child.alive,
            "pid": child.pid,
            "restarts": child.restarts,
            "heartbeatFresh": fresh,
            **beat,
        }
        # A worker still starting (no heartbeat yet) is alive, not unhealthy.
        return body, child.alive
    return {"mode": "none", "alive": None}, True


def _identifier(request: Request, name: str) -> str:
    return check_identifier(name, request.query_params.get(name))


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


WorkerMode = Literal["process", "thread", "none"]


def create_app(
    services: Services, *, run_worker: bool = True, worker_mode: WorkerMode | None = None
) -> Starlette:
    """The HTTP API over ``services``, with its worker.

    ``worker_mode``: "process" (a supervised, niced child process on the same data: the
    default of ``serve``), "thread" (in this process: for the memory backend and tests),
    or "none" (run ``stadiumflow worker`` apart). ``run_worker=False`` means "none".
    """
    mode: WorkerMode = worker_mode or ("thread" if run_worker else "none")
    if services.settings.backend == "memory" and mode == "process":
        mode = "thread"  # a child process cannot see this process's memory
    worker = Worker(services) if mode == "thread" else None
    child = WorkerProcess(services.settings) if mode == "process" else None
    started = time.time()

    def worker_stats() -> ConsumerSnapshot | None:
        if child is not None:
            return heartbeat_stats(services.settings.data_dir)
        return services.consumer_stats.snapshot()

    metrics = Metrics(services, worker_stats=worker_stats)
    streams = EventStreams(services, on_clients=metrics.stream_clients.set)
    group = GroupCommit(services.queue)

    async def events_endpoint(request: Request) -> StreamingResponse:
        return await streams.endpoint(request, _identifier(request, "stadiumId"))

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
        worker_body, worker_ok = _worker_health(services, worker, child)
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
            "waitModel": wait_model_json(services.model_health()),
            "anomalyScorer": scorer_json(services.scorer_health()),
            "worker": worker_body,
            "ingest": {"commits": group.commits, "requests": group.requests},
        }
        return _json(body, status=200 if worker_ok else 503)

    async def supervise(process: WorkerProcess) -> None:
        while True:
            await asyncio.sleep(1.0)
            process.check()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        supervisor = None
        if worker is not None:
            worker.start_thread()
        if child is not None:
            services.settings.data_dir.mkdir(parents=True, exist_ok=True)
            child.start()
            supervisor = asyncio.create_task(supervise(child))
        streams.hook_signals()
        try:
            yield
        finally:
            streams.close()
            if supervisor is not None:
                supervisor.cancel()
            if child is not None:
                await asyncio.to_thread(child.stop)
            if worker is not None:
                worker.stop()
            group.close()
            services.close()

    routes = [
        Route(
            "/api/flow/ingest",
            IngestApp(
                group,
                services.clock,
                accept=metrics.accept,
                reject=metrics.reject,
                on_accepted=(
                    worker.wake if worker is not None else child.wake if child is not None else None
                ),
            ),
            methods=["POST"],
        ),
        Route("/api/flow/status", status_endpoint, methods=["GET"]),
        Route("/api/flow/stadiums", stadiums_endpoint, methods=["GET"]),
        Route("/api/flow/history", history_endpoint, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/api/flow/events", events_endpoint, methods=["GET"]),
        Route("/metrics", metrics.endpoint, methods=["GET"]),
        *advice.routes(services),
        *plans.routes(services),
        *dashboard.routes(),
        *docs.routes(),
    ]
    app = Starlette(
        routes=routes,
        exception_handlers=EXCEPTION_HANDLERS,
        lifespan=lifespan,
        middleware=[
            # Request ids outermost: 401, 408 and 429 answers carry one and are counted.
            Middleware(RequestContextMiddleware, count_request=metrics.count_request),
            Middleware(SecurityMiddleware, settings=services.settings, on_reject=metrics.reject),
        ],
    )
    app.state.metrics = metrics
    return app
