"""The OpenAPI 3.1 description, generated from the wire types the server really uses."""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from stadiumflow import __version__
from stadiumflow.adapters.event_codec import ControlEventOut
from stadiumflow.entrypoints.errors import (
    BODY_TOO_LARGE,
    ERROR_TABLE,
    PLAN_BODY_TOO_LARGE,
    UNEXPECTED,
    UNSUPPORTED_MEDIA_TYPE,
)
from stadiumflow.entrypoints.http.event_stream import MAX_BACKLOG
from stadiumflow.entrypoints.plan_wire import (
    MAX_PLAN_BODY_BYTES,
    PLAN_WHOLE_NUMBER_FIELDS,
    DeletedOut,
    PlanIn,
    PlanOut,
    PlansOut,
)
from stadiumflow.entrypoints.wire import (
    MAX_READINGS_PER_REQUEST,
    WHOLE_NUMBER_FIELDS,
    AcceptedOut,
    AdviceOut,
    ErrorOut,
    HistoryOut,
    ReadingIn,
    ReadingsIn,
    StadiumsOut,
    StatusOut,
)

_REF = "#/components/schemas/{name}"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": _REF.format(name=name)}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("ErrorOut"), description)


def _query(name: str, description: str, *, required: bool, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }


_ID = {"minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_-]+$"}
_EDGE_ERRORS = {"unauthorized": 401, "request_timeout": 408, "rate_limited": 429}
"""Codes the security middleware answers with, before any route runs."""


def error_codes() -> dict[str, int]:
    """Every ``error`` code an answer may carry, with its HTTP status."""
    codes = {rule.code: rule.status for rule in (*ERROR_TABLE.values(), UNEXPECTED)}
    answers = (UNSUPPORTED_MEDIA_TYPE, BODY_TOO_LARGE, PLAN_BODY_TOO_LARGE)
    codes |= {a.body.error: a.status for a in answers}
    return codes | _EDGE_ERRORS


def _error_code_description() -> str:
    listed = ", ".join(f"`{code}` ({status})" for code, status in sorted(error_codes().items()))
    return f"What went wrong, for programs: {listed}"


# Keys as Azure Functions function keys: header x-functions-key or query code. Each is
# required only when configured (STADIUMFLOW_INGEST_KEYS, STADIUMFLOW_READ_KEYS,
# STADIUMFLOW_OPERATOR_KEYS), hence {}.
_SECURITY_SCHEMES = {
    "keyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "x-functions-key",
        "description": "A device key for ingest, an operator key for match plans, a read key"
        " for the rest, when configured",
    },
    "keyQuery": {"type": "apiKey", "in": "query", "name": "code"},
}
_KEYS: list[dict[str, list[str]]] = [{"keyHeader": []}, {"keyQuery": []}, {}]
_UNAUTHORIZED = _error("A key is required and was missing or wrong")
_OPERATOR_UNAUTHORIZED = _error(
    "An operator key is required (STADIUMFLOW_OPERATOR_KEYS) and was missing or wrong"
)
_SECURED_INGEST = {
    "401": _UNAUTHORIZED,
    "408": _error("The body did not arrive within the deadline"),
    "429": _error("Over the requests/s of this key; retry after Retry-After seconds"),
}

_EVENTS_DESCRIPTION = """Messages, each with `event:` and one line of JSON `data:`:

- `state_changed`, `anomaly_started`, `anomaly_ended`, `advice_changed`: a control event
  (ControlEventOut), with `id:` = its position in the feed, so a reconnecting client
  resumes with `Last-Event-ID` and misses nothing;
- `ready`: sent once the backlog is out; its `id:` is the position the stream follows from;
- `status`: the stadium's status document, whenever it changed (checked every second) and
  at least every 10 s;
- `bye`: the server is stopping; the client reconnects.

Comment lines (`: keep-alive`) are sent when the stream is otherwise idle for 15 s."""


_STADIUM = _query("stadiumId", "Stadium", required=True, **_ID)
_KICKOFF_YEARS = "^20[0-9]{2}-"
"""Kickoffs are in 2000-2099 (in UTC, as the descriptions say): a pattern says that much."""
_KICKOFF = _query(
    "kickoff",
    "The plan's kickoff, ISO 8601 with a timezone (any offset: compared as an instant)",
    required=False,
    format="date-time",
    pattern=_KICKOFF_YEARS,
)
_STADIUM_ERRORS = "`missing_parameter` without stadiumId; `invalid_reading` if it is malformed"
_UNAVAILABLE = _error("Storage unavailable; retry")


