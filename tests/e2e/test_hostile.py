"""Every bad input gets a 4xx naming the problem, and changes nothing stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from stadiumflow.testing.processes import ServerProcess, wait_until
from tests.e2e.helpers import wire

GOOD = wire("G1", 0)


def _raw(server: ServerProcess, content: bytes, content_type: str | None = "application/json"):
    headers = {"content-type": content_type} if content_type else {}
    return httpx.post(f"{server.url}/api/flow/ingest", content=content, headers=headers, timeout=10)


def _future() -> str:
    return (datetime.now(UTC) + timedelta(hours=1)).isoformat()


HOSTILE: list[tuple[str, bytes, str | None, int, str | None]] = [
    # (name, body, content type, status, field)
    (
        "missing field",
        json.dumps({k: v for k, v in GOOD.items() if k != "ts"}).encode(),
        "application/json",
        400,
        "ts",
    ),
    (
        "misspelt field",
        json.dumps({**GOOD, "queuelength": 3}).encode(),
        "application/json",
        400,
        "queuelength",
    ),
    (
        "fraction count",
        json.dumps({**GOOD, "perMinuteCount": 1.5}).encode(),
        "application/json",
        400,
        "perMinuteCount",
    ),
    (
        "bool count",
        json.dumps({**GOOD, "queueLength": True}).encode(),
        "application/json",
        400,
        "queueLength",
    ),
    (
        "negative",
        json.dumps({**GOOD, "queueLength": -1}).encode(),
        "application/json",
        400,
        "queueLength",
    ),
    (
        "huge count",
        json.dumps({**GOOD, "perMinuteCount": 10**6}).encode(),
        "application/json",
        400,
        "perMinuteCount",
    ),
    (
        "slow fans",
        json.dumps({**GOOD, "avgProcessingTime": 601}).encode(),
        "application/json",
        400,
        "avgProcessingTime",
    ),
    (
        "NaN",
        json.dumps({**GOOD, "avgProcessingTime": float("nan")}).encode(),
        "application/json",
        400,
        None,
    ),
    (
        "Infinity",
        json.dumps({**GOOD, "avgProcessingTime": float("inf")}).encode(),
        "application/json",
        400,
        None,
    ),
    (
        "naive ts",
        json.dumps({**GOOD, "ts": "2025-07-14T18:00:00"}).encode(),
        "application/json",
        400,
        "ts",
    ),
    ("future ts", json.dumps({**GOOD, "ts": _future()}).encode(), "application/json", 400, "ts"),
    (
        "bad id",
        json.dumps({**GOOD, "stadiumId": "../etc"}).encode(),
        "application/json",
        400,
        "stadiumId",
    ),
    (
        "id with quote",
        json.dumps({**GOOD, "gateId": "G1' or 'a'='a"}).encode(),
        "application/json",
        400,
        "gateId",
    ),
    (
        "long id",
        json.dumps({**GOOD, "gateId": "G" * 65}).encode(),
        "application/json",
        400,
        "gateId",
    ),
    (
        "one bad in array",
        json.dumps([GOOD, wire("G2", 1), {**GOOD, "ts": "x"}]).encode(),
        "application/json",
        400,
        "ts",
    ),
    ("malformed", b'{"stadiumId": ', "application/json", 400, None),
    ("empty body", b"", "application/json", 400, None),
    ("empty array", b"[]", "application/json", 400, None),
    ("scalar", b"42", "application/json", 400, None),
    ("text/plain", json.dumps(GOOD).encode(), "text/plain", 415, None),
    ("form", b"stadiumId=AGADIR", "application/x-www-form-urlencoded", 415, None),
    ("no content type", json.dumps(GOOD).encode(), None, 415, None),
    ("too many", json.dumps([GOOD] * 5001).encode(), "application/json", 413, None),
    ("over 1 MiB", b"[" + b" " * (1024 * 1024) + b"]", "application/json", 413, None),
]


@pytest.fixture
def seeded(server: ServerProcess) -> ServerProcess:
    httpx.post(f"{server.url}/api/flow/ingest", json=[wire(g, 0) for g in ("G1", "G2")])
    wait_until(
        lambda: (
            httpx.get(f"{server.url}/readyz").json()["queue"]["readings"] == 0
            and httpx.get(f"{server.url}/api/flow/status?stadiumId=AGADIR").status_code == 200
        )
    )
    return server


def _snapshot(server: ServerProcess) -> tuple[object, ...]:
    status = httpx.get(f"{server.url}/api/flow/status?stadiumId=AGADIR").json()
    history = httpx.get(f"{server.url}/api/flow/history?stadiumId=AGADIR&gateId=G1").json()
    ready = httpx.get(f"{server.url}/readyz").json()
    stadiums = httpx.get(f"{server.url}/api/flow/stadiums").json()
    return status, history, ready["queue"], ready["worker"]["readingsApplied"], stadiums


def test_hostile_requests_are_refused_and_change_nothing(seeded):
    before = _snapshot(seeded)
    for name, body, content_type, expected, field in HOSTILE:
        response = _raw(seeded, body, content_type)
        assert response.status_code == expected, name
        error = response.json()
        assert error["error"] and error["message"], name
        if field is not None:
            assert error.get("field") == field, name
    if_array = _raw(seeded, json.dumps([GOOD, {**GOOD, "queueLength": -3}]).encode()).json()
    assert if_array["index"] == 1
    for method in ("PUT", "DELETE", "PATCH"):
        assert httpx.request(method, f"{seeded.url}/api/flow/ingest").status_code == 405
    for params in ({"stadiumId": ""}, {"stadiumId": "x" * 100}, {"stadiumId": "A;B"}):
        assert httpx.get(f"{seeded.url}/api/flow/status", params=params).status_code == 400
    for params in (
        {"stadiumId": "AGADIR", "gateId": "G1", "limit": "0"},
        {"stadiumId": "AGADIR", "gateId": "G1", "limit": "lots"},
        {"stadiumId": "AGADIR", "gateId": "G1", "from": "yesterday"},
    ):
        assert httpx.get(f"{seeded.url}/api/flow/history", params=params).status_code == 400
    assert _snapshot(seeded) == before
    assert "Traceback" not in seeded.log()
