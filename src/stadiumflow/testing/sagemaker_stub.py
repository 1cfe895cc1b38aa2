"""A local server speaking the SageMaker runtime's wire protocol, for tests.

``POST /endpoints/{name}/invocations`` with RCF's JSON request answers RCF's JSON
response. Scores are a distance from a "normal gate" shingle (every ratio 1, two minutes
of queue), so an anomalous shingle scores high, like a forest trained on normal days.

Why a server rather than a mock: boto3 really signs, sends and parses, so the test
covers URLs, headers, botocore's error parsing and its timeouts. Modes, per request:

    normal       the scores
    error500     HTTP 500 InternalFailure (retryable)
    model_error  HTTP 424 ModelError, as when the container rejects the input
    slow         sleeps ``slow_seconds`` (past the client's read timeout), then answers
    malformed    a body that is not JSON
    wrong_count  one score fewer than instances
"""

from __future__ import annotations

import json
import math
import re
import threading
from collections import deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

NORMAL_SHINGLE = (1.0, 1.0, 1.0, 2.0) * 4
_PATH = re.compile(r"^/endpoints/(?P<name>[^/]+)/invocations$")
MODES = ("normal", "error500", "model_error", "slow", "malformed", "wrong_count")


def stub_score(features: list[float]) -> float:
    """1 plus a quarter of the Euclidean distance from a normal shingle."""
    return 1.0 + math.dist(features, NORMAL_SHINGLE) / 4.0


class SageMakerStub:
    """Threaded HTTP server on a free loopback port; use as a context manager."""

    def __init__(self, endpoint_name: str = "stadiumflow-rcf", slow_seconds: float = 1.0) -> None:
        self.endpoint_name = endpoint_name
        self.slow_seconds = slow_seconds
        self.mode = "normal"
        self.bodies: list[dict[str, Any]] = []  # every request body received, parsed
        self.headers: list[dict[str, str]] = []
        self.sizes: list[int] = []  # bytes of each request body
        self._queued: deque[str] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> int:
        with self._lock:
            return len(self.bodies)

    def queue_modes(self, modes: Iterable[str]) -> None:
        """Answer the next requests in these modes, one each, then in ``self.mode``."""
        for mode in modes:
            if mode not in MODES:
                raise ValueError(mode)
            self._queued.append(mode)

    def __enter__(self) -> SageMakerStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next_mode(self, raw: bytes, headers: dict[str, str]) -> str:
        with self._lock:
            self.bodies.append(json.loads(raw))
            self.sizes.append(len(raw))
            self.headers.append(headers)
            return self._queued.popleft() if self._queued else self.mode

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output quiet

            def do_POST(self) -> None:
                match = _PATH.match(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if match is None or match["name"] != stub.endpoint_name:
                    self._error(400, "ValidationError", "Endpoint not found.")
                    return
                mode = stub._next_mode(raw, {k.lower(): v for k, v in self.headers.items()})
                instances = json.loads(raw)["instances"]
                scores = [{"score": stub_score(i["features"])} for i in instances]
                if mode == "error500":
                    self._error(500, "InternalFailure", "An internal error occurred.")
                elif mode == "model_error":
                    self._error(424, "ModelError", "Received client error (400) from model.")
                elif mode == "malformed":
                    self._send(200, b'{"scores": [{"score": ')
                elif mode == "wrong_count":
                    self._send(200, json.dumps({"scores": scores[:-1]}).encode())
                else:
                    if mode == "slow" and stub._stopping.wait(stub.slow_seconds):
                        return
                    self._send(200, json.dumps({"scores": scores}).encode())

            def _error(self, status: int, code: str, message: str) -> None:
                body = json.dumps({"ErrorCode": code, "message": message}).encode()
                self._send(status, body, {"x-amzn-ErrorType": code})

            def _send(self, status: int, body: bytes, extra: dict[str, str] | None = None) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for key, value in (extra or {}).items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timed out): nothing to answer

        return Handler
