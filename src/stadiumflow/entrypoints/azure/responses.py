"""Functions HTTP responses, and the error table of ``entrypoints/errors.py`` rendered for
them: the same statuses and JSON bodies as the Starlette home, so a client cannot tell the
homes apart.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import azure.functions as func
import msgspec

from stadiumflow.entrypoints.errors import ErrorAnswer, error_answer

_encoder = msgspec.json.Encoder()


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> func.HttpResponse:
    return func.HttpResponse(
        _encoder.encode(payload), status_code=status, mimetype="application/json", headers=headers
    )


def render(answer: ErrorAnswer) -> func.HttpResponse:
    return json_response(answer.body, answer.status, dict(answer.headers) or None)


def answer(handler: Callable[[], func.HttpResponse], what: str) -> func.HttpResponse:
    """Run ``handler``; any exception is answered by the error table, once."""
    try:
        return handler()
    except Exception as exc:
        return render(error_answer(exc, what))
