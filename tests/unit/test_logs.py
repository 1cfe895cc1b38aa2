"""JSON logs carry the request id that the middleware takes, makes and echoes."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from stadiumflow.adapters.memory import MemoryGateStore
from stadiumflow.bootstrap import bootstrap
from stadiumflow.config import Settings
from stadiumflow.domain.queueing import QueueingWaitModel
from stadiumflow.entrypoints.http.app import create_app
from stadiumflow.entrypoints.logs import JsonFormatter, configure_logging, request_id_var


class _BrokenStore(MemoryGateStore):
    """A store that fails in a way nobody planned for: the 500 path."""

    def stadium_statuses(self, stadium_id: str):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk on fire")


@pytest.fixture
def log_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def _client(tmp_path: Path, store: MemoryGateStore | None = None) -> TestClient:
    settings = Settings(backend="memory", data_dir=tmp_path)
    services = bootstrap(settings, store=store, model=QueueingWaitModel())
    return TestClient(create_app(services, run_worker=False), raise_server_exceptions=False)


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line]


def test_request_id_is_echoed_and_in_every_log_line_of_the_request(tmp_path, log_stream):
    with _client(tmp_path) as client:
        response = client.get("/healthz", headers={"x-request-id": "turnstile-7.42"})
    assert response.headers["x-request-id"] == "turnstile-7.42"
    access = [e for e in _lines(log_stream) if e["logger"] == "stadiumflow.http"]
    assert access and access[-1]["request_id"] == "turnstile-7.42"
    assert access[-1]["level"] == "DEBUG" and "/healthz" in str(access[-1]["message"])


def test_a_missing_or_unsafe_request_id_is_replaced_by_a_fresh_one(tmp_path, log_stream):
    with _client(tmp_path) as client:
        made = [client.get("/healthz").headers["x-request-id"] for _ in range(2)]
        unsafe = client.get("/healthz", headers={"x-request-id": 'x"\n{"level":"ERROR"}'})
    assert made[0] != made[1] and all(len(i) > 8 for i in made)
    assert unsafe.headers["x-request-id"] not in ('x"\n{"level":"ERROR"}', *made)


def test_an_unexpected_error_is_logged_as_one_json_line_with_its_request_id(tmp_path, log_stream):
    with _client(tmp_path, store=_BrokenStore()) as client:
        response = client.get("/api/flow/status?stadiumId=AGADIR", headers={"x-request-id": "r1"})
    assert response.status_code == 500 and "disk on fire" not in response.text
    errors = [e for e in _lines(log_stream) if e["level"] == "ERROR"]
    assert errors and errors[0]["request_id"] == "r1"
    assert "RuntimeError: disk on fire" in str(errors[0]["exc"])


def test_formatter_keeps_extras_and_works_outside_requests():
    record = logging.LogRecord("w", logging.INFO, __file__, 1, "batch %d", (3,), None)
    record.readings = 500
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "batch 3" and entry["readings"] == 500
    assert "request_id" not in entry
    token = request_id_var.set("abc")
    try:
        assert json.loads(JsonFormatter().format(record))["request_id"] == "abc"
    finally:
        request_id_var.reset(token)
