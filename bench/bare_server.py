"""The reference endpoint of the ingest benchmark: parse the JSON body, answer 202, nothing else.

A bare Starlette route that decodes ``POST /api/flow/ingest`` with msgspec into a Struct of
the six contract fields (one object or an array), and answers ``202 {"accepted": n}``. It
runs on uvicorn with the same settings as ``stadiumflow serve`` (uvloop, httptools, no access
log, one process), so the ratio stadiumflow / bare measures what the service adds on top of
the cheapest possible parse: validation, the durable enqueue and the in-process worker.

    python bench/bare_server.py --port 8099
"""

from __future__ import annotations

import argparse
from datetime import datetime

import msgspec
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


class Reading(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    stadium_id: str
    gate_id: str
    ts: datetime
    per_minute_count: int
    avg_processing_time: float
    queue_length: int


_decoder = msgspec.json.Decoder(Reading | list[Reading])
_encoder = msgspec.json.Encoder()


async def ingest(request: Request) -> Response:
    try:
        decoded = _decoder.decode(await request.body())
    except msgspec.DecodeError:  # ValidationError is a subclass
        return Response(b'{"error":"invalid"}', status_code=400, media_type="application/json")
    accepted = len(decoded) if isinstance(decoded, list) else 1
    return Response(
        _encoder.encode({"accepted": accepted}), status_code=202, media_type="application/json"
    )


async def healthz(request: Request) -> Response:
    return Response(b'{"status":"ok"}', media_type="application/json")


def create_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/api/flow/ingest", ingest, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="bare Starlette + msgspec ingest endpoint")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8099)
    args = parser.parse_args()
    uvicorn.run(
        create_app(),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
