"""Load test modelled on match-day telemetry (locust, headless, bounded in time).

    .venv/bin/stadiumflow serve --data-dir /tmp/sf-load &
    .venv/bin/locust -f tests/locustfile.py --headless -u 50 -r 10 -t 30s \\
        --host http://127.0.0.1:8080 --only-summary

Who is on the line, with weights for ``-u`` users:
- ``StadiumGateway`` (2): a stadium's concentrator posting one JSON array per minute with
  the readings of its 40 gates, the way the batching turnstile controllers report;
- ``TurnstileGate`` (10): one gate posting a single reading per minute (older firmware);
- ``PartnerService`` (2): transport and ticketing partners reading a stadium's status;
- ``DashboardViewer`` (3): the control room and stewards' tablets, which load the page
  then poll status, advice and a gate's history.

Time is compressed by SPEEDUP (default 60: a reporting minute lasts one real second), so a
30 s run sends half an hour of telemetry. Each reader of telemetry gets its own stadium or
gate, so every (stadium, gate, ts) is new; ts advance one minute per report from a start
placed far enough in the past that the newest is never ahead of the real clock (the service
refuses more than 5 minutes ahead). Keys, when the server wants them:
STADIUMFLOW_LOAD_INGEST_KEY and STADIUMFLOW_LOAD_READ_KEY.

FastHttpUser (geventhttpclient) rather than HttpUser: about 3x the requests per core, so
the load generator is not what is measured.
"""

from __future__ import annotations

import itertools
import os
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from locust import FastHttpUser, between, constant_pacing, events, task

SPEEDUP = float(os.environ.get("STADIUMFLOW_LOAD_SPEEDUP", "60"))
GATES_PER_STADIUM = 40
REPORT_SECONDS = 60.0 / SPEEDUP  # a real turnstile reports every minute
INGEST_KEY = os.environ.get("STADIUMFLOW_LOAD_INGEST_KEY")
READ_KEY = os.environ.get("STADIUMFLOW_LOAD_READ_KEY")
INGEST = "/api/flow/ingest"

_serial = itertools.count(1)
_run_tag = f"{os.getpid() % 100_000:05d}"
_stadiums: list[str] = []  # stadiums with data, for the readers (one process, gevent)
_gateways: list[str] = []  # those with gates G1..G40, for history
_start = datetime.now(UTC).replace(second=0, microsecond=0)


@events.init.add_listener
def _place_start(environment: Any, **_: Any) -> None:
    """Start the telemetry far enough back that a run of ``-t`` never reaches the clock."""
    global _start
    options = getattr(environment, "parsed_options", None)
    run_seconds = float(getattr(options, "run_time", None) or 24 * 3600)
    minutes = int(run_seconds * SPEEDUP / 60) + 10
    _start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=minutes)


def _reading(stadium: str, gate: str, minute: int, rng: random.Random) -> dict[str, Any]:
    ts = _start + timedelta(minutes=minute)
    queue = max(0, int(rng.gauss(120, 60)))
    return {
        "stadiumId": stadium,
        "gateId": gate,
        "ts": ts.isoformat().replace("+00:00", "Z"),
        "perMinuteCount": max(0, int(rng.gauss(35, 8))),
        "avgProcessingTime": round(max(0.5, rng.gauss(3.2, 0.6)), 2),
        "queueLength": queue,
    }


class _Telemetry(FastHttpUser):
    abstract = True
    wait_time = constant_pacing(REPORT_SECONDS)

    def on_start(self) -> None:
        self.serial = next(_serial)
        self.rng = random.Random(self.serial)
        self.minute = 0
        self.headers = {"x-functions-key": INGEST_KEY} if INGEST_KEY else {}

    def post(self, body: Any, name: str) -> None:
        with self.client.post(
            INGEST, json=body, headers=self.headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 202:
                response.failure(f"{response.status_code}: {(response.text or '')[:120]}")
        self.minute += 1


class StadiumGateway(_Telemetry):
    """All gates of one stadium in one array per minute."""

    weight = 2

    def on_start(self) -> None:
        super().on_start()
        self.stadium = f"LOAD{_run_tag}S{self.serial}"
        _stadiums.append(self.stadium)
        _gateways.append(self.stadium)

    @task
    def report(self) -> None:
        gates = (f"G{g}" for g in range(1, GATES_PER_STADIUM + 1))
        body = [_reading(self.stadium, g, self.minute, self.rng) for g in gates]
        self.post(body, "ingest [40-reading array]")


class TurnstileGate(_Telemetry):
    """One gate, one reading per minute."""

    weight = 10

    def on_start(self) -> None:
        super().on_start()
        self.stadium = f"LOAD{_run_tag}D{self.serial % 4}"
        self.gate = f"T{self.serial}"
        if self.stadium not in _stadiums:
            _stadiums.append(self.stadium)
        _gateways.append(self.stadium)

    @task
    def report(self) -> None:
        self.post(_reading(self.stadium, self.gate, self.minute, self.rng), "ingest [single]")


class _Reader(FastHttpUser):
    abstract = True

    def on_start(self) -> None:
        self.headers = {"x-functions-key": READ_KEY} if READ_KEY else {}

    def read(self, path: str, name: str) -> None:
        # 404 is normal before a stadium's first reading has been processed.
        with self.client.get(
            path, headers=self.headers, name=name, catch_response=True
        ) as response:
            if response.status_code in (200, 404):
                response.success()
            else:
                response.failure(f"{response.status_code}")

    def stadium(self) -> str | None:
        return random.choice(_stadiums) if _stadiums else None


class PartnerService(_Reader):
    weight = 2
    wait_time = between(0.5, 1.5)

    @task(5)
    def status(self) -> None:
        if (stadium := self.stadium()) is not None:
            self.read(f"/api/flow/status?stadiumId={stadium}", "status")

    @task(1)
    def stadiums(self) -> None:
        self.read("/api/flow/stadiums", "stadiums")


class DashboardViewer(_Reader):
    weight = 3
    wait_time = between(2, 4)

    def on_start(self) -> None:
        super().on_start()
        self.read("/", "dashboard page")
        self.read("/static/dashboard.js", "dashboard assets")

    @task(6)
    def status(self) -> None:
        if (stadium := self.stadium()) is not None:
            self.read(f"/api/flow/status?stadiumId={stadium}", "status")

    @task(2)
    def advice(self) -> None:
        if (stadium := self.stadium()) is not None:
            self.read(f"/api/flow/advice?stadiumId={stadium}", "advice")

    @task(1)
    def history(self) -> None:
        if _gateways:
            stadium = random.choice(_gateways)
            gate = f"G{random.randint(1, GATES_PER_STADIUM)}"
            self.read(f"/api/flow/history?stadiumId={stadium}&gateId={gate}&limit=60", "history")
