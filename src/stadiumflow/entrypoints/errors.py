"""Typed errors -> HTTP answers, written once for every HTTP home.

The Starlette server (``http/errors.py``) and the Functions app (``azure/responses.py``)
only render the :class:`ErrorAnswer` decided here, so a client cannot tell them apart:

    error               status  code                body                          logged
    MissingParameter    400     missing_parameter   message, field                -
    TooManyReadings     413     too_many_readings   message                       -
    InvalidReading      400     invalid_reading     message, field, index         -
    InvalidPlan         400     invalid_plan        message, field, index         -
    NotFound            404     not_found           message                       -
    StorageUnavailable  503     unavailable         fixed; header Retry-After: 1  error
    anything else       500     internal            fixed "internal error"        traceback

Only a typed error's own ``message`` ever reaches a client, never ``str(exc)`` of an
unexpected one. Answers that no exception causes (a wrong content type, a body too
large, a missing operator key) are here too, as constants.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from stadiumflow.domain.errors import (
    InvalidPlan,
    InvalidReading,
    MissingParameter,
    NotFound,
    StadiumflowError,
    StorageUnavailable,
    TooManyReadings,
)
from stadiumflow.entrypoints.plan_wire import MAX_PLAN_BODY_BYTES
from stadiumflow.entrypoints.wire import MAX_BODY_BYTES, ErrorOut

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ErrorAnswer:
    """What an HTTP home sends: a status, an ErrorOut body and extra headers."""

    status: int
    body: ErrorOut
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """How one kind of error is answered.

    ``message``: a fixed message to send instead of the error's own (which is sent,
    with its field and index, when this is None). ``logged``: an operator must hear of it.
    """

    status: int
    code: str
    message: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    logged: bool = False


ERROR_TABLE: dict[type[StadiumflowError], ErrorRule] = {
    MissingParameter: ErrorRule(400, "missing_parameter"),
    TooManyReadings: ErrorRule(413, "too_many_readings"),
    InvalidReading: ErrorRule(400, "invalid_reading"),
    InvalidPlan: ErrorRule(400, "invalid_plan"),
    NotFound: ErrorRule(404, "not_found"),
    StorageUnavailable: ErrorRule(
        503,
        "unavailable",
        "storage is unavailable, retry later",
        headers=(("Retry-After", "1"),),
        logged=True,
    ),
}
"""Typed errors the HTTP homes answer; the most specific class of an error decides."""

UNEXPECTED = ErrorRule(500, "internal", "internal error", logged=True)
"""Every other exception (a bug, or a typed error no request should meet)."""

UNSUPPORTED_MEDIA_TYPE = ErrorAnswer(
    415, ErrorOut("unsupported_media_type", "Content-Type must be application/json")
)
BODY_TOO_LARGE = ErrorAnswer(
    413, ErrorOut("body_too_large", f"body is larger than {MAX_BODY_BYTES} bytes")
)
PLAN_BODY_TOO_LARGE = ErrorAnswer(
    413, ErrorOut("body_too_large", f"body is larger than {MAX_PLAN_BODY_BYTES} bytes")
)
KEY_CHALLENGE = (("WWW-Authenticate", 'ApiKey header="x-functions-key", query="code"'),)
OPERATOR_KEY_REQUIRED = ErrorAnswer(
    401,
    ErrorOut(
        "unauthorized",
        "an operator key is required: header x-functions-key or query parameter code",
    ),
    KEY_CHALLENGE,
)
"""The answer of both homes to a plan request without a valid operator key."""


def rule_for(exc: BaseException) -> ErrorRule:
    """The rule of the most specific class of ``exc`` in ERROR_TABLE, else UNEXPECTED."""
    for kind in type(exc).__mro__:
        rule = ERROR_TABLE.get(kind)
        if rule is not None:
            return rule
    return UNEXPECTED


def error_answer(exc: BaseException, where: str) -> ErrorAnswer:
    """The answer to ``exc`` raised while serving ``where`` (a route), logged if it must be."""
    rule = rule_for(exc)
    if rule is UNEXPECTED:
        log.error("unexpected error in %s", where, exc_info=exc)
    elif rule.logged:
        log.error("%s in %s: %s", rule.code, where, exc)
    if rule.message is None and isinstance(exc, StadiumflowError):
        body = ErrorOut(rule.code, exc.message, exc.field, exc.index)
    else:
        body = ErrorOut(rule.code, rule.message or "internal error")
    return ErrorAnswer(rule.status, body, rule.headers)
