"""The simulation commands end to end, as a user runs them: ``python -m stadiumflow ...``."""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from stadiumflow.domain.features import FEATURE_NAMES
from stadiumflow.entrypoints.tools.replay import wait_until_healthy
from stadiumflow.testing.processes import free_port, stadiumflow_command, start_server

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        stadiumflow_command(*args),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def status(base: str, stadium: str) -> dict[str, object]:
    with urllib.request.urlopen(f"{base}/api/flow/status?stadiumId={stadium}", timeout=5) as r:
        data: dict[str, object] = json.load(r)
        return data


def test_simulate_writes_readings_and_truth(tmp_path: Path) -> None:
    out = tmp_path / "day.csv"
    done = cli("simulate", "--stadium", "CASABLANCA", "--seed", "5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "worst" in done.stdout and "red min" in done.stdout
    with out.open() as f:
        rows = list(csv.DictReader(f))
    assert {r["gate_id"] for r in rows} == set("ABCDEFGH")
    assert all(r["ts"].endswith("Z") for r in rows)
    assert max(float(r["wait_true"]) for r in rows) > 5


def test_generate_data_via_the_script(tmp_path: Path) -> None:
    out = tmp_path / "train.csv"
    done = subprocess.run(
        [
            sys.executable,
            "scripts/generate_data.py",
            "--samples",
            "4000",
            "--out",
            str(out),
            "--seed",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with out.open() as f:
        header = next(csv.reader(f))
        assert sum(1 for _ in f) == 4000
    assert {"day_id", "wait_true", "wait_true_in_15", "lanes_open", "incident"} <= set(header)
    assert set(FEATURE_NAMES) <= set(header)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    started = start_server(tmp_path / "data", timeout=60)
    try:
        yield started.url
    finally:
        started.stop(timeout=20)


def test_replay_into_the_real_service(server: str) -> None:
    done = cli("replay", "--url", server, "--stadium", "RABAT", "--speed", "100000", "--seed", "2")
    assert done.returncode == 0, done.stderr
    assert "0 rejected" in done.stdout
    deadline = time.monotonic() + 60
    gates: list[object] = []
    while time.monotonic() < deadline and len(gates) < 14:  # the worker catches up
        try:
            gates = status(server, "RABAT")["gates"]
        except urllib.error.HTTPError:  # 404 until the first readings are processed
            time.sleep(0.2)
    assert isinstance(gates, list) and len(gates) == 14


def test_demo_starts_the_server_replays_and_stops(tmp_path: Path) -> None:
    port = free_port()
    done = cli(
        "demo",
        "--port",
        str(port),
        "--speed",
        "100000",
        "--exit-after-replay",
        "--data-dir",
        str(tmp_path / "demo"),
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for name in ("AGADIR", "RABAT", "CASABLANCA"):
        assert f"/api/flow/status?stadiumId={name}" in done.stdout
    assert "replay done" in done.stdout and "0 rejected" in done.stdout
    with socket.socket() as s:  # the server is gone: the port is free again
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_sigterm_to_the_demo_stops_its_server(tmp_path: Path) -> None:
    """A service manager stops with SIGTERM: the server must not outlive the demo."""
    port = free_port()
    demo = subprocess.Popen(
        stadiumflow_command(
            "demo", "--port", str(port), "--speed", "60", "--data-dir", str(tmp_path / "demo")
        ),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert wait_until_healthy(f"http://127.0.0.1:{port}", 60), "server did not start"
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(30) == 0
        with socket.socket() as s:  # the server is gone: the port is free again
            assert s.connect_ex(("127.0.0.1", port)) != 0
    finally:
        if demo.poll() is None:
            demo.kill()
