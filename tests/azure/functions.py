"""Calling the Functions handlers as the host would, with real ``azure.functions`` objects."""

from __future__ import annotations

import json
from typing import Any

import azure.functions as func
import function_app
from azure.functions.queue import QueueMessage
from azure.storage.queue import QueueClient

from stadiumflow.adapters.azure.queue import queue_client

_functions = {f.get_function_name(): f for f in function_app.app.get_functions()}  # once


def user_function(name: str) -> Any:
    return _functions[name].get_user_function()


def post_ingest(
    body: bytes | str | Any, content_type: str = "application/json"
) -> func.HttpResponse:
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    request = func.HttpRequest(
        "POST",
        "http://localhost/api/flow/ingest",
        headers={"Content-Type": content_type},
        body=data,
    )
    response: func.HttpResponse = user_function("flow_ingest")(request)
    return response


def get_status(params: dict[str, str]) -> func.HttpResponse:
    request = func.HttpRequest("GET", "http://localhost/api/flow/status", params=params, body=b"")
    response: func.HttpResponse = user_function("flow_status")(request)
    return response


def inflow_client(connection_string: str, name: str) -> QueueClient:
    return queue_client(connection_string, name)


def deliver(message: Any) -> None:
    """Run the queue trigger on a received Azure message, as the host delivers it."""
    user_function("process_inflow")(
        QueueMessage(
            id=message.id,
            body=message.content.encode(),
            dequeue_count=message.dequeue_count,
            pop_receipt=message.pop_receipt,
        )
    )


def deliver_body(body: bytes, dequeue_count: int = 1) -> None:
    user_function("process_inflow")(QueueMessage(id="m", body=body, dequeue_count=dequeue_count))


def body_json(response: func.HttpResponse) -> Any:
    return json.loads(response.get_body())


def call_plan(
    method: str,
    params: dict[str, str],
    body: bytes | str | Any = b"",
    *,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    route: str = "plan",
) -> func.HttpResponse:
    """``METHOD /api/flow/plan`` (or ``/api/flow/plans``) through its user function."""
    if not isinstance(body, bytes | str):
        body = json.dumps(body)
    data = body.encode() if isinstance(body, str) else body
    request = func.HttpRequest(
        method,
        f"http://localhost/api/flow/{route}",
        headers={"Content-Type": content_type, **(headers or {})},
        params=params,
        body=data,
    )
    response: func.HttpResponse = user_function(f"flow_{route}")(request)
    return response
