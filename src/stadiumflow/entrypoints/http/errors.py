"""Typed errors -> HTTP responses, in one place. Never sends ``str(exc)`` of the unexpected."""

from __future__ import annotations

import logging

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from stadiumflow.domain.errors import InvalidReading, NotFound, StorageUnavailable
from stadiumflow.entrypoints.wire import ErrorOut, TooManyReadings

log = logging.getLogger(__name__)


def error_response(
    status: int,
    error: str,
    message: str,
    *,
    field: str | None = None,
    index: int | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = msgspec.json.encode(ErrorOut(error, message, field, index))
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def invalid_response(exc: InvalidReading) -> Response:
    if isinstance(exc, TooManyReadings):
        return error_response(413, "too_many_readings", exc.message)
    return error_response(400, "invalid_reading", exc.message, field=exc.field, index=exc.index)


def unavailable_response(exc: Exception) -> Response:
    log.error("storage unavailable: %s", exc)
    return error_response(
        503, "unavailable", "storage is unavailable, retry later", headers={"Retry-After": "1"}
    )


async def on_invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, InvalidReading)
    return invalid_response(exc)


async def on_not_found(request: Request, exc: Exception) -> Response:
    return error_response(404, "not_found", str(exc))


async def on_unavailable(request: Request, exc: Exception) -> Response:
    return unavailable_response(exc)


async def on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response(500, "internal", "internal error")


EXCEPTION_HANDLERS = {
    InvalidReading: on_invalid,
    NotFound: on_not_found,
    StorageUnavailable: on_unavailable,
    Exception: on_unexpected,
}
