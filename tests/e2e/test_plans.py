"""Match plans over HTTP, against the real server process (SQLite)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import httpx
import pytest

from stadiumflow.testing.processes import ServerProcess, wait_until
from tests.e2e.helpers import wire

KEY = "operator-key-7e2c94a1b6"
READ = "control-room-key-3b8d0f"
GATES = [{"gateId": "G1", "expectedFans": 5200, "lanes": 6}, {"gateId": "G2", "expectedFans": 3100}]
PLAN = {"kickoff": "2025-07-14T22:00:00+02:00", "gates": GATES}
LATER = {"kickoff": "2025-07-18T20:00:00Z", "gates": [GATES[1]]}
STORED = {
    "stadiumId": "AGADIR",
    "kickoff": "2025-07-14T20:00:00Z",
    "gates": [GATES[0], {**GATES[1], "lanes": None}],
}


def plan_url(server: ServerProcess, route: str = "plan") -> str:
    return f"{server.url}/api/flow/{route}"


def put(server: ServerProcess, body: object, **params: str) -> httpx.Response:
    params.setdefault("stadiumId", "AGADIR")
    return httpx.put(plan_url(server), params=params, json=body, timeout=10)


def test_put_get_list_and_delete(server):
    stored = put(server, PLAN)
    assert (stored.status_code, stored.json()) == (200, STORED)
    assert stored.headers["content-type"] == "application/json"
    assert put(server, LATER).status_code == 200
    assert put(server, {**PLAN, "gates": GATES[:1]}, stadiumId="RABAT").status_code == 200

    at = httpx.get(
        plan_url(server), params={"stadiumId": "AGADIR", "kickoff": "2025-07-18T20:00:00Z"}
    )
    assert at.json()["gates"] == [{**GATES[1], "lanes": None}]
    listed = httpx.get(plan_url(server, "plans"), params={"stadiumId": "AGADIR"}).json()
    assert listed["stadiumId"] == "AGADIR"
    assert [p["kickoff"] for p in listed["plans"]] == [
        "2025-07-14T20:00:00Z",
        "2025-07-18T20:00:00Z",
    ]

    # Readings of 14 July 17:00: the plan in force is that evening's, whatever the clock says.
    assert httpx.post(f"{server.url}/api/flow/ingest", json=wire("G1", 0)).status_code == 202
    wait_until(
        lambda: httpx.get(f"{server.url}/api/flow/status?stadiumId=AGADIR").status_code == 200
    )
    assert httpx.get(plan_url(server), params={"stadiumId": "AGADIR"}).json() == STORED

    replaced = put(server, {**PLAN, "gates": [{"gateId": "G9", "expectedFans": 1.0}]})
    assert replaced.json()["gates"] == [{"gateId": "G9", "expectedFans": 1, "lanes": None}]
    one = httpx.delete(plan_url(server), params={"stadiumId": "AGADIR", "kickoff": PLAN["kickoff"]})
    assert (one.status_code, one.json()) == (200, {"deleted": 1})
    left = httpx.get(plan_url(server), params={"stadiumId": "AGADIR"})
    assert left.json()["kickoff"] == "2025-07-18T20:00:00Z"  # none in force: the next one
    every = httpx.delete(plan_url(server), params={"stadiumId": "AGADIR"})
    assert every.json() == {"deleted": 1}
    for method in ("GET", "DELETE"):
        gone = httpx.request(method, plan_url(server), params={"stadiumId": "AGADIR"})
        assert (gone.status_code, gone.json()["error"]) == (404, "not_found")
    empty = httpx.get(plan_url(server, "plans"), params={"stadiumId": "AGADIR"})
    assert empty.json() == {"stadiumId": "AGADIR", "plans": []}
    rabat = httpx.get(plan_url(server, "plans"), params={"stadiumId": "RABAT"}).json()
    assert len(rabat["plans"]) == 1  # stadiums kept apart


BAD_PLANS = {
    "naive kickoff": ({**PLAN, "kickoff": "2025-07-14T20:00:00"}, "kickoff", None),
    "negative fans": (
        {**PLAN, "gates": [GATES[0], {"gateId": "G2", "expectedFans": -1}]},
        "gates[1].expectedFans",
        1,
    ),
    "half a fan": (
        {**PLAN, "gates": [GATES[0], {"gateId": "G2", "expectedFans": 5200.5}]},
        "gates[1].expectedFans",
        1,
    ),
    "a gate twice": ({**PLAN, "gates": [*GATES, GATES[0]]}, "gates[2].gateId", 2),
    "unknown field": ({**PLAN, "venue": "Agadir"}, "venue", None),
    "unknown gate field": (
        {**PLAN, "gates": [{**GATES[0], "seats": 9}]},
        "gates[0].seats",
        0,
    ),
}


def test_invalid_plans_are_refused_naming_the_field_and_nothing_is_stored(server):
    for case, (body, field, index) in BAD_PLANS.items():
        answer = put(server, body)
        assert answer.status_code == 400, case
        expected = {"error": "invalid_plan", "field": field}
        if index is not None:
            expected["index"] = index
        assert expected.items() <= answer.json().items(), (case, answer.json())
        if index is None:
            assert "index" not in answer.json()
    text = httpx.put(
        plan_url(server),
        params={"stadiumId": "AGADIR"},
        content=b'{"kickoff": "2025-07-14T20:00:00Z", "gates": []}',
        headers={"content-type": "text/plain"},
    )
    assert (text.status_code, text.json()["error"]) == (415, "unsupported_media_type")
    missing = httpx.put(plan_url(server), json=PLAN)
    assert missing.status_code == 400
    assert missing.json() == {
        "error": "missing_parameter",
        "message": "query parameter stadiumId is required",
        "field": "stadiumId",
    }
    injected = put(server, PLAN, stadiumId="AGADIR' or 'a' eq 'a")
    assert (injected.status_code, injected.json()["field"]) == (400, "stadiumId")
    huge = httpx.put(
        plan_url(server),
        params={"stadiumId": "AGADIR"},
        content=b" " * 300_000,
        headers={"content-type": "application/json"},
    )
    assert (huge.status_code, huge.json()["error"]) == (413, "body_too_large")
    bad_kickoff = httpx.get(plan_url(server), params={"stadiumId": "AGADIR", "kickoff": "soon"})
    assert (bad_kickoff.status_code, bad_kickoff.json()["field"]) == (400, "kickoff")
    listed = httpx.get(plan_url(server, "plans"), params={"stadiumId": "AGADIR"})
    assert listed.json()["plans"] == []
    assert "Traceback" not in server.log()


def test_an_operator_key_is_required_once_set_and_no_other_key_will_do(start_server):
    server = start_server(env={"STADIUMFLOW_OPERATOR_KEYS": KEY, "STADIUMFLOW_READ_KEYS": READ})
    refused = put(server, PLAN)
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized")
    assert "x-functions-key" in refused.headers["www-authenticate"]
    by_read_code = httpx.put(
        plan_url(server), params={"stadiumId": "AGADIR", "code": READ}, json=PLAN
    )
    assert by_read_code.status_code == 401
    for method, route in (("PUT", "plan"), ("GET", "plan"), ("DELETE", "plan"), ("GET", "plans")):
        wrong = httpx.request(
            method,
            plan_url(server, route),
            params={"stadiumId": "AGADIR"},
            headers={"x-functions-key": READ},  # a read key is not an operator key
            json=PLAN if method == "PUT" else None,
        )
        assert wrong.status_code == 401, (method, route)
    ok = httpx.put(
        plan_url(server),
        params={"stadiumId": "AGADIR"},
        json=PLAN,
        headers={"x-functions-key": KEY},
    )
    assert (ok.status_code, ok.json()) == (200, STORED)
    by_code = httpx.get(plan_url(server, "plans"), params={"stadiumId": "AGADIR", "code": KEY})
    assert len(by_code.json()["plans"]) == 1
    status = httpx.get(f"{server.url}/api/flow/status", params={"stadiumId": "AGADIR", "code": KEY})
    assert status.status_code == 401  # nor is an operator key a read key
    assert KEY not in server.log() and "MATCH PLANS ARE OPEN" not in server.log()


def test_the_server_warns_loudly_when_plans_are_open(server):
    assert "MATCH PLANS ARE OPEN" in server.log()


def _layout_with_plan(folder: Path) -> Path:
    """An operator's copy of the shipped AGADIR layout, with a plan for 18 July."""
    folder.mkdir()
    text = resources.files("stadiumflow.layouts").joinpath("agadir.toml").read_text()
    (folder / "agadir.toml").write_text(
        text
        + '\n[[plans]]\nkickoff = 2025-07-18T21:00:00+01:00\n[[plans.gates]]\nid = "G3"\n'
        + "expected_fans = 6800\n"
    )
    return folder


@pytest.mark.slow
def test_plans_outlive_a_restart_and_a_layouts_plan_never_overwrites_a_put(start_server, tmp_path):
    env = {"STADIUMFLOW_LAYOUT_DIR": str(_layout_with_plan(tmp_path / "layouts"))}
    server = start_server(env=env)
    seeded = httpx.get(plan_url(server), params={"stadiumId": "AGADIR"}).json()
    assert seeded["kickoff"] == "2025-07-18T20:00:00Z"
    assert seeded["gates"] == [{"gateId": "G3", "expectedFans": 6800, "lanes": 5}]
    assert put(server, PLAN).status_code == 200
    assert put(server, LATER).status_code == 200  # the operator's, over the layout's
    assert server.terminate() == 0

    again = start_server(env=env)  # same data directory
    plans = httpx.get(plan_url(again, "plans"), params={"stadiumId": "AGADIR"}).json()["plans"]
    assert [p["kickoff"] for p in plans] == ["2025-07-14T20:00:00Z", "2025-07-18T20:00:00Z"]
    assert plans[0] == STORED
    assert plans[1]["gates"] == [{**GATES[1], "lanes": None}]  # still the PUT, not the file