def _plan_paths(
    plan_in: dict[str, Any],
    plan: dict[str, Any],
    plans: dict[str, Any],
    deleted: dict[str, Any],
) -> dict[str, Any]:
    """The operator's match plan routes (``entrypoints/http/plans.py``)."""
    security = _KEYS
    return {
        "/api/flow/plan": {
            "put": {
                "summary": "Store a stadium's plan for one match day",
                "description": "Replaces the stadium's plan at the same kickoff. Validated"
                " like ingest: unknown fields refused, whole numbers for counts, each gateId"
                " once; an invalid plan stores nothing.",
                "operationId": "putPlan",
                "security": security,
                "parameters": [_STADIUM],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": plan_in}},
                },
                "responses": {
                    "200": _json(plan, "Stored; the plan as stored (kickoff in UTC)"),
                    "400": _error(
                        f"{_STADIUM_ERRORS}; `invalid_plan` for the body, `field` naming the"
                        " place (`gates[3].expectedFans`) and `index` the gate"
                    ),
                    "401": _OPERATOR_UNAUTHORIZED,
                    "408": _error("The body did not arrive within the deadline"),
                    "413": _error(f"Body over {MAX_PLAN_BODY_BYTES} bytes"),
                    "415": _error("Content-Type is not application/json"),
                    "503": _UNAVAILABLE,
                },
            },
            "get": {
                "summary": "A stadium's plan",
                "description": "With `kickoff`, the plan at that kickoff. Without, the plan"
                " in force at the stadium's newest reading (the wall clock if it has none:"
                " from 12 h before its kickoff to 6 h after), else the next kickoff after"
                " then, else the latest.",
                "operationId": "getPlan",
                "security": security,
                "parameters": [_STADIUM, _KICKOFF],
                "responses": {
                    "200": _json(plan, "The plan"),
                    "400": _error(f"{_STADIUM_ERRORS}; `invalid_reading` for a bad kickoff"),
                    "401": _OPERATOR_UNAUTHORIZED,
                    "404": _error("No such plan"),
                    "503": _UNAVAILABLE,
                },
            },
            "delete": {
                "summary": "Delete a stadium's plan at a kickoff, or all its plans",
                "operationId": "deletePlan",
                "security": security,
                "parameters": [_STADIUM, _KICKOFF],
                "responses": {
                    "200": _json(deleted, "How many plans were deleted"),
                    "400": _error(f"{_STADIUM_ERRORS}; `invalid_reading` for a bad kickoff"),
                    "401": _OPERATOR_UNAUTHORIZED,
                    "404": _error("No such plan: nothing deleted"),
                    "503": _UNAVAILABLE,
                },
            },
        },
        "/api/flow/plans": {
            "get": {
                "summary": "Every plan of a stadium, in kickoff order",
                "operationId": "listPlans",
                "security": security,
                "parameters": [_STADIUM],
                "responses": {
                    "200": _json(plans, "The plans (none: an empty list)"),
                    "400": _error(_STADIUM_ERRORS),
                    "401": _OPERATOR_UNAUTHORIZED,
                    "503": _UNAVAILABLE,
                },
            }
        },
    }


