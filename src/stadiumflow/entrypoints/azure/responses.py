"""Typed errors -> Functions HTTP responses: the same statuses and JSON bodies as the
Starlette home (``entrypoints/http/errors.py``), so a client cannot tell the homes apart.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import azure.functions as func
import msgspec

from stadiumflow.domain.errors import InvalidReading, NotFound, StorageUnavailable
from stadiumflow.entrypoints.wire import ErrorOut, TooManyReadings

log = logging.getLogger(__name__)
_encoder = msgspec.json.Encoder()


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        _encoder.encode(payload), status_code=status, mimetype="application/json", headers=headers
    )


def error_response(
    status: int,
    error: str,
    message: str,
    *,
    field: str | None = None,
    index: int | None = None,
    headers: dict[str, str] | None = None,
) -> func.HttpResponse:
    return json_response(ErrorOut(error, message, field, index), status, headers)


def answer(handler: Callable[[], func.HttpResponse], what: str) -> func.HttpResponse:
    """Run ``handler``, mapping typed errors once; never sends ``str(exc)`` of the unexpected."""
    try:
        return handler()
    except TooManyReadings as exc:
        return error_response(413, "too_many_readings", exc.message)
    except InvalidReading as exc:
        return error_response(400, "invalid_reading", exc.message, field=exc.field, index=exc.index)
    except NotFound as exc:
        return error_response(404, "not_found", str(exc))
    except StorageUnavailable as exc:
        log.error("storage unavailable in %s: %s", what, exc)
        return error_response(
            503, "unavailable", "storage is unavailable, retry later", headers={"Retry-After": "1"}
        )
    except Exception:
        log.exception("unexpected error in %s", what)
        return error_response(500, "internal", "internal error")
