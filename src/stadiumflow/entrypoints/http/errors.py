"""Starlette responses for the error table of ``entrypoints/errors.py``: rendering only."""

from __future__ import annotations

import msgspec
from starlette.requests import Request
from starlette.responses import Response

from stadiumflow.domain.errors import StadiumflowError
from stadiumflow.entrypoints.errors import ErrorAnswer, error_answer
from stadiumflow.entrypoints.wire import ErrorOut


def render(answer: ErrorAnswer) -> Response:
    return Response(
        msgspec.json.encode(answer.body),
        status_code=answer.status,
        media_type="application/json",
        headers=dict(answer.headers) or None,
    )


def error_response(
    status: int, error: str, message: str, *, headers: dict[str, str] | None = None
) -> Response:
    """An answer no exception causes (401, 408, 429, a readiness 503)."""
    return render(ErrorAnswer(status, ErrorOut(error, message), tuple((headers or {}).items())))


async def on_error(request: Request, exc: Exception) -> Response:
    return render(error_answer(exc, f"{request.method} {request.url.path}"))


EXCEPTION_HANDLERS = {StadiumflowError: on_error, Exception: on_error}