@cache
def openapi_document() -> dict[str, Any]:
    schemas, comps = msgspec.json.schema_components(
        [
            ReadingIn | ReadingsIn,
            StatusOut,
            StadiumsOut,
            HistoryOut,
            AcceptedOut,
            ErrorOut,
            ControlEventOut,
            AdviceOut,
            PlanIn,
            PlanOut,
            PlansOut,
            DeletedOut,
        ],
        ref_template=_REF,
    )
    ingest_schema, status_schema, stadiums_schema, history_schema, accepted, _, event, advice = (
        schemas[:8]
    )
    comps["ErrorOut"]["properties"]["error"]["description"] = _error_code_description()
    reading = comps["ReadingIn"]["properties"]
    for name in WHOLE_NUMBER_FIELDS:  # decoded as numbers, accepted only when whole
        reading[name]["type"] = "integer"
    comps["PlanIn"]["properties"]["kickoff"]["pattern"] = _KICKOFF_YEARS
    gate_plan = comps["GatePlanIn"]["properties"]
    for name in PLAN_WHOLE_NUMBER_FIELDS:  # the same, for the plan's counts
        for branch in gate_plan[name].get("anyOf", [gate_plan[name]]):
            if branch.get("type") == "number":
                branch["type"] = "integer"
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "stadiumflow",
            "version": __version__,
            "description": "Stadium crowd-flow controller: turnstile telemetry in; per-gate"
            " waits, states, anomalies and redirection advice out.",
        },
        "paths": {
            "/api/flow/ingest": {
                "post": {
                    "summary": "Accept one reading or an array of readings",
                    "description": f"One reading object, or an array of up to"
                    f" {MAX_READINGS_PER_REQUEST}. 202 only once durably queued; any invalid"
                    " reading rejects the whole request and nothing of it is queued.",
                    "operationId": "ingest",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": ingest_schema}},
                    },
                    "responses": {
                        "202": _json(accepted, "Accepted: durably queued"),
                        "400": _error("`invalid_reading`; `field` and `index` name it"),
                        "413": _error("Body over 1 MiB or more than 5000 readings"),
                        "415": _error("Content-Type is not application/json"),
                        "503": _error("Storage unavailable; retry"),
                        **_SECURED_INGEST,
                    },
                    "security": _KEYS,
                }
            },
            "/api/flow/status": {
                "get": {
                    "summary": "Status of every gate of a stadium",
                    "operationId": "status",
                    "security": _KEYS,
                    "parameters": [_query("stadiumId", "Stadium", required=True, **_ID)],
                    "responses": {
                        "200": _json(status_schema, "Gates in natural order"),
                        "400": _error(
                            "`missing_parameter` without stadiumId; `invalid_reading` if malformed"
                        ),
                        "404": _error("Unknown stadium"),
                        "401": _UNAUTHORIZED,
                    },
                }
            },
            "/api/flow/advice": {
                "get": {
                    "summary": "A stadium's redirections, and where one more lane helps most",
                    "operationId": "advice",
                    "security": _KEYS,
                    "parameters": [_query("stadiumId", "Stadium", required=True, **_ID)],
                    "responses": {
                        "200": _json(advice, "What the worker advised, as the statuses hold it"),
                        "400": _error(
                            "`missing_parameter` without stadiumId; `invalid_reading` if malformed"
                        ),
                        "404": _error("Unknown stadium"),
                        "401": _UNAUTHORIZED,
                    },
                }
            },
            "/api/flow/stadiums": {
                "get": {
                    "summary": "Known stadiums",
                    "operationId": "stadiums",
                    "security": _KEYS,
                    "responses": {"200": _json(stadiums_schema, "Stadiums"), "401": _UNAUTHORIZED},
                }
            },
            "/api/flow/history": {
                "get": {
                    "summary": "A gate's processed readings, paged",
                    "operationId": "history",
                    "security": _KEYS,
                    "parameters": [
                        _query("stadiumId", "Stadium", required=True, **_ID),
                        _query("gateId", "Gate", required=True, **_ID),
                        _query(
                            "from", "Earliest ts (inclusive)", required=False, format="date-time"
                        ),
                        _query("to", "Latest ts (inclusive)", required=False, format="date-time"),
                        _query(
                            "cursor",
                            "`next` of the previous page",
                            required=False,
                            format="date-time",
                        ),
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "integer", "minimum": 1, "maximum": 5000},
                        },
                    ],
                    "responses": {
                        "200": _json(history_schema, "A page; `next` is the cursor or null"),
                        "400": _error(
                            "`missing_parameter` without stadiumId or gateId;"
                            " `invalid_reading` for a malformed parameter; `field` names it"
                        ),
                        "404": _error("Unknown stadium or gate"),
                        "401": _UNAUTHORIZED,
                    },
                }
            },
            "/api/flow/events": {
                "get": {
                    "summary": "Control feed and live statuses of a stadium (Server-Sent Events)",
                    "description": _EVENTS_DESCRIPTION,
                    "operationId": "events",
                    "security": _KEYS,
                    "parameters": [
                        _query("stadiumId", "Stadium", required=True, **_ID),
                        {
                            "name": "Last-Event-ID",
                            "in": "header",
                            "required": False,
                            "description": "Resume after this event id (EventSource sends it"
                            " on reconnect); without it the stream starts at the newest event",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "lastEventId",
                            "in": "query",
                            "required": False,
                            "description": "Same as the Last-Event-ID header",
                            "schema": {"type": "integer", "minimum": 0},
                        },
                        {
                            "name": "backlog",
                            "in": "query",
                            "required": False,
                            "description": "Without Last-Event-ID: how many recent events to"
                            " send first",
                            "schema": {
                                "type": "integer",
                                "minimum": 0,
                                "maximum": MAX_BACKLOG,
                                "default": 20,
                            },
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "An endless text/event-stream. The `data` of"
                            " control-event messages is a ControlEventOut; of `status`"
                            " messages, the same document as GET /api/flow/status.",
                            "content": {
                                "text/event-stream": {
                                    "schema": {"type": "string"},
                                    "x-event-data": {"control": event, "status": status_schema},
                                }
                            },
                        },
                        "400": _error(
                            "`missing_parameter` without stadiumId; `invalid_reading` for a"
                            " malformed stadiumId, Last-Event-ID or backlog"
                        ),
                        "401": _UNAUTHORIZED,
                    },
                }
            },
            **_plan_paths(*schemas[8:]),
            "/metrics": {
                "get": {
                    "summary": "Prometheus metrics (text exposition format)",
                    "operationId": "metrics",
                    "responses": {
                        "200": {
                            "description": "Ingest accepted/rejected, queue depth, processing"
                            " lag, model fallback, active anomalies, HTTP requests",
                            "content": {"text/plain": {"schema": {"type": "string"}}},
                        }
                    },
                }
            },
            "/healthz": {
                "get": {
                    "summary": "Liveness",
                    "operationId": "healthz",
                    "responses": {"200": {"description": "Alive"}},
                }
            },
            "/readyz": {
                "get": {
                    "summary": "Readiness: queue depth and age, poison count, wait model",
                    "operationId": "readyz",
                    "responses": {
                        "200": {"description": "Ready"},
                        "503": {"description": "Not ready"},
                    },
                }
            },
        },
        "components": {"schemas": comps, "securitySchemes": _SECURITY_SCHEMES},
    }
