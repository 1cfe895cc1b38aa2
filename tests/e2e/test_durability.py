"""kill -9 at any moment loses nothing that was answered 202; a restart continues."""

from __future__ import annotations

import threading

import httpx

from stadiumflow.testing.processes import ServerProcess, start_process, wait_until
from tests.e2e.helpers import wire


def history_count(server: ServerProcess, stadium: str, gate: str) -> int:
    response = httpx.get(
        f"{server.url}/api/flow/history",
        params={"stadiumId": stadium, "gateId": gate, "limit": 5000},
        timeout=10,
    )
    return len(response.json()["items"]) if response.status_code == 200 else 0


def test_kill9_right_after_500_acknowledged_readings_loses_nothing(start_server):
    server = start_server()
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for i in range(500):
            response = client.post("/api/flow/ingest", json=wire(f"G{i % 10}", i // 10))
            assert response.status_code == 202
    server.kill9()
    restarted = start_server(data_dir=server.data_dir)
    wait_until(
        lambda: sum(history_count(restarted, "AGADIR", f"G{g}") for g in range(10)) == 500,
        timeout=30,
    )
    for g in range(10):
        assert history_count(restarted, "AGADIR", f"G{g}") == 50


def test_kill9_during_concurrent_ingest_loses_no_acknowledged_reading(start_server):
    server = start_server()
    acknowledged: list[tuple[str, int]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(gate: str) -> None:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            for minute in range(100_000):
                if stop.is_set():
                    return
                try:
                    response = client.post("/api/flow/ingest", json=wire(gate, minute))
                except httpx.TransportError:
                    return  # the server died under us: this one was not acknowledged
                if response.status_code == 202:
                    with lock:
                        acknowledged.append((gate, minute))

    threads = [threading.Thread(target=sender, args=(f"K{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    wait_until(lambda: len(acknowledged) >= 300, timeout=30, step=0.01)
    server.kill9()
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acknowledged) >= 300

    restarted = start_server(data_dir=server.data_dir)
    expected = {f"K{i}": sum(1 for g, _ in acknowledged if g == f"K{i}") for i in range(4)}
    wait_until(
        lambda: all(history_count(restarted, "AGADIR", g) >= n for g, n in expected.items()),
        timeout=30,
    )
    for gate in expected:
        response = httpx.get(
            f"{restarted.url}/api/flow/history",
            params={"stadiumId": "AGADIR", "gateId": gate, "limit": 5000},
        ).json()
        stamps = [item["ts"] for item in response["items"]]
        assert len(stamps) == len(set(stamps))  # none applied twice
        got = {wire(gate, m)["ts"] for g, m in acknowledged if g == gate}
        assert got <= set(stamps)


def test_a_separate_worker_process_does_the_processing(start_server, tmp_path):
    server = start_server("--no-worker")
    httpx.post(f"{server.url}/api/flow/ingest", json=[wire("G1", m) for m in range(5)])
    ready = httpx.get(f"{server.url}/readyz").json()
    assert ready["queue"]["readings"] == 5 and ready["worker"]["mode"] == "none"
    worker, _ = start_process(["worker"], server.data_dir, "worker")
    try:
        wait_until(lambda: history_count(server, "AGADIR", "G1") == 5, timeout=20)
    finally:
        worker.terminate()
        assert worker.wait(15) == 0
    assert httpx.get(f"{server.url}/readyz").json()["queue"]["readings"] == 0


def test_restart_continues_the_rolling_window(start_server, tmp_path):
    # The queueing formula (a model dir without a model) makes the expected wait exact.
    formula = {"STADIUMFLOW_MODEL_DIR": str(tmp_path / "no-model")}
    server = start_server(env=formula)
    httpx.post(f"{server.url}/api/flow/ingest", json=[wire("G1", m, count=60) for m in range(5)])
    wait_until(lambda: history_count(server, "AGADIR", "G1") == 5)
    assert server.terminate() == 0
    restarted = start_server(data_dir=server.data_dir, env=formula)
    httpx.post(f"{restarted.url}/api/flow/ingest", json=wire("G1", 5, count=0, queue=120))
    wait_until(lambda: history_count(restarted, "AGADIR", "G1") == 6)
    gate = httpx.get(f"{restarted.url}/api/flow/status?stadiumId=AGADIR").json()["gates"][0]
    # The 5-minute throughput mean remembers the 60/min from before the restart.
    assert gate["wait"] == 2.5
    assert gate["model"] == "fallback:queueing-1"
    model = httpx.get(f"{restarted.url}/readyz").json()["waitModel"]
    assert model["fallback"] is True and "FileNotFoundError" in model["fallbackReason"]
