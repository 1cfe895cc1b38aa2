"""End-to-end fixtures: the real server process on a free port, driven over HTTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.e2e


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    log_path: Path

    def kill9(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout: float = 15) -> int:
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_process(
    args: list[str], data_dir: Path, log_name: str, env: dict[str, str] | None = None
):
    log_path = data_dir.parent / f"{log_name}.log"
    with log_path.open("ab") as handle:  # the child has its own copy
        process = subprocess.Popen(
            [sys.executable, "-m", "stadiumflow", *args, "--data-dir", str(data_dir)],
            stdout=handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    return process, log_path


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError("server did not become healthy")


StartServer = Callable[..., ServerProcess]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    started: list[ServerProcess] = []

    def start(*extra: str, data_dir: Path | None = None, env: dict[str, str] | None = None):
        data = data_dir or tmp_path / "data"
        port = free_port()
        process, log_path = start_process(
            ["serve", "--port", str(port), *extra], data, "server", env
        )
        server = ServerProcess(process, f"http://127.0.0.1:{port}", data, log_path)
        started.append(server)
        wait_healthy(server.url, process)
        return server

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(10)


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    return start_server()


def wait_until(predicate: Callable[[], bool], timeout: float = 15, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(step)
    raise TimeoutError("condition not met in time")
