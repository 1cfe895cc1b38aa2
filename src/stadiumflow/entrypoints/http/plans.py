"""``/api/flow/plan`` (GET, PUT, DELETE) and ``/api/flow/plans`` (GET): match plans.

The operator key is checked before any of this, by the security middleware. A PUT is
checked in the same order as ingest (stadiumId, content type, size, then the body with
the shared decoder ``plan_wire.decode_plan``); nothing is stored unless all of it passes.
Store calls run in the thread pool: a write may wait for the worker's transaction.
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stadiumflow.bootstrap import Services
from stadiumflow.entrypoints.errors import PLAN_BODY_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE
from stadiumflow.entrypoints.http.errors import render
from stadiumflow.entrypoints.plan_wire import (
    MAX_PLAN_BODY_BYTES,
    DeletedOut,
    decode_plan,
    kickoff_param,
    plan_out,
    plans_out,
)
from stadiumflow.entrypoints.wire import check_identifier
from stadiumflow.services.plans import find_plan, put_plan, remove_plans, stadium_plans

_encoder = msgspec.json.Encoder()


def _json(payload: object) -> Response:
    return Response(_encoder.encode(payload), media_type="application/json")


def is_json(content_type: str | None) -> bool:
    return (
        content_type is not None
        and content_type.split(";", 1)[0].strip().lower() == "application/json"
    )


async def _body(request: Request, limit: int) -> bytes | None:
    """The whole body, or None if it is (or declares to be) over ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def routes(services: Services) -> list[BaseRoute]:
    store, clock = services.store, services.clock

    async def put(request: Request, stadium_id: str) -> Response:
        if not is_json(request.headers.get("content-type")):
            return render(UNSUPPORTED_MEDIA_TYPE)
        try:
            body = await _body(request, MAX_PLAN_BODY_BYTES)
        except ClientDisconnect:
            return Response(status_code=400)  # nobody to read it; nothing stored
        if body is None:
            return render(PLAN_BODY_TOO_LARGE)
        plan = decode_plan(stadium_id, body)
        return _json(plan_out(await run_in_threadpool(put_plan, store, plan)))

    async def plan_endpoint(request: Request) -> Response:
        stadium_id = check_identifier("stadiumId", request.query_params.get("stadiumId"))
        if request.method == "PUT":
            return await put(request, stadium_id)
        kickoff = kickoff_param(request.query_params.get("kickoff"))
        if request.method == "DELETE":
            deleted = await run_in_threadpool(remove_plans, store, stadium_id, kickoff)
            return _json(DeletedOut(deleted))
        found = await run_in_threadpool(find_plan, store, stadium_id, kickoff, clock)
        return _json(plan_out(found))

    async def plans_endpoint(request: Request) -> Response:
        stadium_id = check_identifier("stadiumId", request.query_params.get("stadiumId"))
        plans = await run_in_threadpool(stadium_plans, store, stadium_id)
        return _json(plans_out(stadium_id, plans))

    return [
        Route("/api/flow/plan", plan_endpoint, methods=["GET", "PUT", "DELETE"]),
        Route("/api/flow/plans", plans_endpoint, methods=["GET"]),
    ]
