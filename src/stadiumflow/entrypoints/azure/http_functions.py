"""HTTP functions: the public contract's ``POST /api/flow/ingest`` and ``GET
/api/flow/status``, and the operator's match plans (``/api/flow/plan``, ``/api/flow/plans``).

Thin by design: parse the request with the HTTP edge's own validation
(``entrypoints.wire.decode_ingest``, ``plan_wire.decode_plan``, the same identifier
rule), call one service, map the result. Ingest answers 202 only once the readings are in
the inflow queue; processing happens in the queue trigger, never inline (doing both would
handle each reading twice).

Every route uses function keys (``AuthLevel.FUNCTION``): turnstile controllers and
partner services hold a key; the local Functions host does not check keys. The plan
routes also check STADIUMFLOW_OPERATOR_KEYS themselves, exactly as the Starlette server
does (header ``x-functions-key`` or ``?code=``): on Azure an operator's key must be both
a function key of these functions (the host checks it first) and an operator key, so a
device's host key cannot replace plans.
"""

from __future__ import annotations

import azure.functions as func

from stadiumflow.bootstrap import Services
from stadiumflow.entrypoints.azure.context import get_services
from stadiumflow.entrypoints.azure.responses import answer, json_response, render
from stadiumflow.entrypoints.errors import (
    BODY_TOO_LARGE,
    OPERATOR_KEY_REQUIRED,
    PLAN_BODY_TOO_LARGE,
    UNSUPPORTED_MEDIA_TYPE,
)
from stadiumflow.entrypoints.keys import KEY_HEADER, KEY_QUERY, KeyRing
from stadiumflow.entrypoints.plan_wire import (
    MAX_PLAN_BODY_BYTES,
    DeletedOut,
    decode_plan,
    kickoff_param,
    plan_out,
    plans_out,
)
from stadiumflow.entrypoints.wire import (
    MAX_BODY_BYTES,
    AcceptedOut,
    check_identifier,
    decode_ingest,
    status_out,
)
from stadiumflow.services.ingest import ingest
from stadiumflow.services.plans import find_plan, put_plan, remove_plans, stadium_plans
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


def _operator_allowed(services: Services, req: func.HttpRequest) -> bool:
    """As the Starlette server decides: the header, else ``?code=``, is an operator key
    (or none is configured)."""
    presented = req.headers.get(KEY_HEADER)
    if presented is None:
        presented = req.params.get(KEY_QUERY)
    return KeyRing.of(services.settings.operator_keys).allows(
        None if presented is None else presented.encode()
    )


def _put_plan(req: func.HttpRequest, services: Services, stadium_id: str) -> func.HttpResponse:
    if not _is_json(req.headers.get("content-type")):
        return render(UNSUPPORTED_MEDIA_TYPE)
    body = req.get_body()
    if len(body) > MAX_PLAN_BODY_BYTES:
        return render(PLAN_BODY_TOO_LARGE)
    plan = decode_plan(stadium_id, body)
    return json_response(plan_out(put_plan(services.store, plan)))


@bp.function_name("flow_plan")
@bp.route(route="flow/plan", methods=["GET", "PUT", "DELETE"], auth_level=func.AuthLevel.FUNCTION)
def flow_plan(req: func.HttpRequest) -> func.HttpResponse:
    def handle() -> func.HttpResponse:
        services = get_services()
        if not _operator_allowed(services, req):
            return render(OPERATOR_KEY_REQUIRED)
        stadium_id = _identifier(req, "stadiumId")
        method = req.method.upper()
        if method == "PUT":
            return _put_plan(req, services, stadium_id)
        kickoff = kickoff_param(req.params.get("kickoff"))
        if method == "DELETE":
            return json_response(DeletedOut(remove_plans(services.store, stadium_id, kickoff)))
        found = find_plan(services.store, stadium_id, kickoff, services.clock)
        return json_response(plan_out(found))

    return answer(handle, "flow/plan")


@bp.function_name("flow_plans")
@bp.route(route="flow/plans", methods=["GET"], auth_level=func.AuthLevel.FUNCTION)
def flow_plans(req: func.HttpRequest) -> func.HttpResponse:
    def handle() -> func.HttpResponse:
        services = get_services()
        if not _operator_allowed(services, req):
            return render(OPERATOR_KEY_REQUIRED)
        stadium_id = _identifier(req, "stadiumId")
        return json_response(plans_out(stadium_id, stadium_plans(services.store, stadium_id)))

    return answer(handle, "flow/plans")
