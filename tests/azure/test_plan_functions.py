"""The match plan functions against Azurite, and their answers beside the HTTP server's."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from pydantic import SecretStr
from starlette.testclient import TestClient

from stadiumflow.adapters.memory import MemoryClock, MemoryGateStore, MemoryQueue
from stadiumflow.bootstrap import Services, bootstrap
from stadiumflow.config import Settings
from stadiumflow.entrypoints.http.app import create_app
from tests.azure.conftest import installed_services
from tests.azure.functions import body_json, call_plan

pytestmark = pytest.mark.azure

KEY = "operator-key-5d1e9b3a7c"
GATES = [{"gateId": "G1", "expectedFans": 5200, "lanes": 6}, {"gateId": "G2", "expectedFans": 3100}]
PLAN = {"kickoff": "2025-07-14T22:00:00+02:00", "gates": GATES}
STORED = {
    "stadiumId": "AGADIR",
    "kickoff": "2025-07-14T20:00:00Z",
    "gates": [{**GATES[0]}, {**GATES[1], "lanes": None}],
}


def test_put_get_list_and_delete_a_plan(services):
    put = call_plan("PUT", {"stadiumId": "AGADIR"}, PLAN)
    assert (put.status_code, body_json(put)) == (200, STORED)
    assert put.mimetype == "application/json"
    later = {**PLAN, "kickoff": "2025-07-18T20:00:00Z"}
    assert call_plan("PUT", {"stadiumId": "AGADIR"}, later).status_code == 200
    assert services.store.plans("AGADIR")[0].gate("G1").expected_fans == 5200

    services.clock = MemoryClock(datetime(2025, 7, 16, tzinfo=UTC))  # between the two
    shown = call_plan("GET", {"stadiumId": "AGADIR"})  # no readings: the next after now
    assert body_json(shown)["kickoff"] == "2025-07-18T20:00:00Z"
    services.clock = MemoryClock(datetime(2025, 7, 14, 15, tzinfo=UTC))
    assert body_json(call_plan("GET", {"stadiumId": "AGADIR"})) == STORED  # in force
    at = call_plan("GET", {"stadiumId": "AGADIR", "kickoff": "2025-07-14T20:00:00Z"})
    assert body_json(at) == STORED
    listed = body_json(call_plan("GET", {"stadiumId": "AGADIR"}, route="plans"))
    kickoffs = [p["kickoff"] for p in listed["plans"]]
    assert kickoffs == ["2025-07-14T20:00:00Z", "2025-07-18T20:00:00Z"]
    assert listed["stadiumId"] == "AGADIR"

    one = call_plan("DELETE", {"stadiumId": "AGADIR", "kickoff": "2025-07-18T20:00:00Z"})
    assert (one.status_code, body_json(one)) == (200, {"deleted": 1})
    assert body_json(call_plan("DELETE", {"stadiumId": "AGADIR"})) == {"deleted": 1}
    gone = call_plan("GET", {"stadiumId": "AGADIR"})
    assert (gone.status_code, body_json(gone)["error"]) == (404, "not_found")
    assert call_plan("DELETE", {"stadiumId": "AGADIR"}).status_code == 404
    empty = call_plan("GET", {"stadiumId": "AGADIR"}, route="plans")
    assert body_json(empty) == {"stadiumId": "AGADIR", "plans": []}


def test_an_invalid_plan_stores_nothing(services):
    bad = {**PLAN, "gates": [*GATES, {"gateId": "G1", "expectedFans": 1}]}
    response = call_plan("PUT", {"stadiumId": "AGADIR"}, bad)
    assert response.status_code == 400
    assert body_json(response) == {
        "error": "invalid_plan",
        "message": "gate G1 is planned twice",
        "field": "gates[2].gateId",
        "index": 2,
    }
    assert services.store.plans("AGADIR") == []


@pytest.fixture
def keyed_services(settings: Settings) -> Iterator[Services]:
    keyed = settings.model_copy(update={"operator_keys": SecretStr(f"other-key,{KEY}")})
    yield from installed_services(keyed)


@pytest.mark.parametrize("route", ["plan", "plans"])
def test_an_operator_key_is_required_when_configured(keyed_services, route):
    params = {"stadiumId": "AGADIR"}
    refused = call_plan("GET", params, route=route)
    assert refused.status_code == 401 and body_json(refused)["error"] == "unauthorized"
    assert "x-functions-key" in refused.headers["WWW-Authenticate"]
    wrong = call_plan("GET", params, route=route, headers={"x-functions-key": "x"})
    assert wrong.status_code == 401
    assert call_plan("GET", {**params, "code": KEY}, route=route).status_code in (200, 404)
    allowed = call_plan("GET", params, route=route, headers={"x-functions-key": KEY})
    assert allowed.status_code in (200, 404)


def test_a_put_without_the_operator_key_stores_nothing(keyed_services):
    assert call_plan("PUT", {"stadiumId": "AGADIR"}, PLAN).status_code == 401
    assert keyed_services.store.plans("AGADIR") == []
    ok = call_plan("PUT", {"stadiumId": "AGADIR"}, PLAN, headers={"x-functions-key": KEY})
    assert ok.status_code == 200


# ---- the same answers as the Starlette server -------------------------------------------

GOOD = json.dumps(PLAN)
PUT_CASES: dict[str, tuple[dict[str, str], str, str]] = {
    "good": ({"stadiumId": "AGADIR"}, GOOD, "application/json"),
    "charset": ({"stadiumId": "AGADIR"}, GOOD, "application/json; charset=utf-8"),
    "missing stadium": ({}, GOOD, "application/json"),
    "injected stadium": ({"stadiumId": "nope' or 'a' eq 'a"}, GOOD, "application/json"),
    "text": ({"stadiumId": "AGADIR"}, GOOD, "text/plain"),
    "not json": ({"stadiumId": "AGADIR"}, "{nope", "application/json"),
    "naive kickoff": (
        {"stadiumId": "AGADIR"},
        json.dumps({**PLAN, "kickoff": "2025-07-14T20:00:00"}),
        "application/json",
    ),
    "negative fans": (
        {"stadiumId": "AGADIR"},
        json.dumps({**PLAN, "gates": [{"gateId": "G1", "expectedFans": -1}]}),
        "application/json",
    ),
    "half a fan": (
        {"stadiumId": "AGADIR"},
        json.dumps({**PLAN, "gates": [GATES[0], {"gateId": "G2", "expectedFans": 5200.5}]}),
        "application/json",
    ),
    "unknown field": ({"stadiumId": "AGADIR"}, json.dumps({**PLAN, "x": 1}), "application/json"),
    "no gates": ({"stadiumId": "AGADIR"}, json.dumps({**PLAN, "gates": []}), "application/json"),
    "too large": ({"stadiumId": "AGADIR"}, " " * 300_000 + GOOD, "application/json"),
}
READ_CASES: dict[str, tuple[str, str, dict[str, str]]] = {
    "get": ("GET", "plan", {"stadiumId": "AGADIR"}),
    "get at": ("GET", "plan", {"stadiumId": "AGADIR", "kickoff": "2025-07-14T20:00:00Z"}),
    "get elsewhere": ("GET", "plan", {"stadiumId": "RABAT"}),
    "bad kickoff": ("GET", "plan", {"stadiumId": "AGADIR", "kickoff": "tomorrow"}),
    "naive kickoff": ("DELETE", "plan", {"stadiumId": "AGADIR", "kickoff": "2025-07-14T20:00"}),
    "delete none": ("DELETE", "plan", {"stadiumId": "RABAT"}),
    "list": ("GET", "plans", {"stadiumId": "AGADIR"}),
    "list missing": ("GET", "plans", {}),
}


@pytest.fixture
def starlette_client() -> Iterator[TestClient]:
    services = bootstrap(Settings(backend="memory"), queue=MemoryQueue(), store=MemoryGateStore())
    with TestClient(create_app(services, run_worker=False)) as client:
        yield client


@pytest.mark.parametrize("case", sorted(PUT_CASES))
def test_a_put_answers_like_the_http_server(services, starlette_client, case):
    params, body, content_type = PUT_CASES[case]
    expected = starlette_client.put(
        "/api/flow/plan", params=params, content=body, headers={"Content-Type": content_type}
    )
    actual = call_plan("PUT", params, body, content_type=content_type)
    assert (actual.status_code, json.loads(actual.get_body())) == (
        expected.status_code,
        expected.json(),
    )


@pytest.mark.parametrize("case", sorted(READ_CASES))
def test_reads_and_deletes_answer_like_the_http_server(services, starlette_client, case):
    method, route, params = READ_CASES[case]
    starlette_client.put("/api/flow/plan", params={"stadiumId": "AGADIR"}, json=PLAN)
    call_plan("PUT", {"stadiumId": "AGADIR"}, PLAN)
    expected = starlette_client.request(method, f"/api/flow/{route}", params=params)
    actual = call_plan(method, params, route=route)
    assert (actual.status_code, json.loads(actual.get_body())) == (
        expected.status_code,
        expected.json(),
    )
