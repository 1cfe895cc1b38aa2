"""One error table, rendered alike by both HTTP homes (Starlette, Azure Functions)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import azure.functions as func
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from stadiumflow.adapters.memory import MemoryGateStore, MemoryQueue
from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.domain.errors import (
    InvalidLayout,
    InvalidPlan,
    InvalidReading,
    MissingParameter,
    ModelUnavailable,
    NotFound,
    StorageUnavailable,
    TooManyReadings,
)
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.entrypoints.azure.context import use_services
from stadiumflow.entrypoints.azure.responses import answer
from stadiumflow.entrypoints.errors import ERROR_TABLE, UNEXPECTED, rule_for
from stadiumflow.entrypoints.http.app import create_app
from stadiumflow.entrypoints.http.errors import EXCEPTION_HANDLERS
from tests.azure.functions import get_status

SECRET = "password=hunter2 at db.internal:5432"

CASES: dict[str, tuple[Exception, int, dict[str, object]]] = {
    "missing": (
        MissingParameter("stadiumId"),
        400,
        {
            "error": "missing_parameter",
            "message": "query parameter stadiumId is required",
            "field": "stadiumId",
        },
    ),
    "invalid": (
        InvalidReading("Expected a number >= 0.0", field="queueLength", index=3),
        400,
        {
            "error": "invalid_reading",
            "message": "Expected a number >= 0.0",
            "field": "queueLength",
            "index": 3,
        },
    ),
    "invalid plan": (
        InvalidPlan("gate G1 is planned twice", field="gates[2].gateId", index=2),
        400,
        {
            "error": "invalid_plan",
            "message": "gate G1 is planned twice",
            "field": "gates[2].gateId",
            "index": 2,
        },
    ),
    "too many": (
        TooManyReadings("at most 5000 readings per request"),
        413,
        {"error": "too_many_readings", "message": "at most 5000 readings per request"},
    ),
    "not found": (
        NotFound("unknown stadium: NOWHERE"),
        404,
        {"error": "not_found", "message": "unknown stadium: NOWHERE"},
    ),
    "storage": (
        StorageUnavailable(f"inflow queue: {SECRET}"),
        503,
        {"error": "unavailable", "message": "storage is unavailable, retry later"},
    ),
    "a bug": (RuntimeError(SECRET), 500, {"error": "internal", "message": "internal error"}),
    "a typed error no request should meet": (
        ModelUnavailable(SECRET),
        500,
        {"error": "internal", "message": "internal error"},
    ),
}


def starlette_home(exc: Exception) -> tuple[int, dict[str, object], dict[str, str]]:
    async def boom(request: Request) -> Response:
        raise exc

    app = Starlette(routes=[Route("/boom", boom)], exception_handlers=EXCEPTION_HANDLERS)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    return response.status_code, response.json(), dict(response.headers)


def functions_home(exc: Exception) -> tuple[int, dict[str, object], dict[str, str]]:
    def handler() -> func.HttpResponse:
        raise exc

    response = answer(handler, "boom")
    headers = {k.lower(): v for k, v in response.headers.items()}
    return response.status_code, json.loads(response.get_body()), headers


HOMES: dict[str, Callable[[Exception], tuple[int, dict[str, object], dict[str, str]]]] = {
    "starlette": starlette_home,
    "functions": functions_home,
}


@pytest.mark.parametrize("home", sorted(HOMES))
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_error_gets_its_status_and_body_in_both_homes(home, case, caplog):
    exc, status, body = CASES[case]
    with caplog.at_level(logging.ERROR):
        got_status, got_body, headers = HOMES[home](exc)
    assert (got_status, got_body) == (status, body)
    assert SECRET not in json.dumps(got_body)
    assert (headers.get("retry-after") == "1") is (status == 503)
    if status == 500:  # the unexpected are logged with their traceback, for the operator
        assert any(r.exc_info and r.exc_info[1] is exc for r in caplog.records)
    elif status != 503:
        assert not caplog.records  # a client's mistake is the client's news


def test_the_most_specific_class_decides_and_unlisted_errors_are_unexpected():
    assert rule_for(TooManyReadings("x")).code == "too_many_readings"
    assert rule_for(InvalidReading("x")).code == "invalid_reading"
    assert rule_for(InvalidLayout("bad", where="gates[0]")) is UNEXPECTED
    assert rule_for(KeyError("x")) is UNEXPECTED
    codes = [rule.code for rule in ERROR_TABLE.values()]
    assert len(codes) == len(set(codes))


@pytest.fixture
def memory_services():
    services = bootstrap(
        Settings(backend="memory"),
        queue=MemoryQueue(),
        store=MemoryGateStore(),
        model=QueueingWaitModel(),
    )
    use_services(services)
    yield services
    use_services(None)
    services.close()


@pytest.mark.parametrize(
    "url",
    [
        "/api/flow/status",
        "/api/flow/status?stadiumId=",
        "/api/flow/advice",
        "/api/flow/events",
        "/api/flow/history?gateId=G1",
        "/api/flow/plan",
        "/api/flow/plans?stadiumId=",
    ],
)
def test_a_missing_stadium_id_is_missing_parameter_over_http(memory_services, url):
    with TestClient(create_app(memory_services, run_worker=False)) as client:
        response = client.get(url)
    assert response.status_code == 400
    assert response.json() == {
        "error": "missing_parameter",
        "message": "query parameter stadiumId is required",
        "field": "stadiumId",
    }


def test_a_missing_gate_id_is_missing_parameter_over_http(memory_services):
    with TestClient(create_app(memory_services, run_worker=False)) as client:
        response = client.get("/api/flow/history?stadiumId=AGADIR")
    assert response.status_code == 400
    assert response.json()["error"] == "missing_parameter"
    assert response.json()["field"] == "gateId"


@pytest.mark.parametrize("params", [{}, {"stadiumId": ""}])
def test_a_missing_stadium_id_is_missing_parameter_in_the_functions_app(memory_services, params):
    response = get_status(params)  # the user function, called as the host calls it
    assert response.status_code == 400
    assert json.loads(response.get_body()) == {
        "error": "missing_parameter",
        "message": "query parameter stadiumId is required",
        "field": "stadiumId",
    }
