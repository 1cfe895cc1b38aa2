"""Structured logs: one JSON object per line, carrying the id of the request being served.

Log shippers (Azure Monitor, Loki, CloudWatch) index JSON fields, and an operator chasing
a rejected batch greps one request id across the server, the worker and the client that
sent it. The id lives in a context variable that the HTTP middleware sets for the
duration of a request, so every record logged while serving it carries it, whatever
module logs. Standard library only: entry points other than the HTTP server (worker,
Azure Functions) can use it too.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO, Any

request_id_var: ContextVar[str | None] = ContextVar("stadiumflow_request_id", default=None)
"""The id of the HTTP request being served in this context, if any."""

# Attributes every LogRecord has; anything else was passed with ``extra=`` and is kept.
_STANDARD = frozenset(
    logging.LogRecord("", 0, "", 0, "", None, None).__dict__.keys()
    | {"message", "asctime", "request_id", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """Formats a record as one line of JSON: time, level, logger, message, request id, extras.

    Exceptions become an ``exc`` string field rather than extra lines, so one event stays
    one line for the shipper.
    """

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None) or request_id_var.get()
        if request_id is not None:
            entry["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        elif record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(level: str | int = "INFO", stream: IO[str] | None = None) -> None:
    """Send every log record, as JSON lines, to ``stream`` (default: stderr).

    Replaces the root logger's handlers, so calling it twice does not duplicate lines.
    Give uvicorn ``log_config=None`` so its own loggers propagate here too.
    """
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper() if isinstance(level, str) else level)
