"""End-to-end fixtures: the real server process on a free port, driven over HTTP.

The processes themselves are ``stadiumflow.testing.processes``; here is what is pytest's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from stadiumflow.testing.processes import ServerProcess
from stadiumflow.testing.processes import start_server as start

pytestmark = pytest.mark.e2e

StartServer = Callable[..., ServerProcess]


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[StartServer]:
    """``start_server(*extra, data_dir=None, env=None)``: a healthy ``stadiumflow serve``,
    killed at the end of the test if still running."""
    started: list[ServerProcess] = []

    def start_one(
        *extra: str, data_dir: Path | None = None, env: dict[str, str] | None = None
    ) -> ServerProcess:
        server = start(data_dir or tmp_path / "data", *extra, env=env)
        started.append(server)
        return server

    yield start_one
    for server in started:
        if server.process.poll() is None:
            server.kill9()


@pytest.fixture
def server(start_server: StartServer) -> ServerProcess:
    return start_server()
