"""Metrics, the SSE control feed and its clean stop, against the real server process."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import msgspec
import pytest

from stadiumflow.testing.processes import wait_until
from tests.e2e.helpers import wire

pytestmark = pytest.mark.e2e


def _metric(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in Prometheus text format, or None."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or " " not in line:
            continue
        key, value = line.rsplit(" ", 1)
        sample, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if sample == name and got == wanted:
            return float(value)
    return None


def _messages(response: httpx.Response) -> Iterator[dict[str, Any]]:
    """SSE messages of a streamed response: {"event", "id", "data"} (data decoded)."""
    fields: dict[str, Any] = {}
    for line in response.iter_lines():
        if line == "":
            if "data" in fields:
                fields["data"] = msgspec.json.decode(fields["data"])
                yield fields
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value


def _collect(url: str, until: str, headers: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """Messages of a fresh stream, up to and including the first ``until`` event."""
    found = []
    with httpx.stream("GET", url, headers=headers, timeout=15) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for message in _messages(response):
            found.append(message)
            if message["event"] == until:
                return found
    raise AssertionError(f"stream ended before {until}")


def test_metrics_count_ingest_queue_lag_model_and_anomalies(server):
    url = server.url
    ok = [wire(f"G{i}", m, queue=90) for m in range(6) for i in (1, 2)]  # G1, G2: a frozen queue
    assert httpx.post(f"{url}/api/flow/ingest", json=ok).status_code == 202
    bad = {**wire(), "queueLength": -1}
    assert httpx.post(f"{url}/api/flow/ingest", json=bad).status_code == 400
    assert httpx.post(f"{url}/api/flow/ingest", content=b"{}").status_code == 415
    assert httpx.post(f"{url}/api/flow/ingest", json=[wire()] * 5001).status_code == 413
    huge = b"[" + b" " * (1024 * 1024 + 10) + b"]"
    headers = {"content-type": "application/json"}
    assert httpx.post(f"{url}/api/flow/ingest", content=huge, headers=headers).status_code == 413
    wait_until(lambda: httpx.get(f"{url}/readyz").json()["queue"]["messages"] == 0)

    text = httpx.get(f"{url}/metrics").text
    assert _metric(text, "stadiumflow_ingest_readings_accepted_total") == len(ok)
    for reason in ("invalid_reading", "unsupported_media_type", "too_many_readings"):
        assert _metric(text, "stadiumflow_ingest_requests_rejected_total", reason=reason) == 1
    assert _metric(text, "stadiumflow_ingest_requests_rejected_total", reason="body_too_large") == 1
    assert _metric(text, "stadiumflow_queue_messages") == 0
    assert _metric(text, "stadiumflow_queue_poisoned") == 0
    assert _metric(text, "stadiumflow_processing_lag_seconds_count") >= 1
    assert "stadiumflow_wait_model_fallback{" in text
    assert _metric(text, "stadiumflow_active_anomalies", stadium="AGADIR") == 2
    posts = _metric(
        text,
        "stadiumflow_http_requests_total",
        route="/api/flow/ingest",
        method="POST",
        status="202",
    )
    assert posts == 1
    assert 'route="unmatched"' not in text
    httpx.get(f"{url}/no/such/page")
    again = httpx.get(f"{url}/metrics").text
    assert 'route="unmatched"' in again and "/no/such/page" not in again


def test_event_stream_sends_events_and_status_and_resumes_after_last_event_id(server):
    url = server.url
    feed = f"{url}/api/flow/events?stadiumId=AGADIR"
    httpx.post(f"{url}/api/flow/ingest", json=[wire("G1", 0, queue=10), wire("G2", 0, queue=10)])
    wait_until(  # the worker (a child process) has processed them
        lambda: (
            len(httpx.get(f"{url}/api/flow/status?stadiumId=AGADIR").json().get("gates", [])) == 2
        )
    )
    first = _collect(feed, until="status")
    kinds = [m["event"] for m in first]
    assert kinds[0] != "ready" or first[0]["data"]["lastEventId"] == 0
    assert "ready" in kinds
    status = first[-1]["data"]
    assert status["stadiumId"] == "AGADIR" and {g["gateId"] for g in status["gates"]} <= {
        "G1",
        "G2",
    }
    ready = next(m for m in first if m["event"] == "ready")
    cursor = int(ready["id"])

    # A gate turns red while nobody listens; a client resuming from `cursor` gets it.
    httpx.post(f"{url}/api/flow/ingest", json=[wire("G1", 1, queue=900, count=20)])
    wait_until(
        lambda: any(
            g["state"] == "red"
            for g in httpx.get(f"{url}/api/flow/status?stadiumId=AGADIR").json().get("gates", [])
        )
    )
    resumed = _collect(feed, until="status", headers={"Last-Event-ID": str(cursor)})
    events = [m for m in resumed if m["event"] not in ("ready", "status")]
    assert events, "the state change made while away is replayed"
    ids = [int(m["id"]) for m in events]
    assert ids == sorted(ids) and min(ids) > cursor
    change = next(m for m in events if m["event"] == "state_changed")
    assert change["data"]["gateId"] == "G1" and change["data"]["data"]["to"] == "red"
    assert change["data"]["id"] == int(change["id"])
    again = _collect(feed, until="ready", headers={"Last-Event-ID": str(max(ids))})
    assert [m["event"] for m in again] == ["ready"]  # nothing twice


def test_event_stream_rejects_bad_parameters(server):
    base = f"{server.url}/api/flow/events"
    assert httpx.get(base).status_code == 400
    assert httpx.get(f"{base}?stadiumId=a%20b").status_code == 400
    bad = httpx.get(f"{base}?stadiumId=AGADIR", headers={"Last-Event-ID": "x"})
    assert bad.status_code == 400 and bad.json()["field"] == "lastEventId"


def test_open_event_stream_does_not_hold_up_a_stop(server):
    received: list[str] = []
    opened = threading.Event()

    def listen() -> None:
        with httpx.stream(
            "GET", f"{server.url}/api/flow/events?stadiumId=AGADIR", timeout=30
        ) as response:
            opened.set()
            for message in _messages(response):
                received.append(message["event"])

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    assert opened.wait(10)
    wait_until(lambda: "ready" in received)
    started = time.monotonic()
    assert server.terminate(timeout=15) == 0
    assert time.monotonic() - started < 5, "uvicorn waited for the stream"
    listener.join(5)
    assert not listener.is_alive() and received[-1] == "bye"
