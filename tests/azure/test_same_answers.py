"""Both HTTP homes accept the same input and answer the same errors, byte for byte."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from stadiumflow.adapters.memory import MemoryGateStore, MemoryQueue
from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.entrypoints.http.app import create_app
from tests.azure.functions import get_status, post_ingest

pytestmark = pytest.mark.azure

GOOD = {
    "stadiumId": "AGADIR",
    "gateId": "G1",
    "ts": "2025-07-14T18:00:00Z",
    "perMinuteCount": 45,
    "avgProcessingTime": 3.2,
    "queueLength": 120,
}
INGEST_CASES = {
    "one reading": (json.dumps(GOOD), "application/json"),
    "an array": (json.dumps([GOOD, {**GOOD, "gateId": "G2"}]), "application/json"),
    "not json": ("{nope", "application/json"),
    "wrong content type": (json.dumps(GOOD), "text/plain"),
    "missing field": (json.dumps({k: v for k, v in GOOD.items() if k != "ts"}), "application/json"),
    "unknown field": (json.dumps({**GOOD, "extra": 1}), "application/json"),
    "negative count": (json.dumps([GOOD, {**GOOD, "perMinuteCount": -1}]), "application/json"),
    "bad stadium id": (json.dumps({**GOOD, "stadiumId": "nope' or 'a' eq 'a"}), "application/json"),
    "future ts": (json.dumps({**GOOD, "ts": "2999-01-01T00:00:00Z"}), "application/json"),
    "empty array": ("[]", "application/json"),
    "too many": (json.dumps([GOOD] * 5_001), "application/json"),
}
STATUS_CASES = {
    "missing": {},
    "empty": {"stadiumId": ""},
    "injection": {"stadiumId": "nope' or 'a' eq 'a"},
    "unknown": {"stadiumId": "NOWHERE"},
}


@pytest.fixture
def starlette_client():
    services = bootstrap(Settings(backend="memory"), queue=MemoryQueue(), store=MemoryGateStore())
    with TestClient(create_app(services, run_worker=False)) as client:
        yield client


@pytest.mark.parametrize("case", sorted(INGEST_CASES))
def test_ingest_answers_like_the_http_server(services, starlette_client, case):
    body, content_type = INGEST_CASES[case]
    expected = starlette_client.post(
        "/api/flow/ingest", content=body, headers={"Content-Type": content_type}
    )
    actual = post_ingest(body, content_type)
    assert (actual.status_code, json.loads(actual.get_body())) == (
        expected.status_code,
        expected.json(),
    )


@pytest.mark.parametrize("case", sorted(STATUS_CASES))
def test_status_answers_like_the_http_server(services, starlette_client, case):
    params = STATUS_CASES[case]
    expected = starlette_client.get("/api/flow/status", params=params)
    actual = get_status(params)
    assert (actual.status_code, json.loads(actual.get_body())) == (
        expected.status_code,
        expected.json(),
    )
