"""Schemathesis against the OpenAPI description served by a real server process.

Every operation of /openapi.json is called with generated requests, valid and invalid;
each answer must be no 5xx, have a status code, content type and body the description
declares. Bounded for CI: at most 100 examples per operation and mode (about 10 s).
/api/flow/events is left out: it is an endless Server-Sent Events stream, which a
request-response fuzzer cannot judge (tests/e2e/test_observability.py covers it).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stadiumflow.entrypoints.http.openapi import openapi_document
from stadiumflow.testing.processes import start_server

pytestmark = pytest.mark.e2e

MAX_EXAMPLES = 100
UNFUZZABLE = {"/api/flow/events"}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="sf-fuzz-"))
    # One client hammers the server: the per-address ingest limit would answer 429.
    try:
        server = start_server(root / "data", env={"STADIUMFLOW_INGEST_RATE": "0"})
        try:
            yield server.url
        finally:
            server.kill9()
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def served_schema(server_url: str) -> schemathesis.BaseSchema:
    return schemathesis.openapi.from_url(f"{server_url}/openapi.json")


def _operations() -> list[tuple[str, str, GenerationMode]]:
    """(method, path, mode) of every operation, from the description the server serves:
    valid requests for all; invalid ones for those that take any input."""
    paths = openapi_document()["paths"]
    found = []
    for path, methods in paths.items():
        for method, operation in methods.items():
            if path in UNFUZZABLE:
                continue
            found.append((method, path, GenerationMode.POSITIVE))
            if operation.get("parameters") or operation.get("requestBody"):
                found.append((method, path, GenerationMode.NEGATIVE))
    return found


@pytest.mark.parametrize(("method", "path", "mode"), _operations())
def test_the_api_does_what_its_description_says(
    method: str,
    path: str,
    mode: GenerationMode,
    served_schema: schemathesis.BaseSchema,
    server_url: str,
) -> None:
    operation = served_schema[path][method]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=server_url, checks=CHECKS, timeout=10)

    check()
