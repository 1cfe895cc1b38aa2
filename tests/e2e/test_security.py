"""Keys, rate limits and slow clients against the real server, over real sockets."""

from __future__ import annotations

import socket
import threading
import time

import httpx

from stadiumflow.testing.processes import ServerProcess
from tests.e2e.helpers import wire

KEY = "turnstile-key-3f9a1c0d5e7b"
READ = "control-room-key-8c2e4a6b0d1f"


def test_keys_as_azure_functions_keys_and_reads_behind_the_read_key(start_server):
    server = start_server(env={"STADIUMFLOW_INGEST_KEYS": KEY, "STADIUMFLOW_READ_KEYS": READ})
    url = server.url
    refused = httpx.post(f"{url}/api/flow/ingest", json=wire("G1", 0))
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized"
    assert "x-functions-key" in refused.headers["www-authenticate"]
    assert (
        httpx.post(
            f"{url}/api/flow/ingest", json=wire("G1", 0), headers={"x-functions-key": KEY}
        ).status_code
        == 202
    )
    assert httpx.post(f"{url}/api/flow/ingest?code={KEY}", json=wire("G1", 1)).status_code == 202
    status = f"{url}/api/flow/status?stadiumId=AGADIR"
    assert httpx.get(status).status_code == 401
    assert httpx.get(f"{status}&code={KEY}").status_code == 401  # a device key does not read
    assert httpx.get(status, headers={"x-functions-key": READ}).status_code in (200, 404)
    for path in ("/healthz", "/readyz", "/openapi.json"):
        assert httpx.get(f"{url}{path}").status_code == 200, path
    assert KEY not in server.log() and READ not in server.log()


def test_the_server_warns_loudly_when_ingest_is_open(server: ServerProcess):
    assert "INGEST IS OPEN" in server.log()


def test_a_flooding_device_gets_429_with_retry_after(start_server):
    server = start_server(env={"STADIUMFLOW_INGEST_RATE": "5"})
    with httpx.Client(base_url=server.url, timeout=10) as client:
        answers = [client.post("/api/flow/ingest", json=wire("G1", m)) for m in range(30)]
    statuses = [a.status_code for a in answers]
    assert statuses[:10] == [202] * 10  # the burst: 2 x rate
    limited = [a for a in answers if a.status_code == 429]
    assert limited and all(int(a.headers["retry-after"]) >= 1 for a in limited)
    assert limited[0].json()["error"] == "rate_limited"
    assert set(statuses) == {202, 429}


def _trickle(url: str, results: list[tuple[int, float]], stop: threading.Event) -> None:
    """Declare a 1,000-byte body, then send one byte every 0.2 s until answered."""
    host, port = url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=20) as s:
        s.sendall(
            b"POST /api/flow/ingest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Content-Length: 1000\r\n\r\n["
        )
        s.settimeout(0.2)
        answer = b""
        while not stop.is_set() and time.monotonic() - started < 15:
            try:
                chunk = s.recv(4096)
            except TimeoutError:
                try:
                    s.sendall(b" ")
                except OSError:
                    break
                continue
            except OSError:  # reset: the server closed on us, after its 408 or before it
                break
            if not chunk:
                break
            answer += chunk
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    results.append((status, time.monotonic() - started))


def test_slow_bodies_get_408_and_never_stall_other_devices(start_server):
    # All clients share one address here: the rate limit is off so only slowness counts.
    env = {"STADIUMFLOW_BODY_TIMEOUT_SECONDS": "2", "STADIUMFLOW_INGEST_RATE": "0"}
    server = start_server(env=env)
    results: list[tuple[int, float]] = []
    stop = threading.Event()
    tricklers = [
        threading.Thread(target=_trickle, args=(server.url, results, stop)) for _ in range(20)
    ]
    for t in tricklers:
        t.start()
    latencies: list[float] = []
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            deadline = time.monotonic() + 3
            minute = 0
            while time.monotonic() < deadline:
                sent = time.monotonic()
                response = client.post("/api/flow/ingest", json=wire("F1", minute))
                latencies.append(time.monotonic() - sent)
                assert response.status_code == 202
                minute += 1
    finally:
        for t in tricklers:
            t.join(20)
        stop.set()
    assert len(results) == 20
    assert all(status == 408 for status, _ in results), results
    assert all(1.9 <= elapsed < 5 for _, elapsed in results), results
    latencies.sort()
    assert len(latencies) > 100 and latencies[int(len(latencies) * 0.99)] < 0.25, latencies[-5:]
