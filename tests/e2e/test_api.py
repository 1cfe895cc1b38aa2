"""The public contract, over HTTP, against the real server process."""

from __future__ import annotations

import httpx

from stadiumflow.testing.processes import ServerProcess, wait_until
from tests.e2e.helpers import wire


def post(server: ServerProcess, body: object) -> httpx.Response:
    return httpx.post(f"{server.url}/api/flow/ingest", json=body, timeout=10)


def status(server: ServerProcess, stadium: str) -> httpx.Response:
    return httpx.get(f"{server.url}/api/flow/status", params={"stadiumId": stadium}, timeout=10)


def drained(server: ServerProcess) -> bool:
    ready = httpx.get(f"{server.url}/readyz", timeout=10).json()
    return ready["queue"]["readings"] == 0


def test_readings_become_statuses_in_natural_order(server):
    gates = ["G10", "G2", "G1"]
    # G2 holds 600 fans passing 40 a minute, steadily: a 15-minute wait, red by any model.
    # (A jump from 30 to 600 within one minute is a judgement call: a model trained on
    # noisy sensors partly discounts it.)
    first = [wire(g, 0, queue=600 if g == "G2" else 30) for g in gates]
    assert post(server, first).json() == {"accepted": 3}
    response = post(server, wire("G2", 1, queue=600, count=40))
    assert response.status_code == 202
    wait_until(lambda: status(server, "AGADIR").status_code == 200 and drained(server))
    body = status(server, "AGADIR").json()
    assert body["stadiumId"] == "AGADIR"
    assert [g["gateId"] for g in body["gates"]] == ["G1", "G2", "G10"]
    g2 = body["gates"][1]
    assert g2["last_updated"] == "2025-07-14T17:01:00Z"
    assert g2["state"] == "red" and g2["wait"] > 10
    for gate in body["gates"]:
        assert {
            "gateId",
            "wait",
            "state",
            "anomaly",
            "anomalyScore",
            "last_updated",
            "recommendation",
        } <= gate.keys()
        assert gate["anomaly"] is False


def test_stadium_errors_and_isolation(server):
    post(server, [wire("G1", stadium="AGADIR"), wire("G7", stadium="RABAT")])
    wait_until(lambda: drained(server) and status(server, "RABAT").status_code == 200)
    missing = httpx.get(f"{server.url}/api/flow/status", timeout=5)
    assert missing.status_code == 400 and missing.json()["field"] == "stadiumId"
    unknown = status(server, "NOWHERE")
    assert unknown.status_code == 404 and unknown.json()["error"] == "not_found"
    assert [g["gateId"] for g in status(server, "RABAT").json()["gates"]] == ["G7"]
    injected = status(server, "AGADIR' or 'a' eq 'a")
    assert injected.status_code == 400
    stadiums = httpx.get(f"{server.url}/api/flow/stadiums", timeout=5).json()["stadiums"]
    assert [s["stadiumId"] for s in stadiums] == ["AGADIR", "RABAT"]


def test_history_is_paged(server):
    post(server, [wire("G1", m, queue=m) for m in range(25)])
    wait_until(lambda: drained(server) and status(server, "AGADIR").status_code == 200)
    seen: list[int] = []
    params: dict[str, object] = {"stadiumId": "AGADIR", "gateId": "G1", "limit": 10}
    pages = 0
    while True:
        page = httpx.get(f"{server.url}/api/flow/history", params=params, timeout=5).json()
        seen += [item["queueLength"] for item in page["items"]]
        pages += 1
        if page["next"] is None:
            break
        params["cursor"] = page["next"]
    assert seen == list(range(25)) and pages == 3
    window = httpx.get(
        f"{server.url}/api/flow/history",
        params={
            "stadiumId": "AGADIR",
            "gateId": "G1",
            "from": "2025-07-14T17:05:00Z",
            "to": "2025-07-14T17:07:00+00:00",
        },
        timeout=5,
    ).json()
    assert [i["queueLength"] for i in window["items"]] == [5, 6, 7]
    unknown = httpx.get(
        f"{server.url}/api/flow/history", params={"stadiumId": "AGADIR", "gateId": "G99"}
    )
    assert unknown.status_code == 404


def test_health_readiness_and_docs(server):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready["status"] == "ready"
    assert ready["queue"]["poisoned"] == 0
    assert ready["waitModel"]["name"]
    spec = httpx.get(f"{server.url}/openapi.json").json()
    assert {"/api/flow/ingest", "/api/flow/status", "/api/flow/history"} <= spec["paths"].keys()
    reading = spec["components"]["schemas"]["ReadingIn"]
    assert reading["additionalProperties"] is False
    assert set(reading["required"]) == set(wire())
    docs = httpx.get(f"{server.url}/docs")
    assert docs.status_code == 200 and "swagger-ui" in docs.text
    assert httpx.get(f"{server.url}/docs/static/swagger-ui-bundle.js").status_code == 200


def test_sigterm_stops_server_and_worker_cleanly(server):
    def worker_beating() -> bool:
        worker = httpx.get(f"{server.url}/readyz").json()["worker"]
        return worker["mode"] == "process" and worker.get("heartbeatFresh") is True

    wait_until(worker_beating)
    assert server.terminate() == 0
    log = server.log()
    assert "worker stopped" in log and "stopped cleanly" in log
