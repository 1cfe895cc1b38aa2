"""The OpenAPI 3.1 description, generated from the wire types the server really uses."""

from __future__ import annotations

from functools import cache
from typing import Any

import msgspec

from stadiumflow import __version__
from stadiumflow.entrypoints.wire import (
    MAX_READINGS_PER_REQUEST,
    AcceptedOut,
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


@cache
def openapi_document() -> dict[str, Any]:
    (ingest_schema, status_schema, stadiums_schema, history_schema, accepted, _), comps = (
        msgspec.json.schema_components(
            [ReadingIn | ReadingsIn, StatusOut, StadiumsOut, HistoryOut, AcceptedOut, ErrorOut],
            ref_template=_REF,
        )
    )
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
                        "400": _error("Invalid reading; `field` and `index` name it"),
                        "413": _error("Body over 1 MiB or more than 5000 readings"),
                        "415": _error("Content-Type is not application/json"),
                        "503": _error("Storage unavailable; retry"),
                    },
                }
            },
            "/api/flow/status": {
                "get": {
                    "summary": "Status of every gate of a stadium",
                    "operationId": "status",
                    "parameters": [_query("stadiumId", "Stadium", required=True, **_ID)],
                    "responses": {
                        "200": _json(status_schema, "Gates in natural order"),
                        "400": _error("Missing or malformed stadiumId"),
                        "404": _error("Unknown stadium"),
                    },
                }
            },
            "/api/flow/stadiums": {
                "get": {
                    "summary": "Known stadiums",
                    "operationId": "stadiums",
                    "responses": {"200": _json(stadiums_schema, "Stadiums")},
                }
            },
            "/api/flow/history": {
                "get": {
                    "summary": "A gate's processed readings, paged",
                    "operationId": "history",
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
                        "400": _error("Bad parameter"),
                        "404": _error("Unknown stadium or gate"),
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
        "components": {"schemas": comps},
    }
