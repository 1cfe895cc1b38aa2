"""Replay simulated match days into a running stadiumflow service over its HTTP API.

One POST /api/flow/ingest (a JSON array) per stadium per simulated minute, paced at
``speed`` simulated minutes per real minute (60: one simulated minute per second). The
timestamps are shifted by a whole number of minutes so that the day looks live: at the
default speeds the last minute is sent with ts at the real clock, every ts sent is at
or before the real time of sending (never in the future, which the service refuses),
and the status the service shows is "now" when the replay ends. Connection errors and
5xx answers are retried with exponential backoff.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from stadiumflow.domain.readings import Reading
from stadiumflow.layouts import load_layout
from stadiumflow.simulation.matchday import run_match_day
from stadiumflow.simulation.params import MatchDayParams
from stadiumflow.simulation.results import iso_z

INGEST_PATH = "/api/flow/ingest"
MAX_READINGS_PER_POST = 5000
RETRIES = 6
FIRST_BACKOFF_SECONDS = 0.25
HTTP_TIMEOUT_SECONDS = 10.0


@dataclass(slots=True)
class ReplayStats:
    posts: int = 0
    readings: int = 0
    retries: int = 0
    rejected: int = 0  # 4xx answers (the service refused the batch)
    errors: list[str] = field(default_factory=list)


def reading_json(r: Reading, shift: timedelta) -> dict[str, object]:
    """The wire form of a reading: exactly the six fields of the contract."""
    return {
        "stadiumId": r.stadium_id,
        "gateId": r.gate_id,
        "ts": iso_z(r.ts + shift),
        "perMinuteCount": int(r.per_minute_count),
        "avgProcessingTime": float(r.avg_processing_time),
        "queueLength": int(r.queue_length),
    }


def minute_batches(
    stadiums: Sequence[str], seed: int, params: MatchDayParams | None = None
) -> tuple[list[list[list[Reading]]], datetime]:
    """Per simulated minute, per stadium, the readings reported in it; and gate opening."""
    params = params or MatchDayParams()
    opened = params.gates_open
    per_stadium: list[dict[int, list[Reading]]] = []
    last = 0
    for i, name in enumerate(stadiums):
        result = run_match_day(load_layout(name), params, seed + 1009 * i)
        buckets: dict[int, list[Reading]] = {}
        for r in result.readings():
            minute = int((r.ts - opened).total_seconds() // 60)
            buckets.setdefault(minute, []).append(r)
            last = max(last, minute)
        per_stadium.append(buckets)
    minutes = [[buckets.get(m, []) for buckets in per_stadium] for m in range(last + 1)]
    return minutes, opened


def live_shift(opened: datetime, n_minutes: int, speed: float, now: datetime) -> timedelta:
    """Whole-minute shift so that no reading's ts is after the real time it is sent.

    Minute m (ts below opened + m + 1 min) is sent at now + m / speed; the gap between
    the two changes linearly with m, so it is tightest at the last minute when the replay
    runs faster than real time and at the first one otherwise: that minute gets ts = now.

    >>> t0 = datetime(2025, 1, 1, tzinfo=UTC)
    >>> live_shift(t0, 10, 60.0, t0 + timedelta(hours=5))
    datetime.timedelta(seconds=17400)
    """
    tight = n_minutes - 1 if speed >= 1.0 else 0
    sent = now + timedelta(minutes=tight / speed)
    latest_ts = opened + timedelta(minutes=tight + 1)
    return timedelta(minutes=(sent - latest_ts) // timedelta(minutes=1))


def post_readings(url: str, body: list[dict[str, object]], stats: ReplayStats) -> bool:
    """POST one JSON array; True when accepted (2xx). Retries transient failures."""
    data = json.dumps(body).encode()
    backoff = FIRST_BACKOFF_SECONDS
    for attempt in range(RETRIES + 1):
        request = urllib.request.Request(
            url + INGEST_PATH, data=data, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
                response.read()
                return True
        except urllib.error.HTTPError as exc:
            if exc.code < 500:
                stats.rejected += 1
                stats.errors.append(f"HTTP {exc.code}: {exc.read()[:200]!r}")
                return False
            problem = f"HTTP {exc.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            problem = str(exc)
        if attempt == RETRIES:
            stats.errors.append(f"gave up after {RETRIES} retries: {problem}")
            return False
        stats.retries += 1
        time.sleep(backoff)
        backoff = min(backoff * 2, 5.0)
    return False


def replay(
    url: str,
    stadiums: Sequence[str],
    *,
    speed: float = 60.0,
    seed: int = 0,
    stop: threading.Event | None = None,
    on_minute: Callable[[int, int], None] | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> ReplayStats:
    """Stream one match day per stadium into the service at ``url``; returns counts."""
    if speed <= 0:
        raise ValueError("speed must be > 0")
    url = url.rstrip("/")
    minutes, opened = minute_batches(stadiums, seed)
    shift = live_shift(opened, len(minutes), speed, now())
    stats = ReplayStats()
    start = time.monotonic()
    for k, per_stadium in enumerate(minutes):
        due = start + k * 60.0 / speed
        delay = due - time.monotonic()
        if stop is not None and stop.wait(max(delay, 0.0)):
            break
        if stop is None and delay > 0:
            time.sleep(delay)
        for readings in per_stadium:
            for i in range(0, len(readings), MAX_READINGS_PER_POST):
                body = [reading_json(r, shift) for r in readings[i : i + MAX_READINGS_PER_POST]]
                stats.posts += 1
                if post_readings(url, body, stats):
                    stats.readings += len(body)
        if on_minute is not None:
            on_minute(k + 1, len(minutes))
    return stats


def wait_until_healthy(url: str, timeout_seconds: float = 30.0) -> bool:
    """Poll GET /healthz until it answers 200, or give up after ``timeout_seconds``."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url.rstrip("/") + "/healthz", timeout=2.0) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    return False
