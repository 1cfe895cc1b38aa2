"""``GET /api/flow/advice?stadiumId=X``: the stadium's redirections and where a lane helps.

Read-only and cheap: the per-gate recommendations are what the worker stored in the
statuses; the lane advice is a pure function of those statuses (the same one the worker
publishes on the control feed when it changes), so nothing is planned on the read path.
"""

from __future__ import annotations

import msgspec
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from stadiumflow.bootstrap import Services
from stadiumflow.entrypoints.wire import AdviceOut, advice_out, check_identifier
from stadiumflow.services.query import stadium_status

_encoder = msgspec.json.Encoder()


def advice_document(services: Services, stadium_id: str) -> AdviceOut:
    return advice_out(stadium_id, stadium_status(services.store, stadium_id))


def routes(services: Services) -> list[BaseRoute]:
    async def advice_endpoint(request: Request) -> Response:
        stadium_id = check_identifier("stadiumId", request.query_params.get("stadiumId"))
        document = await run_in_threadpool(advice_document, services, stadium_id)
        body = _encoder.encode(document)
        return Response(body, media_type="application/json")

    return [Route("/api/flow/advice", advice_endpoint, methods=["GET"])]
