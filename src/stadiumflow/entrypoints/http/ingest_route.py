"""POST /api/flow/ingest as a bare ASGI app: the one route whose speed is benchmarked.

Starlette's Request and Response objects and its per-route exception wrapping cost more
than the rest of a single-reading request; this handler reads the headers and body from
the ASGI messages itself and answers with prebuilt headers. Behaviour is the same as the
other routes': the same wire validation, the same JSON errors (the one error table of
``entrypoints/errors.py``),
202 only once the readings are durably queued.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec
from starlette.types import Receive, Scope, Send

from stadiumflow.domain.errors import StadiumflowError
from stadiumflow.entrypoints.errors import BODY_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, error_answer
from stadiumflow.entrypoints.http.errors import render
from stadiumflow.entrypoints.http.group_commit import GroupCommit
from stadiumflow.entrypoints.wire import MAX_BODY_BYTES, decode_ingest
from stadiumflow.ports import Clock
from stadiumflow.services.ingest import admit

_JSON_HEADERS = [(b"content-type", b"application/json")]
_encoder = msgspec.json.Encoder()


class _Disconnected(Exception):
    """The client went away before its body arrived."""


def _is_json(value: bytes | None) -> bool:
    return value is not None and value.split(b";", 1)[0].strip().lower() == b"application/json"


class IngestApp:
    def __init__(
        self,
        group: GroupCommit,
        clock: Clock,
        *,
        accept: Callable[[int], None],
        reject: Callable[[str], None],
        on_accepted: Callable[[], None] | None = None,
    ) -> None:
        self._group = group
        self._clock = clock
        self._accept = accept
        self._reject = reject
        self._on_accepted = on_accepted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        content_type: bytes | None = None
        declared = -1
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value
            elif name == b"content-length" and value.isdigit():
                declared = int(value)
        if not _is_json(content_type):
            self._reject(UNSUPPORTED_MEDIA_TYPE.body.error)
            await render(UNSUPPORTED_MEDIA_TYPE)(scope, receive, send)
            return
        try:
            body = await self._body(receive, declared)
        except _Disconnected:
            return  # nobody to answer; nothing was queued
        if body is None:
            self._reject(BODY_TOO_LARGE.body.error)
            await render(BODY_TOO_LARGE)(scope, receive, send)
            return
        try:
            readings, is_array = decode_ingest(body)
            admit(readings, clock=self._clock, indexed=is_array)
            await self._group.enqueue(readings)  # durable when this returns
        except StadiumflowError as exc:  # refused or not durably queued: counted by its code
            answer = error_answer(exc, "POST /api/flow/ingest")
            self._reject(answer.body.error)
            await render(answer)(scope, receive, send)
            return
        self._accept(len(readings))
        if self._on_accepted is not None:
            self._on_accepted()
        payload = b'{"accepted":' + str(len(readings)).encode() + b"}"
        await send(
            {
                "type": "http.response.start",
                "status": 202,
                "headers": [*_JSON_HEADERS, (b"content-length", str(len(payload)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    @staticmethod
    async def _body(receive: Receive, declared: int) -> bytes | None:
        """The whole body, or None if it is (or declares to be) over the limit."""
        if declared > MAX_BODY_BYTES:
            return None
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY_BYTES:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)
