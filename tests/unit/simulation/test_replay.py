"""Replay: the wire form, the live shift, pacing into a stub service that records posts."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from stadiumflow.entrypoints.tools.replay import live_shift, replay

FIELDS = {"stadiumId", "gateId", "ts", "perMinuteCount", "avgProcessingTime", "queueLength"}


class Recorder(BaseHTTPRequestHandler):
    bodies: ClassVar[list[list[dict[str, object]]]] = []
    fail_first: ClassVar[int] = 0

    def do_POST(self) -> None:
        data = self.rfile.read(int(self.headers["Content-Length"]))
        if Recorder.fail_first > 0:
            Recorder.fail_first -= 1
            self.send_response(503)
            self.end_headers()
            return
        Recorder.bodies.append(json.loads(data))
        self.send_response(202)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    Recorder.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()  # the listening socket, else a ResourceWarning when collected


def test_live_shift_never_puts_readings_in_the_future() -> None:
    opened = datetime(2025, 7, 14, 17, tzinfo=UTC)
    now = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
    for speed in (0.5, 1.0, 60.0):
        shift = live_shift(opened, 210, speed, now)
        for m in (0, 100, 209):
            latest_ts = opened + timedelta(minutes=m + 1) + shift
            assert latest_ts <= now + timedelta(minutes=m / speed)
        tight = 209 if speed >= 1 else 0
        sent = now + timedelta(minutes=tight / speed)
        assert sent - (opened + timedelta(minutes=tight + 1) + shift) < timedelta(minutes=1)


def test_replay_posts_one_array_per_stadium_per_minute(stub: str) -> None:
    Recorder.fail_first = 1  # the first POST fails with 503 and is retried
    started = datetime.now(UTC)
    stats = replay(stub, ["AGADIR", "CASABLANCA"], speed=1e6, seed=4)
    assert stats.retries == 1 and stats.rejected == 0 and not stats.errors
    assert stats.readings == sum(len(b) for b in Recorder.bodies) > 3000
    stadiums = [{r["stadiumId"] for r in body} for body in Recorder.bodies]
    assert all(len(s) == 1 for s in stadiums)
    assert {next(iter(s)) for s in stadiums} == {"AGADIR", "CASABLANCA"}
    first = Recorder.bodies[0][0]
    assert set(first) == FIELDS and isinstance(first["perMinuteCount"], int)
    newest = max(
        datetime.fromisoformat(str(r["ts"]).replace("Z", "+00:00"))
        for body in Recorder.bodies
        for r in body
    )
    assert started - timedelta(minutes=2) <= newest <= datetime.now(UTC) + timedelta(minutes=5)
