"""HTTP functions of the public contract: ``POST /api/flow/ingest``, ``GET /api/flow/status``.

Thin by design: parse the request with the HTTP edge's own validation
(``entrypoints.wire.decode_ingest``, the same identifier rule), call one service, map the
result. Ingest answers 202 only once the readings are in the inflow queue; processing
happens in the queue trigger, never inline (doing both would handle each reading
twice).

Both routes use function keys (``AuthLevel.FUNCTION``): turnstile controllers and partner
services hold a key; the local Functions host does not check keys.
"""

from __future__ import annotations

import azure.functions as func

from stadiumflow.entrypoints.azure.context import get_services
from stadiumflow.entrypoints.azure.responses import answer, json_response, render
from stadiumflow.entrypoints.errors import BODY_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE
from stadiumflow.entrypoints.wire import (
    MAX_BODY_BYTES,
    AcceptedOut,
    check_identifier,
    decode_ingest,
    status_out,
)
from stadiumflow.services.ingest import ingest
from stadiumflow.services.query import stadium_status

bp = func.Blueprint()  # type: ignore[no-untyped-call]


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    return content_type.split(";", 1)[0].strip().lower() == "application/json"


def _identifier(req: func.HttpRequest, name: str) -> str:
    return check_identifier(name, req.params.get(name))


@bp.function_name("flow_ingest")
@bp.route(route="flow/ingest", methods=["POST"], auth_level=func.AuthLevel.FUNCTION)
def flow_ingest(req: func.HttpRequest) -> func.HttpResponse:
    def handle() -> func.HttpResponse:
        if not _is_json(req.headers.get("content-type")):
            return render(UNSUPPORTED_MEDIA_TYPE)
        body = req.get_body()
        if len(body) > MAX_BODY_BYTES:
            return render(BODY_TOO_LARGE)
        readings, is_array = decode_ingest(body)
        services = get_services()
        accepted = ingest(readings, queue=services.queue, clock=services.clock, indexed=is_array)
        return json_response(AcceptedOut(accepted), status=202)

    return answer(handle, "flow/ingest")


@bp.function_name("flow_status")
@bp.route(route="flow/status", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def flow_status(req: func.HttpRequest) -> func.HttpResponse:
    def handle() -> func.HttpResponse:
        stadium_id = _identifier(req, "stadiumId")
        statuses = stadium_status(get_services().store, stadium_id)
        return json_response(status_out(stadium_id, statuses))

    return answer(handle, "flow/status")
